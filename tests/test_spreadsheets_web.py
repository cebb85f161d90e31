"""The web self-check on a workbook: errors by sheet, row and column, and findings that name their rows."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from api.web import self_check
from lsc_engine.core.loading import read_pack
from lsc_engine.spreadsheets import export

from .auth import ActingClient
from .conftest import FIXTURES
from .helpers import left_unfilled

pytestmark = pytest.mark.api

SECURE = FIXTURES / "seed-moc-secure-2020-08.json"
MDS = FIXTURES / "seed-moc-mds-2020-03.json"
EXPORT = FIXTURES / "imports" / "incident-export" / "incidents-export-2020-08-07.csv"

_ITEM = re.compile(r'<li data-evidence="([^"]*)" data-path="([^"]*)">(.*?)</li>', re.S)
_NAMED_ROW = re.compile(r"read from (?P<file>[^,]+), (?P<sheet>\S+) sheet, row (?P<row>\d+)\)")


def evidence_items(page: str) -> dict[tuple[str, str], str]:
    """Return the text of each evidence item the findings list, by its id and its place in the pack."""
    return {
        (ident, path): html.unescape(re.sub(r"<[^>]+>", "", body)).strip() for ident, path, body in _ITEM.findall(page)
    }


@pytest.mark.parametrize("fixture", [SECURE, MDS], ids=["secure", "mds"])
def test_every_finding_names_the_sheet_and_row_that_holds_its_evidence(pages: ActingClient, fixture: Path) -> None:
    workbook = export(read_pack(fixture))
    page = pages.post("/self-check", files={"pack": ("readiness.xlsx", workbook)})
    assert page.status_code == 200
    items = evidence_items(page.text)
    assert len(items) > 10
    book = load_workbook(io.BytesIO(workbook), read_only=True)
    for (ident, path), text in items.items():
        named = _NAMED_ROW.search(text)
        assert named, f"{ident} names no row: {text}"
        assert named["file"] == "readiness.xlsx"
        assert path not in text  # people read the sheet and row; the item's place in the pack is for machines
        row = next(
            book[named["sheet"]].iter_rows(min_row=int(named["row"]), max_row=int(named["row"]), values_only=True)
        )
        assert ident in row, f"{ident} is said to be on {named['sheet']} row {named['row']}, which holds {row}"
    single = [text for (_ident, path), text in items.items() if "." in path and "[" not in path]
    assert single, "the single items of the pack sheet (operations.acceptance and the like) are among the evidence"
    assert all(", pack sheet, row " in text for text in single)


def test_a_zip_of_csv_files_names_the_file_and_row_behind_each_finding(pages: ActingClient) -> None:
    book = load_workbook(io.BytesIO(export(read_pack(SECURE))), read_only=True)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        for sheet in book.worksheets[1:]:  # every sheet but the guide, a CSV file each
            text = io.StringIO()
            rows = (
                ["" if value is None else str(value) for value in values]
                for values in sheet.iter_rows(values_only=True)
            )
            csv.writer(text).writerows(rows)
            out.writestr(f"{sheet.title}.csv", text.getvalue())
    page = pages.post("/self-check", files={"pack": ("secure.zip", archive.getvalue())})
    assert page.status_code == 200, page.text
    incidents = [text for (_ident, path), text in evidence_items(page.text).items() if path.startswith("incidents[")]
    assert incidents
    assert all(re.search(r"read from secure\.zip: incidents\.csv, row \d+\)", text) for text in incidents)


def test_a_workbook_with_sheets_left_unfilled_says_they_read_as_not_reported(pages: ActingClient) -> None:
    workbook = left_unfilled(export(read_pack(SECURE).model_copy(update={"consumer_risks": []})), "consumer_risks")
    page = pages.post("/self-check", files={"pack": ("secure.xlsx", workbook)})
    assert page.status_code == 200
    note = re.search(r'<p class="card note" id="empty-sheets">(.*?)</p>', page.text)
    assert note, "the page says which sheets read as not reported"
    assert html.unescape(note[1]).startswith("The consumer_risks sheet has no rows, so it is read as not reported;")
    assert "risks to consumers" in page.text.lower()
    plain = pages.post("/self-check", files={"pack": ("secure.xlsx", export(read_pack(SECURE)))})
    assert 'id="empty-sheets"' not in plain.text


def test_a_bad_workbook_lists_every_cell_at_fault(pages: ActingClient) -> None:
    book = load_workbook(io.BytesIO(export(read_pack(SECURE))))
    book["incidents"]["E3"] = "severe"
    book["scope.dmcs"]["F2"] = "sleeping"
    out = io.BytesIO()
    book.save(out)
    page = pages.post("/self-check", files={"pack": ("secure.xlsx", out.getvalue())})
    assert page.status_code == 422
    assert "secure.xlsx, incidents sheet, row 3, column E (category)" in page.text
    assert "secure.xlsx, scope.dmcs sheet, row 2, column F (installation_type)" in page.text
    assert "&#39;sleeping&#39; is not one of: active, dormant, mixed" in page.text


@pytest.mark.parametrize("form", ["workbook", "csv"])
def test_an_upload_expanding_past_the_page_bound_is_refused_before_it_is_read(
    pages: ActingClient, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    if form == "csv":
        name, upload = "incidents.csv", EXPORT.read_bytes()  # a service desk's export of 2 KiB
    else:
        name, upload = "secure.xlsx", export(read_pack(SECURE))
    monkeypatch.setattr(self_check, "UPLOAD_EXPANDED_BYTES", 1 << 10)  # what a page reads; `lsc pack build` reads more
    page = pages.post("/self-check", files={"pack": (name, upload)})
    assert page.status_code == 422
    assert "at most 0.000976562 MiB are read" in html.unescape(page.text)
    assert ("the archive expands to" if form == "workbook" else f"the file is {len(upload)} bytes") in page.text
