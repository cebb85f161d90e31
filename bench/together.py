"""Time reading a pack and evaluating one, each alone and one after the other, to see what they cost each other.

    python -m bench.together [--size small] [--calls 3000] [--turns 5] [-o bench/results/together.md]

``bench.stages`` times each stage in a block of its own, so that its code and data stay in the processor's
caches from one call to the next; end to end, the stages follow one another and each finds the caches holding
the other's. Here each pair of calls is timed both ways, the pairs taking turns: the first call alone, the
second alone, and the two one after the other, the second on a pack read beforehand (so that it is the same
work as alone). Two evaluations in a row are the control: the same code twice costs little more together.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
from collections.abc import Callable
from pathlib import Path

from bench import stages
from bench.gen import AS_AT, generate
from bench.report import publish
from lsc_engine.core import engine
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.ruleset import load_ruleset

READ = "parse_pack"
VALIDATE = "pydantic's validation alone"
EVALUATE = "evaluate"
#: The pairs timed, each as (first call, second call): the second always evaluates a pack read beforehand.
PAIRS = ((READ, EVALUATE), (VALIDATE, EVALUATE), (EVALUATE, EVALUATE))


def calls(size: str) -> dict[str, Callable[[], object]]:
    """Return each call of the pairs on the generated pack of this size, by name."""
    ruleset = load_ruleset()
    engine.prepare(ruleset)
    data = json.dumps(generate(size)).encode()
    other = parse_pack(data, yaml_allowed=False)
    return {
        READ: lambda: parse_pack(data, yaml_allowed=False),
        VALIDATE: lambda: EvidencePack.model_validate_json(data),
        EVALUATE: lambda: evaluate(other, ruleset, as_at=AS_AT),
    }


def measure(size: str, count: int, turns: int) -> dict[str, list[float]]:
    """Time every call alone and every pair together, ``count`` times each over ``turns`` turns (seconds per run)."""
    named = calls(size)
    runs = {name: list[float]() for name in named}
    runs |= {_together(pair): [] for pair in PAIRS}
    share = max(1, count // max(1, turns))
    for _ in range(max(1, turns)):
        for name, call in named.items():
            runs[name] += stages.timed(call, share)
        for first, second in PAIRS:
            runs[_together((first, second))] += stages.timed(_both(named[first], named[second]), share)
    return runs


def collections_during(call: Callable[[], object], count: int) -> int:
    """Count the cycle collector's collections, of every generation, while a call runs ``count`` times in a row."""
    gc.collect()
    before = _collections()
    for _ in range(count):
        call()
    return _collections() - before


def _collections() -> int:
    return sum(int(generation["collections"]) for generation in gc.get_stats())


def _both(first: Callable[[], object], second: Callable[[], object]) -> Callable[[], object]:
    return lambda: (first(), second())


def _together(pair: tuple[str, str]) -> str:
    return f"{pair[0]}, then {pair[1]}"


def table(runs: dict[str, list[float]]) -> str:
    """Render each pair's sum alone against its time together, fastest and median, in microseconds."""
    lines = [
        "| calls | alone, fastest µs | together, fastest µs | extra, fastest µs | alone, median µs"
        " | together, median µs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for pair in PAIRS:
        together = runs[_together(pair)]
        fastest = round(sum(min(runs[name]) for name in pair) * 1e6)
        median = round(sum(statistics.median(runs[name]) for name in pair) * 1e6)
        both, both_median = round(min(together) * 1e6), round(statistics.median(together) * 1e6)
        lines.append(f"| {_together(pair)} | {fastest} | {both} | {both - fastest} | {median} | {both_median} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the benchmark and print and save its table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="small", choices=sorted(stages.REPEATS))
    parser.add_argument("--calls", type=int, default=3000, help="runs of each call and each pair")
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("-o", "--output", type=Path, default=Path("bench/results/together.md"))
    arguments = parser.parse_args()
    text = table(measure(arguments.size, arguments.calls, arguments.turns))
    collected = collections_during(calls(arguments.size)[EVALUATE], arguments.calls)
    text += f"\nThe cycle collector ran {collected} collections during {arguments.calls} evaluations in a row.\n"
    publish(text, arguments.output)


if __name__ == "__main__":
    main()
