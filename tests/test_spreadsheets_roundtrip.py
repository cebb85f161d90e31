"""Pack to workbook (or CSV files) and back gives the same pack: every fixture, drawn packs and the edge cases."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from openpyxl import load_workbook

from lsc_engine.core.digest import input_digest
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.loading import parse_pack, read_pack
from lsc_engine.errors import InvalidPack
from lsc_engine.spreadsheets import export, layout, read_upload
from lsc_engine.spreadsheets.layout import GUIDE_SHEET, PACK_SHEET

from .conftest import FIXTURES
from .strategies import packs

PACKS = sorted(p for p in FIXTURES.iterdir() if p.suffix in {".json", ".yaml"})
SECURE = FIXTURES / "seed-moc-secure-2020-08.json"

#: The sections of a pack that may be absent, and so may also be present with nothing in them.
OPTIONAL_SECTIONS = sorted(name for name, nullable in layout().sections.items() if nullable)

#: Texts a cell would otherwise read as empty or as something else: each must come back as itself.
AWKWARD_TEXTS = ["", " ", "\n", "  \t", '""', '"', '"" x', '""""', "=1+1", " leading", "trailing ", "a\nb"]


def as_csv_zip(workbook: bytes, folder: str = "") -> bytes:
    """Write every sheet of a workbook but its guide as a CSV file of one zip (in ``folder``), as a person would."""
    book = load_workbook(io.BytesIO(workbook), read_only=True)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as files:
        for title in book.sheetnames:
            if title == GUIDE_SHEET:
                continue
            text = io.StringIO()
            writer = csv.writer(text)
            for values in book[title].iter_rows(values_only=True):
                writer.writerow(["" if value is None else _csv_text(value) for value in values])
            files.writestr(f"{folder}{title}.csv", text.getvalue())
    return archive.getvalue()


def _csv_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    return str(value)


def through(pack: EvidencePack, form: str) -> EvidencePack:
    """Export a pack to a workbook and build it back, straight or by way of a zip of CSV files."""
    workbook = export(pack)
    return read_upload(workbook if form == "workbook" else as_csv_zip(workbook), f"pack.{form}").pack


def changed(document: dict[str, Any], edit: dict[str, Any]) -> EvidencePack:
    return parse_pack(json.dumps(document | edit).encode())


@pytest.mark.parametrize("form", ["workbook", "zip"])
@pytest.mark.parametrize("path", PACKS, ids=[p.name for p in PACKS])
def test_every_fixture_comes_back_with_the_same_digest(path: Path, form: str) -> None:
    pack = read_pack(path)
    again = through(pack, form)
    assert input_digest(again) == input_digest(pack)
    assert again == pack


@pytest.mark.parametrize("form", ["workbook", "zip"])
@pytest.mark.parametrize("text", AWKWARD_TEXTS, ids=repr)
def test_a_text_that_looks_blank_or_quoted_comes_back_as_itself(text: str, form: str) -> None:
    document = json.loads(SECURE.read_text())
    document["milestones"]["events"][0]["note"] = text  # a note may be empty: the model says so
    document["statement"]["summary"] = text  # on the pack sheet, column B
    pack = changed(document, {})
    again = through(pack, form)
    assert again.milestones is not None
    assert again.milestones.events[0].note == text
    assert again.statement.summary == text
    assert input_digest(again) == input_digest(pack)


@pytest.mark.parametrize("form", ["workbook", "zip"])
@pytest.mark.parametrize("section", OPTIONAL_SECTIONS)
def test_an_empty_section_stays_in_the_pack_and_a_missing_one_stays_out(section: str, form: str) -> None:
    document = json.loads(SECURE.read_text())
    empty = changed(document, {section: {}})
    again = through(empty, form)
    assert getattr(again, section) is not None
    assert input_digest(again) == input_digest(empty)
    document.pop(section, None)
    missing = changed(document, {})
    assert getattr(through(missing, form), section) is None


def test_an_empty_section_is_said_on_the_pack_sheet_and_false_leaves_one_out() -> None:
    document = json.loads(SECURE.read_text())
    book = load_workbook(io.BytesIO(export(changed(document, {"security": {}}))))
    rows = {row[0].value: row[1] for row in book[PACK_SHEET].iter_rows(min_row=2)}
    assert rows["security"].value is True
    assert "an empty section, which differs from a missing one" in str(
        book[PACK_SHEET].cell(rows["security"].row, 3).value
    )
    # FALSE leaves a section out even with its (empty) sheets still in the workbook, as the template has them.
    rows["testing"].value = False
    for title in ("testing.phases", "testing.defects", "testing.issues"):
        sheet = book[title]
        sheet.delete_rows(2, sheet.max_row)
    out = io.BytesIO()
    book.save(out)
    assert read_upload(out.getvalue(), "pack.xlsx").pack.testing is None


def test_false_with_a_section_filled_in_names_the_row_that_says_so() -> None:
    book = load_workbook(io.BytesIO(export(read_pack(SECURE))))
    rows = {row[0].value: row[1] for row in book[PACK_SHEET].iter_rows(min_row=2)}
    rows["testing"].value = False
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(InvalidPack) as caught:
        read_upload(out.getvalue(), "pack.xlsx")
    where = f"pack.xlsx, pack sheet, row {rows['testing'].row}, column B (testing)"
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (where, "testing is FALSE (left out), yet some of its fields or sheets are filled in")
    ]


def _without_carriage_returns(value: Any) -> Any:
    """Turn carriage returns into spaces: a workbook's XML reads a carriage return back as a line break."""
    if isinstance(value, str):
        return value.replace("\r", " ")
    if isinstance(value, dict):
        return {key: _without_carriage_returns(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_without_carriage_returns(inner) for inner in value]
    return value


@settings(max_examples=40, deadline=None)
@given(packs())
def test_any_valid_pack_comes_back_from_its_workbook_with_the_same_digest(drawn: tuple[dict[str, Any], date]) -> None:
    document, _as_at = drawn
    pack = parse_pack(json.dumps(_without_carriage_returns(document)).encode())
    again = read_upload(export(pack), "drawn.xlsx").pack
    assert input_digest(again) == input_digest(pack)
