"""Writing a pack into the workbook template, or the template empty: both laid out from the pack's schema."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from lsc_engine.core.evidence import EvidencePack
from lsc_engine.spreadsheets.cells import quoted
from lsc_engine.spreadsheets.layout import (
    GUIDE_SHEET,
    PACK_HEADER,
    PACK_SHEET,
    PARENT_COLUMN,
    Column,
    Kind,
    Layout,
    Table,
    layout,
)

#: How date and time cells are shown.
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"

#: The rows a template's drop-downs and formats cover (a spreadsheet's last row).
LAST_ROW = 1_048_576

GUIDE = (
    "How to fill in this workbook",
    "",
    "Each sheet is one part of the evidence pack. The 'pack' sheet holds the statement of readiness and single "
    "items, one field a row: write each value in column B. Every other sheet is a list: one item a row, under a "
    "header row of field names. Hover over a header for what the field means, its unit and the values it allows.",
    "Dates are written YYYY-MM-DD, and dates with times YYYY-MM-DD HH:MM in UTC. A list of values in one cell "
    "(such as DMC ids) is written one value a line. An empty cell is no value; to give an empty text (a note "
    'that says nothing), write two double quotes: "".',
    "A list whose sheet has no rows is read as not reported, and the rules treat it as missing evidence. Where "
    "there is none (no incidents, no risks to consumers), write TRUE beside the list's name on the pack sheet: "
    "an empty list and a list not reported are read differently. A section (testing, security...) also has a "
    "row of its own on the pack sheet: FALSE leaves the whole section out, TRUE keeps it even when empty.",
    "Sheets whose names start with a section (testing., security.) are left out of the pack, with that "
    "section, when deleted. A sheet such as go_live_criteria.dissent lists items inside another sheet's rows: "
    "its belongs_to column gives the id of that row.",
    "Formulas are read as the values they last showed when the workbook was saved; they are never calculated.",
    "Build the pack with: lsc pack build this-workbook.xlsx -o pack.json",
)


def template() -> bytes:
    """Write the empty workbook template."""
    return _write(None)


def export(pack: EvidencePack) -> bytes:
    """Write a pack into the workbook template; building the workbook gives the same pack."""
    return _write(pack)


def _write(pack: EvidencePack | None) -> bytes:
    from openpyxl import Workbook  # imported here: only the workbook commands need it

    plan = layout()
    book = Workbook(write_only=True)
    guide = book.create_sheet(GUIDE_SHEET)
    guide.column_dimensions["A"].width = 120
    for line in GUIDE:
        guide.append([line])
    document = pack.model_dump(mode="json") if pack is not None else None
    _pack_sheet(book, plan, document)
    for table in plan.tables:
        rows = _records(table, document) if document is not None else iter(())
        if document is not None and not _present(table, document):
            continue
        _table_sheet(book, table, rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _present(table: Table, document: Mapping[str, Any]) -> bool:
    """Say whether a pack holds a table's list at all (absent, for a list that may be, means not reported)."""
    if table.parent is not None:
        return any(record.get(table.path[-1]) for record in _lookup(document, table.parent.path) or [])
    return _lookup(document, table.path) is not None


def _lookup(document: Mapping[str, Any], path: Sequence[str]) -> Any:
    value: Any = document
    for name in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _records(table: Table, document: Mapping[str, Any]) -> Iterator[list[Any]]:
    if table.parent is None:
        for record in _lookup(document, table.path) or []:
            yield [_value(_lookup(record, column.path), column) for column in table.columns]
        return
    for owner in _lookup(document, table.parent.path) or []:
        for record in owner.get(table.path[-1]) or []:
            values = {PARENT_COLUMN: owner["id"], **record}
            yield [_value(_lookup(values, column.path), column) for column in table.columns]


def _value(value: Any, column: Column) -> Any:
    """Turn a JSON value into what its cell holds; text stays text and is never a formula."""
    if value is None:
        return None
    if column.many:
        return "\n".join(str(part) for part in value)
    if column.kind is Kind.DATE:
        return date.fromisoformat(value)
    if column.kind is Kind.NUMBER and isinstance(value, float) and float(f"{value:.16g}") != value:
        return repr(value)  # a workbook is written with 16 digits: one that needs 17 stays exact as text
    if column.kind is Kind.TEXT and isinstance(value, str):
        return quoted(value)  # an empty text would read back as an empty cell, which means none
    if column.kind is Kind.TIMESTAMP:
        moment = datetime.fromisoformat(value)
        if moment.microsecond:  # a spreadsheet keeps milliseconds at best: write the exact time as text
            return value
        return moment.replace(tzinfo=None)  # the pack holds times in UTC, as the template says
    return value


def _pack_sheet(book: Any, plan: Layout, document: Mapping[str, Any] | None) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet = book.create_sheet(PACK_SHEET)
    for letter, width in zip("ABC", (44, 40, 100), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append([_bold(sheet, title) for title in PACK_HEADER])
    for number, key in enumerate(plan.keys, start=2):
        if key.section:  # a section the pack has is said to be there, so that an empty one is kept
            value = True if document is not None and _lookup(document, key.path) is not None else None
        elif key.listing:  # a list the pack holds empty says there is none; a sheet without rows would not
            value = True if document is not None and _lookup(document, key.path) == [] else None
        else:
            value = _value(_lookup(document, key.path), key) if document is not None else None
        sheet.append([key.header, _cell(sheet, value, key), key.about()])
        if key.choices or key.kind is Kind.BOOLEAN:
            check = DataValidation(type="list", formula1=_choices(key), allow_blank=True)
            check.add(f"B{number}")
            sheet.data_validations.append(check)


def _table_sheet(book: Any, table: Table, rows: Iterator[list[Any]]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet = book.create_sheet(table.sheet)
    header = []
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.header) + 4))
        cell = _bold(sheet, column.header)
        cell.comment = Comment(column.about(), "lsc-engine", width=320, height=140)
        header.append(cell)
        if column.choices or column.kind is Kind.BOOLEAN:
            check = DataValidation(type="list", formula1=_choices(column), allow_blank=True)
            check.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.data_validations.append(check)
    sheet.freeze_panes = "A2"
    sheet.append(header)
    for values in rows:
        sheet.append([_cell(sheet, value, column) for value, column in zip(values, table.columns, strict=True)])


def _choices(column: Column) -> str:
    return '"' + ",".join(column.choices or ("TRUE", "FALSE")) + '"'


def _bold(sheet: Any, text: str) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    return cell


def _cell(sheet: Any, value: Any, column: Column) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text that starts with "=" stays text: a value, never a formula
    if column.kind is Kind.DATE:
        cell.number_format = DATE_FORMAT
    elif column.kind is Kind.TIMESTAMP:
        cell.number_format = TIME_FORMAT
    elif column.kind is Kind.TEXT and not column.many:
        cell.number_format = "@"  # text: a spreadsheet does not turn 2020-03 or 0012 into a date or number
    return cell
