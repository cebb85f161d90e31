"""Count the instructions each stage executes per call, which the machine's load does not change.

    python -m bench.instructions [--sizes small medium] [--stages evaluate match ...] [--calls N]

Times on a shared machine swing by half from one run to the next; the instructions a call executes hardly
move. Each stage runs in a fresh process under Valgrind's cachegrind (``--cache-sim=no``) twice: once making
the call ``N`` times after one warm-up call, and once making only the warm-up call; the difference over ``N``
is the count per call. Writes bench/results/instructions.md. Needs Debian's ``valgrind``
(``scripts/system-packages``); a process under it runs about fifty times slower, so the large pack is left
out unless asked for. Exit code 2 when valgrind is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.gen import AS_AT, generate
from bench.report import publish
from bench.stages import end_to_end
from lsc_engine.core import engine
from lsc_engine.core.decision import evaluate
from lsc_engine.core.digest import digest_of
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.facts import Derivation, fact_values
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.ruleset import load_ruleset

#: What each stage runs: the same calls as ``bench.stages`` times, ``evaluate`` on a pack ``parse_pack`` read.
STAGES = ("floor", "parse", "derive", "match", "digest", "evaluate", "end-to-end")
#: Calls per count by size: enough for the warm-up and start-up to fall out of the difference.
CALLS = {"small": 100, "medium": 5, "large": 1}
_COUNTED = re.compile(r"I\s+refs:\s+([\d,]+)")


def _stage(name: str, size: str, seed: int) -> Callable[[], object]:
    """Prepare one stage on one generated pack and return the call to count."""
    ruleset = load_ruleset()
    engine.prepare(ruleset)
    data = json.dumps(generate(size, seed)).encode()
    pack = parse_pack(data, yaml_allowed=False)
    values = fact_values(Derivation(pack, ruleset.parameters, known_at=AS_AT).facts(AS_AT))
    calls: dict[str, Callable[[], object]] = {
        "floor": lambda: EvidencePack.model_validate_json(data),
        "parse": lambda: parse_pack(data, yaml_allowed=False),
        "derive": lambda: Derivation(pack, ruleset.parameters, known_at=AS_AT).facts(AS_AT),
        "match": lambda: engine.match(ruleset, values),
        "digest": lambda: digest_of(pack),
        "evaluate": lambda: evaluate(pack, ruleset, as_at=AS_AT),
        "end-to-end": lambda: end_to_end(data, ruleset, AS_AT),
    }
    return calls[name]


def _run(name: str, size: str, seed: int, calls: int) -> None:
    """Make the stage's warm-up call and then ``calls`` more (the process Valgrind counts)."""
    call = _stage(name, size, seed)
    for _ in range(calls + 1):
        call()


def _counted(name: str, size: str, seed: int, calls: int) -> int:
    """Return the instructions a fresh process executes making the stage's warm-up call and ``calls`` more."""
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    command += [sys.executable, "-m", "bench.instructions", "--run", name, size, str(seed), str(calls)]
    # One hash seed for both processes: string hashing sets the order of sets, and so some of the work.
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    finished = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    found = _COUNTED.search(finished.stderr)
    if found is None:
        raise RuntimeError(f"valgrind reported no instruction count for {name} on the {size} pack")
    return int(found.group(1).replace(",", ""))


def measure(size: str, stages: Sequence[str], *, calls: int | None = None, seed: int = 1) -> dict[str, float]:
    """Return the instructions per call of each stage on one pack size."""
    count = calls or CALLS[size]
    return {name: (_counted(name, size, seed, count) - _counted(name, size, seed, 0)) / count for name in stages}


def table(results: dict[str, dict[str, float]]) -> str:
    """Render the counts as a Markdown table, in millions of instructions per call."""
    sizes = list(results)
    lines = [
        "| millions of instructions per call | " + " | ".join(sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    stages = [name for name in STAGES if any(name in results[size] for size in sizes)]
    for name in stages:
        cells = [f"{results[size][name] / 1e6:.2f}" if name in results[size] else "" for size in sizes]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Count the stages and print and save the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["small", "medium"], choices=sorted(CALLS))
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    parser.add_argument("--calls", type=int, default=None, help="calls counted per process (default by size)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, default=Path("bench/results/instructions.md"))
    parser.add_argument("--run", nargs=4, metavar=("STAGE", "SIZE", "SEED", "CALLS"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.run is not None:
        name, size, seed, calls = arguments.run
        _run(name, size, int(seed), int(calls))
        return 0
    if shutil.which("valgrind") is None:
        print("bench.instructions: valgrind is not installed (scripts/system-packages)", file=sys.stderr)
        return 2
    results = {
        size: measure(size, arguments.stages, calls=arguments.calls, seed=arguments.seed) for size in arguments.sizes
    }
    publish(table(results), arguments.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
