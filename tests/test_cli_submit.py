"""Loading packs as a user would: lsc submit stores each pack it can, names each file it cannot, and says where."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from .conftest import FIXTURE_PACKS, FIXTURES
from .helpers import run_lsc

pytestmark = pytest.mark.api


def stored_capabilities(data_dir: Path) -> list[tuple[str, int]]:
    """Return the capability and version of every stored submission, in the order they were stored."""
    with sqlite3.connect(data_dir / "lsc.db") as connection:
        rows = connection.execute("SELECT capability, version FROM submission ORDER BY received_at, id").fetchall()
    return [(str(capability), int(version)) for capability, version in rows]


def test_every_json_fixture_is_stored_and_nothing_else(tmp_path: Path) -> None:
    packs = sorted(str(path) for path in FIXTURES.glob("*.json"))
    assert len(packs) == len([name for name in FIXTURE_PACKS if name.endswith(".json")])

    run = run_lsc("submit", *packs, data_dir=tmp_path / "data")

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == len(packs)
    for path, line in zip(packs, lines, strict=True):
        assert line.startswith(f"{path}: stored as submission "), line
    mds = next(line for line in lines if "seed-moc-mds-2020-03.json" in line)
    assert mds.endswith("(MOC-MDS v1), ready with conditions as at 2020-03-06")
    assert len(stored_capabilities(tmp_path / "data")) == len(packs)


def test_a_file_that_cannot_be_stored_is_named_with_why_and_the_others_are_stored(tmp_path: Path) -> None:
    outcome = tmp_path / "seed.expected.json"
    outcome.write_text(json.dumps({"overall": "ready", "ratings": {}}))
    missing = tmp_path / "missing.json"
    good = [str(FIXTURES / "seed-moc-mds-2020-03.json"), str(FIXTURES / "seed-moc-secure-2020-08.json")]

    run = run_lsc(
        "submit",
        good[0],
        str(outcome),
        str(FIXTURES / "synthetic-stability-window.yaml"),
        str(missing),
        good[1],
        data_dir=tmp_path / "data",
    )

    assert run.returncode == 2
    assert [line.split(": stored as")[0] for line in run.stdout.splitlines()] == good
    errors = run.stderr.splitlines()
    assert f"{outcome}: not stored: the pack is not a valid evidence pack: 4 problems" in errors
    assert "  statement: Field required" in errors
    assert "  overall: unknown field; it is not part of the evidence pack schema" in errors
    yaml = FIXTURES / "synthetic-stability-window.yaml"
    assert (
        f"{yaml}: not stored: a YAML pack cannot be stored: packs are stored as JSON (lsc check reads YAML)" in errors
    )
    assert f"{missing}: not stored: cannot read {missing}: No such file or directory" in errors
    assert errors[-1] == "3 of 5 file(s) not stored"
    assert stored_capabilities(tmp_path / "data") == [("MOC-MDS", 1), ("MOC-SECURE", 1)]


def test_a_command_on_the_database_names_it_on_stderr(tmp_path: Path) -> None:
    data_dir = tmp_path / "elsewhere"

    submitted = run_lsc("submit", str(FIXTURES / "seed-moc-mds-2020-03.json"), data_dir=data_dir)
    verified = run_lsc("audit", "verify", data_dir=data_dir)
    checked = run_lsc("check", str(FIXTURES / "seed-moc-mds-2020-03.json"), data_dir=data_dir)

    line = f"database: SQLite file {(data_dir / 'lsc.db').resolve()}"
    assert submitted.stderr.splitlines()[0] == line
    assert verified.stderr.splitlines() == [line]
    assert "database:" not in checked.stderr, "lsc check uses no database"


def test_a_reading_command_where_there_is_no_database_says_so_and_makes_none(tmp_path: Path) -> None:
    data_dir = tmp_path / "empty-folder" / "data"

    runs = [run_lsc(*command, data_dir=data_dir) for command in (["gate", "MOC-MDS"], ["audit", "verify"])]

    for run in runs:
        assert run.returncode == 2, run.stderr
        assert f"error: there is no database at {(data_dir / 'lsc.db').resolve()}; run this where" in run.stderr
    assert not data_dir.exists()


def test_a_record_that_is_not_there_is_named_with_exit_2_not_as_a_bug(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert run_lsc("submit", str(FIXTURES / "seed-moc-mds-2020-03.json"), data_dir=data_dir).returncode == 0

    gate = run_lsc("gate", "NO-SUCH-CAPABILITY", data_dir=data_dir)
    letter = run_lsc("letter", "no-such-decision", data_dir=data_dir)

    assert (gate.returncode, gate.stderr.splitlines()[-1]) == (
        2,
        "error: no submission for capability NO-SUCH-CAPABILITY",
    )
    assert (letter.returncode, letter.stderr.splitlines()[-1]) == (2, "error: no decision no-such-decision")


def test_lsc_prints_its_version() -> None:
    run = run_lsc("--version")

    assert run.returncode == 0
    # The checkout runs its sources; an installed wheel says its core is compiled (tests/test_wheel.py).
    assert re.fullmatch(r"lsc-engine \d+\.\d+\.\d+ \(evaluation core from Python sources\)\n", run.stdout)
