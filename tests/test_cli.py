"""The lsc command line, run as a user runs it: output, formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT
from .helpers import minimal, run_lsc, seed, write

MDS = str(FIXTURES / "seed-moc-mds-2020-03.json")
SECURE = str(FIXTURES / "seed-moc-secure-2020-08.json")


lsc = run_lsc


def test_check_json_has_the_documented_keys_and_exit_code() -> None:
    run = lsc("check", MDS, "--as-at", "2020-03-06", "--format", "json")
    assert run.returncode == 3, run.stderr
    result = json.loads(run.stdout)
    assert {"overall", "ratings", "conditions", "blockers", "path_to_green", "ruleset_digest", "input_digest"} <= set(
        result
    )
    assert result["as_at"] == "2020-03-06"
    assert result["overall"] == "ready_with_conditions"
    assert {"criterion", "group", "rating", "findings"} <= set(result["ratings"][0])


def test_check_loads_neither_storage_nor_web_layers() -> None:
    """``lsc check`` starts quickly because the commands that need a database or a server import them."""
    heavy = ("sqlalchemy", "sqlmodel", "alembic", "fastapi", "uvicorn", "weasyprint", "lsc_engine.store")
    probe = f"import sys, lsc_engine.cli; print([m for m in {heavy!r} if m in sys.modules])"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert run.stdout.strip() == "[]"
    assert lsc("check", MDS, "--format", "json").returncode == 3


def test_two_runs_are_byte_identical() -> None:
    first = lsc("check", SECURE, "--as-at", "2020-08-07", "--format", "json")
    second = lsc("check", SECURE, "--as-at", "2020-08-07", "--format", "json")
    assert first.returncode == second.returncode == 4
    assert first.stdout == second.stdout


def test_as_at_defaults_to_the_statement_date() -> None:
    run = lsc("check", SECURE, "--format", "json")
    assert json.loads(run.stdout)["as_at"] == "2020-08-07"


def test_table_and_markdown_name_ratings_in_words() -> None:
    table = lsc("check", SECURE)
    assert table.returncode == 4
    assert "NOT READY" in table.stdout
    assert "✖ RED" in table.stdout
    assert "Blocking go-live: LSC 3 for TAG, LSC 3 for OPSG, LSC 5 for OPSG, LSC 6 for OPSG" in table.stdout
    assert "Residual risks for SSC, condition 1, condition 2\n" in table.stdout
    markdown = lsc("check", MDS, "--format", "markdown")
    assert "| LSC6 | OPSG | ▲ AMBER |" in markdown.stdout
    assert "**Prerequisite to migration start (carried over)**" in markdown.stdout


def test_ready_pack_exits_zero() -> None:
    run = lsc("check", str(FIXTURES / "synthetic-all-green.json"))
    assert run.returncode == 0
    assert "READY" in run.stdout
    assert "Nothing blocks go-live." in run.stdout


def test_invalid_pack_exits_two_naming_each_field(tmp_path: Path) -> None:
    document = seed()
    document["incidents"][0]["category"] = 0
    document["statement"]["surprise"] = True
    run = lsc("check", str(write(tmp_path, document)))
    assert run.returncode == 2
    assert "incidents[0].category: Input should be greater than or equal to 1" in run.stderr
    assert "statement.surprise: unknown field" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "missing.json"], "cannot read missing.json"),
        (["check", MDS, "--as-at", "06/03/2020"], "--as-at must be a date as YYYY-MM-DD"),
        (["check", MDS, "--format", "pdf"], "Invalid value for '--format'"),
    ],
)
def test_usage_errors_exit_two(args: list[str], message: str) -> None:
    run = lsc(*args)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_minimal_pack_is_not_ready(tmp_path: Path) -> None:
    run = lsc("check", str(write(tmp_path, minimal())), "--format", "json")
    assert run.returncode == 4
    assert {cell["rating"] for cell in json.loads(run.stdout)["ratings"]} == {"insufficient_evidence"}


def test_schema_is_json_schema_of_the_pack() -> None:
    run = lsc("schema")
    schema = json.loads(run.stdout)
    assert schema["title"] == "LSC evidence pack"
    assert {"statement", "scope", "incidents"} <= set(schema["properties"])


def test_rules_list_and_test() -> None:
    listing = lsc("rules", "list")
    assert listing.returncode == 0
    assert "LSC6-OPSG-stability-window" in listing.stdout
    lines = listing.stdout.splitlines()
    assert next(line for line in lines if "LSC6-OPSG-lookback-red " in line).endswith(" (provisional)")
    assert not next(line for line in lines if "LSC6-OPSG-stability-window " in line).endswith(" (provisional)")
    assert any(line.startswith("Provisional: ") for line in lines)
    tested = lsc("rules", "test")
    assert tested.returncode == 0
    assert tested.stdout.strip().endswith("rules)")
    assert ", 0 failed" in tested.stdout


def test_a_broken_ruleset_is_an_invalid_input(tmp_path: Path) -> None:
    (tmp_path / "catalogue.yaml").write_text("criteria: nope\n")
    (tmp_path / "parameters.yaml").write_text("{}\n")
    run = lsc("check", MDS, "--rules", str(tmp_path))
    assert run.returncode == 2
    assert "catalogue.yaml is not valid" in run.stderr


def test_pack_text_that_looks_like_terminal_markup_is_printed_as_it_is(tmp_path: Path) -> None:
    document = json.loads(Path(MDS).read_text())
    document["earlier_conditions"][0]["key"] = "its-own-key"  # carried over, so its text is in the table
    document["earlier_conditions"][0]["text"] = "[bold]not bold[/bold] and a stray [/] closing tag"
    run = lsc("check", str(write(tmp_path, document)))
    assert run.returncode == 3, run.stderr
    assert "[bold]not bold[/bold] and a stray [/] closing tag" in " ".join(run.stdout.split())
