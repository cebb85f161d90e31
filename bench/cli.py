"""Time ``lsc check`` as a user runs it, one fresh process a run, against a process that only validates the pack.

    python -m bench.cli [--sizes small medium large] [--repeat N] [-o bench/results/cli.md]

Each run of ``lsc check PACK --format json`` starts Python, imports the engine, loads the rules, reads and
validates the pack, evaluates it and prints the evaluation. The floor is a fresh process that imports the
same package and validates the same file with ``EvidencePack.model_validate_json``, so it pays the same
start-up and reading; ``python -c pass`` is shown for scale. Besides wall time, each process's peak resident
set is read from the kernel as it ends (``wait4``; a child's starts from this process's small one, so the
packs are generated in a process of their own). Ratios to the floor are what carry between machines.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.gen import SIZES
from bench.report import publish

REPEATS = {"small": 15, "medium": 7, "large": 3}
#: ``lsc check`` exits 0, 3 or 4 with a readiness; anything else is a failed run.
READINESS_EXITS = {0, 3, 4}

FLOOR_SCRIPT = (
    "import sys; from pathlib import Path; from lsc_engine.core.evidence import EvidencePack; "
    "EvidencePack.model_validate_json(Path(sys.argv[1]).read_bytes())"
)


@dataclass(frozen=True)
class Run:
    """One process: its wall time in seconds and its peak resident set in bytes."""

    seconds: float
    peak_bytes: int


def run_once(command: list[str], accepted: set[int]) -> Run:
    """Run a command to its end, its output discarded, and return its wall time and peak resident set."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    if process.returncode not in accepted:
        raise RuntimeError(f"{command[:4]} exited {process.returncode}: {error.strip()[-500:]}")
    return Run(seconds, usage.ru_maxrss * 1024)  # Linux reports kibibytes


def measure(size: str, repeat: int, seed: int) -> dict[str, object]:
    """Run ``lsc check``, the floor and a bare interpreter ``repeat`` times each on one generated pack."""
    with tempfile.TemporaryDirectory() as directory:
        pack = Path(directory) / f"{size}.json"
        # Generated in a process of its own: a child's peak resident set starts from its parent's at the fork.
        subprocess.run(
            [sys.executable, "-m", "bench.gen", size, "--seed", str(seed), "-o", str(pack)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], {0}),
            "floor: validate only": ([sys.executable, "-c", FLOOR_SCRIPT, str(pack)], {0}),
            "lsc check --format json": (
                [sys.executable, "-m", "lsc_engine", "check", str(pack), "--format", "json"],
                READINESS_EXITS,
            ),
        }
        runs: dict[str, list[Run]] = {name: [] for name in commands}
        for _ in range(repeat):  # interleaved, so that a slow spell of the machine falls on all three alike
            for name, (command, accepted) in commands.items():
                runs[name].append(run_once(command, accepted))
        return {"size": size, "bytes": pack.stat().st_size, "runs": runs}


def table(results: list[dict[str, object]]) -> str:
    """Render the runs as a Markdown table with the ratios to the floor."""
    lines = [
        "| size | pack MB | process | median s | min s | max s | peak resident MB | time / floor | resident / floor |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        runs: dict[str, list[Run]] = result["runs"]  # type: ignore[assignment]
        size_bytes: int = result["bytes"]  # type: ignore[assignment]
        floor = runs["floor: validate only"]
        floor_seconds = statistics.median(r.seconds for r in floor)
        floor_peak = statistics.median(r.peak_bytes for r in floor)
        for name, measured in runs.items():
            seconds = [r.seconds for r in measured]
            peak = statistics.median(r.peak_bytes for r in measured)
            lines.append(
                f"| {result['size']} | {size_bytes / 1e6:.1f} | {name} | {statistics.median(seconds):.3f}"
                f" | {min(seconds):.3f} | {max(seconds):.3f} | {peak / 1e6:.0f}"
                f" | {statistics.median(seconds) / floor_seconds:.2f} | {peak / floor_peak:.2f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the command-line benchmark and print and save its table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["small", "medium", "large"], choices=sorted(SIZES))
    parser.add_argument("--repeat", type=int, default=None, help="runs of each process (default depends on size)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, default=Path("bench/results/cli.md"))
    arguments = parser.parse_args()
    results = [measure(size, arguments.repeat or REPEATS[size], arguments.seed) for size in arguments.sizes]
    publish(table(results), arguments.output)


if __name__ == "__main__":
    main()
