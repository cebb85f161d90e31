"""Time reading a pack and evaluating one, each alone and one after the other, to see what they cost each other.

    python -m bench.together [--size small] [--count N] [--turns 5] [-o bench/results/together.md]

``bench.stages`` times each stage in a block of its own, so the same call runs again and again; end to end, the
stages follow one another. Here each pair of calls is timed both ways, the pairs taking turns: each call alone,
and the two one after the other, the second evaluating a pack read beforehand (so that it does the same work as
alone). Two evaluations in a row are the control: what they cost together beyond their sum alone is the bias of
comparing a minimum of sums with a sum of minima, and what a pair costs beyond that is what its calls cost each
other. The table gives each call's own times too, and the run counts the cycle collector's collections while
the pack is evaluated again and again.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
from collections.abc import Callable, Mapping
from pathlib import Path

from bench import stages
from bench.gen import AS_AT, generate
from bench.report import publish
from lsc_engine.core import engine
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.ruleset import load_ruleset

READ = "parse_pack (validation, checks, input digest)"
VALIDATE = "pydantic's validation (the floor)"
EVALUATE = "evaluate"
NAMES = (READ, VALIDATE, EVALUATE)
#: The pairs timed, each as (first call, second call): the second always evaluates a pack read beforehand.
PAIRS = ((READ, EVALUATE), (VALIDATE, EVALUATE), (EVALUATE, EVALUATE))
#: Runs of each call and each pair by default, by size: a large pack takes seconds a call.
COUNTS = {"small": 3000, "medium": 60, "large": 4}

Calls = Mapping[str, Callable[[], object]]


def pair_calls(size: str) -> dict[str, Callable[[], object]]:
    """Return each call the pairs are made of, on the generated pack of this size, by name."""
    ruleset = load_ruleset()
    engine.prepare(ruleset)
    data = json.dumps(generate(size)).encode()
    other = parse_pack(data, yaml_allowed=False)
    return {
        READ: lambda: parse_pack(data, yaml_allowed=False),
        VALIDATE: lambda: EvidencePack.model_validate_json(data),
        EVALUATE: lambda: evaluate(other, ruleset, as_at=AS_AT),
    }


def measure(calls: Calls, count: int, turns: int) -> dict[str, list[float]]:
    """Time every call alone and every pair together ``count`` times each, over ``turns`` turns (seconds per run)."""
    pairs = {_together(pair): _both(calls[pair[0]], calls[pair[1]]) for pair in PAIRS}
    return stages.in_turns(dict(calls) | pairs, count, turns)


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


def _us(seconds: float) -> int:
    return round(seconds * 1e6)


def table(runs: dict[str, list[float]]) -> str:
    """Render each call's times alone, then each pair's sum alone against its time together, in microseconds."""
    lines = ["| call | fastest µs | median µs |", "|---|---:|---:|"]
    lines += [f"| {name} | {_us(min(runs[name]))} | {_us(statistics.median(runs[name]))} |" for name in NAMES]
    lines += [
        "",
        "| calls | alone, fastest µs | together, fastest µs | extra, fastest µs | alone, median µs"
        " | together, median µs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for pair in PAIRS:
        together = runs[_together(pair)]
        fastest = _us(sum(min(runs[name]) for name in pair))
        median = _us(sum(statistics.median(runs[name]) for name in pair))
        both, both_median = _us(min(together)), _us(statistics.median(together))
        lines.append(f"| {_together(pair)} | {fastest} | {both} | {both - fastest} | {median} | {both_median} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the benchmark and print and save its table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="small", choices=sorted(COUNTS))
    parser.add_argument("--count", type=int, default=None, help="runs of each call and each pair (default by size)")
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("-o", "--output", type=Path, default=Path("bench/results/together.md"))
    arguments = parser.parse_args()
    count = arguments.count or COUNTS[arguments.size]
    calls = pair_calls(arguments.size)
    text = table(measure(calls, count, arguments.turns))
    collected = collections_during(calls[EVALUATE], count)
    text += f"\nThe cycle collector ran {collected} collections during {count} evaluations in a row.\n"
    publish(text, arguments.output)


if __name__ == "__main__":
    main()
