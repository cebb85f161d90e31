"""Time the engine stage by stage on generated packs, with the pack's own validation as the floor.

    python -m bench.stages [--sizes small medium large] [--repeat N] [-o bench/results/stages.md]

Stages: parse + validate (``parse_pack``: pydantic plus the consistency checks), derive facts, rule
matching (durable-rules), decision assembly (the rest of ``evaluate``), JSON output. The floor is
pydantic's ``EvidencePack.model_validate_json`` on the same bytes in the same run; end to end is bytes
in, evaluation JSON out. Ratios, not absolute times, are what carry from one machine to another.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench.gen import AS_AT, generate
from lsc_engine import engine
from lsc_engine.decision import evaluate
from lsc_engine.evidence import EvidencePack
from lsc_engine.facts import Derivation, fact_values
from lsc_engine.loading import parse_pack
from lsc_engine.ruleset import load_ruleset

REPEATS = {"small": 200, "medium": 10, "large": 3}


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Run a function ``repeat`` times and return each run's seconds."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def peak_memory(function: Callable[[], object]) -> int:
    """Return the peak Python heap a function allocates, in bytes."""
    gc.collect()
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def measure(size: str, repeat: int, seed: int) -> dict[str, object]:
    """Measure every stage for one pack size."""
    ruleset = load_ruleset()
    engine.prepare(ruleset)
    data = json.dumps(generate(size, seed)).encode()
    pack = parse_pack(data, yaml_allowed=False)
    as_at: date = AS_AT
    derivation = Derivation(pack, ruleset.parameters, known_at=as_at)
    values = fact_values(derivation.facts(as_at))
    result = evaluate(pack, ruleset, as_at=as_at)

    def end_to_end() -> bytes:
        return evaluate(parse_pack(data, yaml_allowed=False), ruleset, as_at=as_at).model_dump_json().encode()

    stages = {
        "validate floor (pydantic alone)": timed(lambda: EvidencePack.model_validate_json(data), repeat),
        "parse + validate": timed(lambda: parse_pack(data, yaml_allowed=False), repeat),
        "derive facts": timed(lambda: Derivation(pack, ruleset.parameters, known_at=as_at).facts(as_at), repeat),
        "rule matching": timed(lambda: engine.match(ruleset, values), repeat),
        "evaluate (derive + match + assemble)": timed(lambda: evaluate(pack, ruleset, as_at=as_at), repeat),
        "JSON output": timed(result.model_dump_json, repeat),
        "end to end": timed(end_to_end, repeat),
    }
    return {"size": size, "bytes": len(data), "stages": stages, "peak": peak_memory(end_to_end)}


def table(results: list[dict[str, object]]) -> str:
    """Render the measurements as a Markdown table with the ratios the targets are stated in."""
    lines = [
        "| size | stage | median ms | min ms | max ms |",
        "|---|---|---:|---:|---:|",
    ]
    for result in results:
        stages: dict[str, list[float]] = result["stages"]  # type: ignore[assignment]
        for stage, times in stages.items():
            ms = [t * 1000 for t in times]
            lines.append(
                f"| {result['size']} | {stage} | {statistics.median(ms):.2f} | {min(ms):.2f} | {max(ms):.2f} |"
            )
    lines += ["", "| size | pack MB | end to end / validate floor | peak memory / pack size |", "|---|---:|---:|---:|"]
    for result in results:
        stages = result["stages"]  # type: ignore[assignment]
        ratio = statistics.median(stages["end to end"]) / statistics.median(stages["validate floor (pydantic alone)"])
        size_bytes: int = result["bytes"]  # type: ignore[assignment]
        peak: int = result["peak"]  # type: ignore[assignment]
        lines.append(f"| {result['size']} | {size_bytes / 1e6:.1f} | {ratio:.2f} | {peak / size_bytes:.2f} |")
    by_size = {r["size"]: r["stages"] for r in results}
    if "small" in by_size and "large" in by_size:
        flat = statistics.median(by_size["large"]["rule matching"]) / statistics.median(  # type: ignore[index]
            by_size["small"]["rule matching"]  # type: ignore[index]
        )
        lines += ["", f"Rule matching, large / small: {flat:.2f}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the stage benchmark and print and save its table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["small", "medium", "large"], choices=sorted(REPEATS))
    parser.add_argument("--repeat", type=int, default=None, help="runs per stage (default depends on size)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, default=Path("bench/results/stages.md"))
    arguments = parser.parse_args()
    results = [measure(size, arguments.repeat or REPEATS[size], arguments.seed) for size in arguments.sizes]
    text = table(results)
    print(text)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(text)


if __name__ == "__main__":
    main()
