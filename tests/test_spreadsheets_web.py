"""The web self-check on a workbook: errors by sheet, row and column, and findings that name their rows."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lsc_engine.core.loading import read_pack
from lsc_engine.settings import Settings
from lsc_engine.spreadsheets import export
from lsc_engine.store import migrate

from .auth import ActingClient, acting_client
from .conftest import FIXTURES

pytestmark = pytest.mark.api

SECURE = FIXTURES / "seed-moc-secure-2020-08.json"


@pytest.fixture
def pages(tmp_path: Path) -> Iterator[ActingClient]:
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    with acting_client(settings) as client:
        yield client


def test_a_workbook_is_checked_and_each_finding_names_the_row_behind_it(pages: ActingClient) -> None:
    workbook = export(read_pack(SECURE))
    page = pages.post("/self-check", files={"pack": ("secure.xlsx", workbook)})
    assert page.status_code == 200
    assert "Not ready" in page.text or "NOT READY" in page.text.upper()
    assert "read from secure.xlsx, sheet incidents, row " in page.text


def test_a_bad_workbook_lists_every_cell_at_fault(pages: ActingClient) -> None:
    book = load_workbook(io.BytesIO(export(read_pack(SECURE))))
    book["incidents"]["E3"] = "severe"
    book["scope.dmcs"]["F2"] = "sleeping"
    out = io.BytesIO()
    book.save(out)
    page = pages.post("/self-check", files={"pack": ("secure.xlsx", out.getvalue())})
    assert page.status_code == 422
    assert "secure.xlsx, sheet incidents, row 3, column E (category)" in page.text
    assert "secure.xlsx, sheet scope.dmcs, row 2, column F (installation_type)" in page.text
    assert "&#39;sleeping&#39; is not one of: active, dormant, mixed" in page.text
