"""Time the engine stage by stage on generated packs, with the pack's own validation as the floor.

    python -m bench.stages [--sizes small medium large] [--repeat N] [-o bench/results/stages.md]

Stages: parse + validate (``parse_pack``: pydantic, the consistency checks, and the input digest, which is taken as
a pack is read and kept with it), derive facts, rule matching (durable-rules), the input digest alone, decision
assembly (the rest of ``evaluate``, timed on a pack ``parse_pack`` read), JSON output.
The floor is pydantic's own ``EvidencePack.model_validate_json`` on the same bytes in the same run, timed
as any caller would run it (the cycle collector on), and once more with the collector paused as the engine
pauses it for a large pack, the stricter floor. End to end is bytes in, evaluation JSON out, as the
service's self-check does it. Ratios, not absolute times, are what carry from one machine to another; the
stages take turns (``stage_times``), so that a change in the machine's load reaches the floor as it reaches them.

Peak memory is measured twice: the largest Python heap end to end allocates (tracemalloc, in this
process), and how far the resident set of a fresh process grows while it runs end to end once (the
Python heap plus what pydantic's Rust core and the allocator hold), both against the pack's size; the
resident growth is also measured for a fresh process that only validates the pack, its same-run baseline.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

from bench.gen import AS_AT, generate
from bench.report import publish
from lsc_engine.core import engine
from lsc_engine.core.decision import evaluate
from lsc_engine.core.digest import digest_of
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.facts import Derivation, fact_values
from lsc_engine.core.loading import PIECES_FROM_BYTES, gc_paused, parse_pack
from lsc_engine.core.model_json import model_json
from lsc_engine.core.ruleset import Ruleset, load_ruleset

REPEATS = {"small": 200, "medium": 10, "large": 3}
#: A stage quicker than this (seconds) is timed without a collection before each run; see ``timed``.
COLLECT_EACH_RUN_FROM = 0.005
#: How many turns the stages take (``stage_times``).
TURNS = 10

FLOOR = "validate floor (pydantic alone)"
FLOOR_PAUSED = "validate floor, collector paused"
PARSE = "parse + validate + input digest"
DERIVE = "derive facts"
MATCH = "rule matching"
DIGEST = "input digest"
EVALUATE = "evaluate (derive + match + assemble)"
ASSEMBLE = "decision assembly (evaluate less derive and one match)"
OUTPUT = "JSON output"
END_TO_END = "end to end"

#: What issue 18 asks, checked on each run: ``evaluate`` from a validated pack under these times (ms) by size ...
EVALUATE_UNDER_MS = {"small": 0.4, "medium": 8.0, "large": 150.0}
#: ... end to end from bytes: the small pack under this, the others within this many times pydantic's validation of
#: the same bytes, the collector treated alike (paused for both, as the engine pauses it from 1 MiB) ...
SMALL_END_TO_END_MS = 1.0
END_TO_END_OVER_FLOOR = 1.15
#: ... and the peak resident set of a fresh process growing by less than this many times the pack.
RESIDENT_OVER_PACK = 2.0
#: The floor (pydantic's validation of the same bytes, ms) on the machine those times were set on, from the issue's
#: own table: each time is also checked as the same multiple of the floor measured in this run, which carries from one
#: machine, or one load, to another as the times do not.
REFERENCE_FLOOR_MS = {"small": 0.29, "medium": 66.0, "large": 1970.0}


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Run a function ``repeat`` times and return each run's seconds.

    Before each run of a stage that takes long enough for it to matter, the cycle collector runs, so that no
    collection left over from the previous run falls inside the next. Before the runs of a sub-millisecond
    stage it runs only once: a full collection walks every object and leaves the caches cold, which would
    double or triple what a sub-millisecond stage measures.
    """
    return _block(function, repeat, collect_each=_takes_long(function)) if repeat else []


def _takes_long(function: Callable[[], object]) -> bool:
    """Tell whether a stage takes long enough for a collection before each run (three runs say)."""
    gc.collect()
    return statistics.median(_runs(function, 3)) >= COLLECT_EACH_RUN_FROM


