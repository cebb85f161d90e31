"""Small builders for packs used across the tests."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import select

from lsc_engine.committee.conditions import ConditionState, Status
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.settings import Settings
from lsc_engine.store.db import make_engine, session_scope
from lsc_engine.store.models import Disclosure

from .conftest import FIXTURES, ROOT


def seed(name: str = "seed-moc-mds-2020-03.json") -> dict[str, Any]:
    """Return a seed fixture pack as a mutable document."""
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return deepcopy(document)


def minimal() -> dict[str, Any]:
    """Return the smallest valid pack: a statement and a scope, nothing else."""
    return {
        "statement": {
            "capability": "FOC-TEST",
            "cohort": "A test cohort",
            "submitted_by": "DCC",
            "date": "2021-05-04",
        },
        "scope": {
            "dmcs": [
                {
                    "id": "DMC-1",
                    "name": "Test DMC",
                    "installation_type": "active",
                    "provenance": {"source": "test", "date": "2021-05-01"},
                }
            ]
        },
    }


def write(tmp_path: Path, document: dict[str, Any], name: str = "pack.json") -> Path:
    """Write a pack document to a file and return its path."""
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def run_lsc(*args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the lsc command line as a user would; with ``data_dir``, on the SQLite store kept there."""
    env = dict(os.environ)
    if data_dir is not None:
        env["LSC_DATA_DIR"] = str(data_dir)
        env.pop("LSC_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "lsc_engine", *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )


@dataclass(frozen=True)
class Submitted:
    """A stored submission as a decision's snapshot reads it, without a database."""

    id: str
    capability: str
    cohort: str
    version: int
    statement_date: date
    received_at: datetime


def left_unfilled(workbook: bytes, *lists: str) -> bytes:
    """Blank the pack sheet's word on lists, as in a template whose sheets of them were never filled in."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(workbook))
    for row in book["pack"].iter_rows(min_row=2):
        if row[0].value in lists:
            row[1].value = None
    saved = io.BytesIO()
    book.save(saved)
    return saved.getvalue()


def schema_numbers(node: Any, path: str = "#") -> list[tuple[str, dict[str, Any]]]:
    """List every schema node that admits a JSON number (not an integer), with where it is."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") == "number":
            found.append((path, node))
        for key, value in node.items():
            found += schema_numbers(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += schema_numbers(value, f"{path}/{index}")
    return found


def condition_state(**fields: Any) -> ConditionState:
    """Return an open condition as the store reads it back: SSC's, on LSC10.4, before migration; ``fields`` replace."""
    given: dict[str, Any] = {
        "id": "c1",
        "capability": "MOC-MDS",
        "key": "k",
        "kind": ConditionKind.PREREQUISITE_MIGRATION,
        "owner": Group.SSC,
        "criteria": ["LSC10.4"],
        "text": "t",
        "due": "before migration starts",
        "due_date": None,
        "source": "panel",
        "created_at": datetime(2020, 3, 9, tzinfo=UTC),
        "status": Status.OPEN,
        "pause": None,
        "reports": [],
        "next_report_due": None,
        "report_overdue": False,
        "overdue": False,
        "history": [],
    }
    return ConditionState(**(given | fields))


@contextmanager
def statements_sent(database: Engine) -> Iterator[list[str]]:
    """Collect the SQL statements sent to a database while the block runs."""
    sent: list[str] = []

    def statement(_conn: object, _cursor: object, text: str, *_args: object) -> None:
        sent.append(text)

    event.listen(database, "before_cursor_execute", statement)
    try:
        yield sent
    finally:
        event.remove(database, "before_cursor_execute", statement)


def disclosures(client: TestClient) -> list[Disclosure]:
    """Return every disclosure recorded in the database of the application a test client drives."""
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    engine = make_engine(settings)
    try:
        with session_scope(engine) as session:
            return list(session.exec(select(Disclosure)))
    finally:
        engine.dispose()
