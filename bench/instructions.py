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
from collections.abc import Sequence
from pathlib import Path

from bench import stages
from bench.gen import AS_AT, generate
from bench.report import publish
from lsc_engine.core import engine
from lsc_engine.core.ruleset import load_ruleset

#: The stages counted, by a short name, and the ``bench.stages`` stage each one is: the same call on the same pack.
STAGES = {
    "floor": stages.FLOOR,
    "parse": stages.PARSE,
    "derive": stages.DERIVE,
    "match": stages.MATCH,
    "digest": stages.DIGEST,
    "evaluate": stages.EVALUATE,
    "end-to-end": stages.END_TO_END,
}
#: Calls per count by size: enough for the warm-up and start-up to fall out of the difference.
CALLS = {"small": 100, "medium": 5, "large": 1}
_COUNTED = re.compile(r"I\s+refs:\s+([\d,]+)")


def _run(name: str, size: str, seed: int, calls: int) -> None:
    """Make the stage's warm-up call and then ``calls`` more (the process Valgrind counts)."""
    ruleset = load_ruleset()
    engine.prepare(ruleset)
    call = stages.stage_calls(json.dumps(generate(size, seed)).encode(), ruleset, AS_AT)[STAGES[name]]
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


def measure(size: str, names: Sequence[str], *, calls: int | None = None, seed: int = 1) -> dict[str, float]:
    """Return the instructions per call of each stage on one pack size."""
    count = calls or CALLS[size]
    return {name: (_counted(name, size, seed, count) - _counted(name, size, seed, 0)) / count for name in names}


def table(results: dict[str, dict[str, float]]) -> str:
    """Render the counts as a Markdown table, in millions of instructions per call."""
    sizes = list(results)
    lines = [
        "| millions of instructions per call | " + " | ".join(sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    counted = [name for name in STAGES if any(name in results[size] for size in sizes)]
    for name in counted:
        cells = [f"{results[size][name] / 1e6:.2f}" if name in results[size] else "" for size in sizes]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Count the stages and print and save the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["small", "medium"], choices=sorted(CALLS))
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=list(STAGES))
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