def _block(function: Callable[[], object], repeat: int, *, collect_each: bool) -> list[float]:
    """Run a function ``repeat`` times in a row, collecting before each run or only before the first."""
    if not collect_each:
        gc.collect()
        return _runs(function, repeat)
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def _runs(function: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
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


def end_to_end(data: bytes, ruleset: Ruleset, as_at: date) -> bytes:
    """Evaluate a pack from its bytes to the evaluation's JSON, as ``Service.self_check`` and the API do."""
    with gc_paused(len(data)):
        pack = parse_pack(data, yaml_allowed=False)
        result = evaluate(pack, ruleset, as_at=as_at)
        del pack
    return model_json(result)


def resident_growth(data: bytes, *, floor: bool = False) -> int:
    """Return how many bytes a fresh process's peak resident set grows by while it runs end to end once.

    With ``floor``, the process only validates the pack (``model_validate_json``, collector paused): the
    same-run baseline for the resident set, as the validation floor is for time.
    """
    with tempfile.NamedTemporaryFile(suffix=".json") as pack_file:
        pack_file.write(data)
        pack_file.flush()
        output = subprocess.run(
            [sys.executable, "-m", "bench.stages", "--resident-growth-of", pack_file.name]
            + (["--floor"] if floor else []),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return int(output)


def _measure_resident_growth(path: Path, floor: bool) -> None:
    """Print the peak resident set growth of one run (the child side of ``resident_growth``)."""
    ruleset = load_ruleset()
    engine.prepare(ruleset)
    end_to_end(json.dumps(generate("small")).encode(), ruleset, AS_AT)  # first-use allocations are not the pack's
    data = path.read_bytes()
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # Linux: the high-water mark starts again from here
    before = _status_kib("VmHWM")
    if floor:
        with gc_paused(len(data)):
            EvidencePack.model_validate_json(data)
    else:
        end_to_end(data, ruleset, AS_AT)
    print((_status_kib("VmHWM") - before) * 1024)


def _status_kib(field: str) -> int:
    found = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    if found is None:
        raise RuntimeError(f"no {field} in /proc/self/status")
    return int(found.group(1))


def measure(size: str, repeat: int, seed: int) -> dict[str, object]:
    """Measure every stage for one pack size."""
    ruleset = load_ruleset()
    engine.prepare(ruleset)
    data = json.dumps(generate(size, seed)).encode()
    return {
        "size": size,
        "bytes": len(data),
        "stages": stage_times(data, ruleset, AS_AT, repeat),
        "peak": peak_memory(lambda: end_to_end(data, ruleset, AS_AT)),
        "resident": resident_growth(data),
        "resident floor": resident_growth(data, floor=True),
    }


def stage_times(data: bytes, ruleset: Ruleset, as_at: date, repeat: int) -> dict[str, list[float]]:
    """Time each stage ``repeat`` times on one pack, the stages taking turns.

    The runs of each stage are spread over up to ``TURNS`` turns, and in each turn every stage runs its share in a
    row: a change in the machine's load then falls on the floor and on the stages alike, and the ratios between
    them hold, where timing each stage's runs all at once let a busy minute land on one stage only.
    """
    return in_turns(stage_calls(data, ruleset, as_at), repeat, TURNS)


def in_turns(calls: Mapping[str, Callable[[], object]], repeat: int, turns: int) -> dict[str, list[float]]:
    """Time each call ``repeat`` times over up to ``turns`` turns, each call running its share of a turn in a row."""
    if not repeat:
        return {name: [] for name in calls}
    collect_each = {name: _takes_long(call) for name, call in calls.items()}
    times: dict[str, list[float]] = {name: [] for name in calls}
    turns = max(1, min(repeat, turns))
    for turn in range(turns):
        share = repeat // turns + (1 if turn < repeat % turns else 0)
        for name, call in calls.items():
            times[name] += _block(call, share, collect_each=collect_each[name])
    return times


def stage_calls(data: bytes, ruleset: Ruleset, as_at: date) -> dict[str, Callable[[], object]]:
    """Prepare each stage on one pack and return its call, by stage (``evaluate`` on a pack ``parse_pack`` read)."""
    pack = parse_pack(data, yaml_allowed=False)
    values = fact_values(Derivation(pack, ruleset.parameters, known_at=as_at).facts(as_at))
    result = evaluate(pack, ruleset, as_at=as_at)

    def floor_paused() -> object:
        with gc_paused(len(data)):
            return EvidencePack.model_validate_json(data)

    return {
        FLOOR: lambda: EvidencePack.model_validate_json(data),
        FLOOR_PAUSED: floor_paused,
        PARSE: lambda: parse_pack(data, yaml_allowed=False),
        DERIVE: lambda: Derivation(pack, ruleset.parameters, known_at=as_at).facts(as_at),
        MATCH: lambda: engine.match(ruleset, values),
        DIGEST: lambda: digest_of(pack, whole=len(data) < PIECES_FROM_BYTES),
        EVALUATE: lambda: evaluate(pack, ruleset, as_at=as_at),
        OUTPUT: lambda: model_json(result),
        END_TO_END: lambda: end_to_end(data, ruleset, as_at),
    }


def _median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def table(results: list[dict[str, object]]) -> str:
    """Render the measurements as Markdown tables with the ratios the targets are stated in."""
    lines = [
        "| size | stage | median ms | min ms | max ms |",
        "|---|---|---:|---:|---:|",
    ]
    medians: dict[str, dict[str, float]] = {}
    for result in results:
        size = str(result["size"])
        stages: dict[str, list[float]] = result["stages"]  # type: ignore[assignment]
        medians[size] = {stage: _median_ms(times) for stage, times in stages.items()}
        for stage, times in stages.items():
            ms = [t * 1000 for t in times]
            lines.append(f"| {size} | {stage} | {medians[size][stage]:.2f} | {min(ms):.2f} | {max(ms):.2f} |")
            if stage == EVALUATE:
                rest = medians[size][EVALUATE] - medians[size][DERIVE] - medians[size][MATCH]
                lines.append(f"| {size} | {ASSEMBLE} | {rest:.2f} | | |")
    lines += [
        "",
        "| size | pack MB | end to end ms | end to end / floor | end to end / floor, collector paused"
        " | peak heap / pack size | peak resident growth / pack size | the floor's resident growth / pack size"
        " | resident growth / the floor's |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        size = str(result["size"])
        size_bytes: int = result["bytes"]  # type: ignore[assignment]
        peak: int = result["peak"]  # type: ignore[assignment]
        resident: int = result["resident"]  # type: ignore[assignment]
        resident_floor: int = result["resident floor"]  # type: ignore[assignment]
        m = medians[size]
        lines.append(
            f"| {size} | {size_bytes / 1e6:.1f} | {m[END_TO_END]:.2f} | {m[END_TO_END] / m[FLOOR]:.2f}"
            f" | {m[END_TO_END] / m[FLOOR_PAUSED]:.2f} | {peak / size_bytes:.2f} | {resident / size_bytes:.2f}"
            f" | {resident_floor / size_bytes:.2f} | {_ratio(resident, resident_floor)} |"
        )
    lines += ["", *_targets(results, medians)]
    return "\n".join(lines) + "\n"


def _ratio(resident: int, resident_floor: int) -> str:
    """A resident set ratio, left blank where the floor grows by less than the allocator's first mebibyte."""
    return f"{resident / resident_floor:.2f}" if resident_floor >= 1 << 20 else ""


def _targets(results: list[dict[str, object]], medians: dict[str, dict[str, float]]) -> list[str]:
    """List issue 18's targets that this run can check, each with what was measured and whether it holds."""
    checks: list[tuple[str, str, bool]] = []
    for size, bound in EVALUATE_UNDER_MS.items():
        if size in medians:
            checks += _time_checks(f"{size} evaluate", medians[size][EVALUATE], bound, medians[size][FLOOR], size)
    if "small" in medians:
        e2e = medians["small"][END_TO_END]
        checks += _time_checks("small end to end", e2e, SMALL_END_TO_END_MS, medians["small"][FLOOR], "small")
    for result in results:
        size = str(result["size"])
        if size == "small":
            continue
        ratio = medians[size][END_TO_END] / medians[size][FLOOR_PAUSED]
        holds = ratio <= END_TO_END_OVER_FLOOR
        checks.append(
            (f"{size} end to end within {END_TO_END_OVER_FLOOR}x the floor, collector alike", f"{ratio:.2f}", holds)
        )
        resident: int = result["resident"]  # type: ignore[assignment]
        size_bytes: int = result["bytes"]  # type: ignore[assignment]
        over = resident / size_bytes
        checks.append(
            (
                f"{size} peak resident growth under {RESIDENT_OVER_PACK}x the pack",
                f"{over:.2f}",
                over < RESIDENT_OVER_PACK,
            )
        )
    if not checks:
        return []
    rows = ["| target | this run | holds |", "|---|---:|---|"]
    rows += [f"| {target} | {measured} | {'yes' if holds else 'no'} |" for target, measured, holds in checks]
    return rows


def _time_checks(what: str, took: float, bound: float, floor: float, size: str) -> list[tuple[str, str, bool]]:
    """Check a time against its bound, and against the same multiple of this run's floor as on the reference machine."""
    share = bound / REFERENCE_FLOOR_MS[size]
    return [
        (f"{what} under {bound:g} ms", f"{took:.2f} ms", took < bound),
        (
            f"{what} under {share:.3g}x the floor (that bound, scaled to this machine)",
            f"{took / floor:.3g}x",
            took / floor < share,
        ),
    ]


def main() -> None:
    """Run the stage benchmark and print and save its table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["small", "medium", "large"], choices=sorted(REPEATS))
    parser.add_argument("--repeat", type=int, default=None, help="runs per stage (default depends on size)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, default=Path("bench/results/stages.md"))
    parser.add_argument("--resident-growth-of", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.resident_growth_of is not None:
        _measure_resident_growth(arguments.resident_growth_of, arguments.floor)
        return
    results = [measure(size, arguments.repeat or REPEATS[size], arguments.seed) for size in arguments.sizes]
    publish(table(results), arguments.output)


if __name__ == "__main__":
    main()
