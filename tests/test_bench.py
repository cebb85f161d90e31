"""The benchmarks run as the README says and report every stage, ratio and target (not judged here)."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from bench import cli, imports, instructions, stages, together

NUMBER = r"\d+\.\d\d"


def test_the_stage_table_has_every_stage_its_ratios_and_the_targets_it_can_check() -> None:
    result = stages.measure("small", repeat=3, seed=1)
    text = stages.table([result])
    for stage in (stages.FLOOR, stages.FLOOR_PAUSED, stages.PARSE, stages.DERIVE, stages.MATCH, stages.DIGEST):
        assert re.search(rf"^\| small \| {re.escape(stage)} \| {NUMBER} \| {NUMBER} \| {NUMBER} \|$", text, re.M), stage
    assert re.search(rf"^\| small \| {re.escape(stages.END_TO_END)} \| {NUMBER} \|", text, re.M)
    summary = re.search(r"^\| small \| 0\.0 \| (.*) \|$", text, re.M)
    assert summary is not None
    assert len(summary.group(1).split(" | ")) == 7  # times, two floor ratios, heap, two resident growths, their ratio
    assert re.search(r"^\| small evaluate under 0\.4 ms \| \d+\.\d\d ms \| (yes|no) \|$", text, re.M)
    assert re.search(r"^\| small end to end under 1 ms \| \d+\.\d\d ms \| (yes|no) \|$", text, re.M)
    # Each time again as the multiple of this run's floor it was on the machine it was set on (0.29 ms there).
    scaled = r"under 1\.38x the floor \(that bound, scaled to this machine\) \| \d+(\.\d+)?x \| (yes|no) \|$"
    assert re.search(rf"^\| small evaluate {scaled}", text, re.M)
    assert re.search(r"^\| small end to end under 3\.45x the floor", text, re.M)
    assert int(str(result["resident"])) >= 0  # a small pack may fit in pages the process already has
    assert int(str(result["resident floor"])) >= 0


def test_the_command_line_table_compares_lsc_check_with_a_validate_only_process() -> None:
    text = cli.table([cli.measure("small", repeat=1, seed=1)])
    rows = {line.split(" | ")[2]: line for line in text.splitlines() if line.startswith("| small |")}
    assert set(rows) == {"python -c pass", "floor: validate only", "lsc check --format json"}
    assert rows["floor: validate only"].endswith("| 1.00 | 1.00 |")
    time_over_floor, resident_over_floor = (
        float(x) for x in rows["lsc check --format json"].strip(" |").split(" | ")[-2:]
    )
    assert time_over_floor > 0
    assert resident_over_floor > 0


def test_the_import_table_compares_building_a_pack_with_reading_the_workbook_alone() -> None:
    text = imports.table([imports.measure(200, repeat=1, seed=1)])
    row = next(line for line in text.splitlines() if line.startswith("| 200 |"))
    cells = row.strip("|").split(" | ")
    assert len(cells) == 10
    assert all(re.fullmatch(r"\d+(\.\d+)?", cell.strip()) for cell in cells)
    import_growth, floor_growth = float(cells[8]), float(cells[7])
    assert float(cells[9]) == round(import_growth / max(floor_growth, 1), 1)


def test_the_instruction_table_counts_each_stage_per_call() -> None:
    if shutil.which("valgrind") is None:
        if os.environ.get("CI"):
            pytest.fail("valgrind is not installed: CI installs it with scripts/system-packages")
        pytest.skip("valgrind is not installed (scripts/system-packages)")
    counts = instructions.measure("small", ["match", "evaluate"], calls=2)
    # Counted, not timed: a match is one part of an evaluation, whatever the machine's load.
    assert 0 < counts["match"] < counts["evaluate"]
    text = instructions.table({"small": counts})
    assert re.search(r"^\| match \| \d+\.\d\d \|$", text, re.M)
    assert re.search(r"^\| evaluate \| \d+\.\d\d \|$", text, re.M)


def test_together_runs_each_call_alone_and_in_each_pair_as_often_as_asked() -> None:
    made: list[str] = []
    calls = {name: (lambda name=name: made.append(name)) for name in together.NAMES}
    runs = together.measure(calls, count=7, turns=3)  # 7 over 3 turns: 3, 2 and 2
    assert {name: len(times) for name, times in runs.items()} == dict.fromkeys(runs, 7)
    in_pairs = [name for pair in together.PAIRS for name in pair]
    # Three probing runs of each call and pair first (does it take long enough to collect before each run?), then 7.
    runs_of = {name: 10 * (1 + in_pairs.count(name)) for name in together.NAMES}
    assert {name: made.count(name) for name in together.NAMES} == runs_of
    # The last turn runs each pair twice, its first call before its second.
    assert made[-12:] == [name for pair in together.PAIRS for name in pair * 2]


def test_the_together_table_gives_each_call_and_each_pair() -> None:
    runs = together.measure(together.pair_calls("small"), count=4, turns=2)
    text = together.table(runs)
    for name in together.NAMES:
        assert re.search(rf"^\| {re.escape(name)} \| \d+ \| \d+ \|$", text, re.M), name
    rows = re.findall(r"^\| (.+?), then (.+?) \| \d+ \| \d+ \| -?\d+ \| \d+ \| \d+ \|$", text, re.M)
    assert rows == list(together.PAIRS)


def test_collections_are_counted_while_a_call_runs() -> None:
    # A call that leaves a reference cycle behind each time makes the collector run; one that allocates nothing, less.
    def cycle() -> None:
        found: list[object] = []
        found.append(found)

    made_cycles = together.collections_during(cycle, 5000)
    assert made_cycles > 0
    assert together.collections_during(lambda: None, 5000) < made_cycles
