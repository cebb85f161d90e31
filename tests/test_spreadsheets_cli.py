"""``lsc pack`` and ``lsc check`` on spreadsheets, run as a user runs them: files written, messages and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lsc_engine.core.digest import input_digest
from lsc_engine.core.loading import read_pack
from lsc_engine.spreadsheets import export

from .conftest import FIXTURES
from .helpers import left_unfilled, run_lsc

SECURE = FIXTURES / "seed-moc-secure-2020-08.json"
EXPORT = FIXTURES / "imports" / "incident-export" / "incidents-export-2020-08-07.csv"
MAPPING = FIXTURES / "imports" / "incident-export" / "mapping.yaml"


def test_export_then_build_gives_the_same_pack_and_says_where_each_item_came_from(tmp_path: Path) -> None:
    workbook, built, rows = tmp_path / "secure.xlsx", tmp_path / "secure.json", tmp_path / "rows.json"
    assert run_lsc("pack", "export", str(SECURE), "-o", str(workbook)).returncode == 0
    run = run_lsc("pack", "build", str(workbook), "-o", str(built), "--rows", str(rows))
    assert run.returncode == 0, run.stderr
    digest = input_digest(read_pack(SECURE))
    assert digest in run.stderr
    assert input_digest(read_pack(built)) == digest
    assert json.loads(rows.read_text())["incidents[0]"] == {"file": "secure.xlsx", "sheet": "incidents", "row": 2}


def test_check_reads_a_workbook_as_it_reads_the_pack(tmp_path: Path) -> None:
    workbook = tmp_path / "secure.xlsx"
    run_lsc("pack", "export", str(SECURE), "-o", str(workbook))
    from_workbook = run_lsc("check", str(workbook), "--format", "json")
    from_json = run_lsc("check", str(SECURE), "--format", "json")
    assert from_workbook.returncode == from_json.returncode == 4
    assert from_workbook.stdout == from_json.stdout


def test_check_of_a_workbook_says_which_rows_each_finding_rests_on(tmp_path: Path) -> None:
    workbook = tmp_path / "secure.xlsx"
    run_lsc("pack", "export", str(SECURE), "-o", str(workbook))
    run = run_lsc("check", str(workbook))
    assert run.returncode == 4
    # The Reasons column is the table's last: its wrapped lines join up once the padding is taken out.
    said = " ".join(run.stdout.split())
    assert "milestones.go_live_criteria sheet, row 2; incidents sheet, rows 13 to 15." in said
    assert "Read from secure.xlsx, pack sheet, row 13." in said  # operational acceptance: the row of its id
    assert "Read from" not in run_lsc("check", str(SECURE)).stdout


def test_sheets_left_unfilled_read_as_not_reported_and_several_files_are_checked_together(tmp_path: Path) -> None:
    said_none = export(read_pack(SECURE).model_copy(update={"incidents": [], "consumer_risks": []}))
    workbook = tmp_path / "readiness.xlsx"
    workbook.write_bytes(said_none)
    built = run_lsc("pack", "build", str(workbook), "-o", str(tmp_path / "pack.json"))
    assert built.returncode == 0, built.stderr
    assert "note:" not in built.stderr, "lists said to be empty (TRUE on the pack sheet) are none"
    assert json.loads((tmp_path / "pack.json").read_text())["consumer_risks"] == []
    workbook.write_bytes(left_unfilled(said_none, "incidents", "consumer_risks"))
    built = run_lsc("pack", "build", str(workbook), "-o", str(tmp_path / "pack.json"))
    assert built.returncode == 0, built.stderr
    note = (
        "note: The incidents and consumer_risks sheets have no rows, so they are read as not reported; where there "
        "are none, write TRUE beside the list's name on the pack sheet."
    )
    assert note in " ".join(built.stderr.split())
    assert json.loads((tmp_path / "pack.json").read_text()).get("consumer_risks") is None, "not reported, not none"
    together = run_lsc("check", str(workbook), str(EXPORT), "--mapping", str(MAPPING))
    assert together.returncode == 4, together.stderr
    assert "note: The consumer_risks sheet has no rows" in together.stderr  # the export's incidents fill the other
    assert f"; {EXPORT.name}, rows " in " ".join(together.stdout.split())  # the export's rows behind a finding
    mixed = run_lsc("check", str(SECURE), str(workbook))
    assert mixed.returncode == 2
    assert "several files are read together only when each is a workbook or CSV files" in mixed.stderr


def test_the_empty_template_is_refused_with_exit_2_naming_what_is_missing(tmp_path: Path) -> None:
    workbook = tmp_path / "readiness.xlsx"
    assert run_lsc("pack", "template", "-o", str(workbook)).returncode == 0
    run = run_lsc("pack", "build", str(workbook), "-o", str(tmp_path / "pack.json"))
    assert run.returncode == 2
    assert "readiness.xlsx does not build into a valid evidence pack: 2 problems" in run.stderr
    assert "readiness.xlsx, scope.dmcs sheet: List should have at least 1 item" in run.stderr
    assert not (tmp_path / "pack.json").exists()
    assert run_lsc("check", str(workbook)).returncode == 2


def test_a_folder_of_csv_files_with_a_mapping_builds_and_a_bad_mapping_exits_2(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    shutil.copy(EXPORT, folder / EXPORT.name)
    rest = tmp_path / "readiness.xlsx"
    run_lsc("pack", "export", str(SECURE), "-o", str(rest))
    mapped = run_lsc("check", str(rest), "--format", "json")
    assert mapped.returncode == 4
    both = run_lsc("pack", "build", str(rest), str(folder), "--mapping", str(MAPPING), "-o", str(tmp_path / "p.json"))
    assert both.returncode == 0, both.stderr
    assert len(read_pack(tmp_path / "p.json").incidents or []) == 29  # the workbook's 14 and the export's 15
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - table: incidents\n    columns: {severity: Priority}\n")
    refused = run_lsc("pack", "build", str(folder), "--mapping", str(bad), "-o", str(tmp_path / "q.json"))
    assert refused.returncode == 2
    assert "sources[0].columns.severity: no field 'severity' in incidents" in refused.stderr
