"""The conditions register as files to take away: CSV and an Excel workbook, one row per condition.

Every text goes into a cell as text. A spreadsheet reads a CSV cell starting with ``=``, ``+``, ``-``, ``@``
(or a tab or carriage return) as a formula, so such a cell is written with an apostrophe before it; in the
workbook every text cell is typed as a string, which no spreadsheet evaluates.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from enum import StrEnum

from lsc_engine.committee.register import STATUS_WORDS, Entry, Register, criterion_words
from lsc_engine.core.words import KIND_LABELS

#: The columns of every export, in order.
COLUMNS = (
    "Capability",
    "No.",
    "Kind",
    "Owner",
    "Criteria",
    "Condition",
    "Due",
    "Due date",
    "Status",
    "Overdue",
    "Report overdue",
    "Raised on",
    "Came from",
    "Also attached to",
    "In the letter",
)
#: What makes a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | date | None


class RegisterFormat(StrEnum):
    """The files the register can be taken away as."""

    CSV = "csv"
    XLSX = "xlsx"


MEDIA = {
    RegisterFormat.CSV: "text/csv; charset=utf-8",
    RegisterFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def row(entry: Entry) -> list[Cell]:
    """Return one condition's cells, in the order of ``COLUMNS``."""
    condition = entry.condition
    return [
        entry.capability,
        entry.number,
        entry.kind_words,
        condition.owner.value,
        ", ".join(criterion_words(c) for c in condition.criteria),
        condition.text,
        condition.due,
        condition.due_date,
        entry.status_words,
        _yes(condition.overdue),
        _yes(condition.report_overdue),
        entry.first_raised,
        entry.came_from,
        "; ".join(member.words() for member in entry.alongside),
        entry.letter_words,
    ]


def neutralised(value: str) -> str:
    """Return text a spreadsheet will not take for a formula: an apostrophe before a formula's first character."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.isoformat()
    return neutralised(str(cell)) if isinstance(cell, str) else str(cell)


def as_csv(register: Register) -> bytes:
    """Write the register as CSV (UTF-8 with a byte-order mark, which spreadsheets need to read it as UTF-8)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in register.entries:
        writer.writerow([_text(cell) for cell in row(entry)])
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(register: Register) -> bytes:
    """Write the register as an Excel workbook: the conditions on one sheet, what it shows on another."""
    from openpyxl import Workbook  # imported here: only an export needs it
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Conditions"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, entry in enumerate(register.entries, start=2):
        for column, value in enumerate(row(entry), start=1):
            cell = sheet.cell(row=number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(1, len(register.entries) + 1)}"
    widths = {"Condition": 60, "Came from": 40, "Due": 24, "Kind": 28, "Also attached to": 30, "In the letter": 30}
    for column, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = widths.get(name, 14)
    about = book.create_sheet("About")
    for line in about_lines(register):
        about.append([line])
        about.cell(row=about.max_row, column=1).data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def about_lines(register: Register) -> list[str]:
    """Say what an export holds: the day it speaks for and the filters it was taken with."""
    shown = filter_words(register)
    return [
        f"Conditions register as on {register.as_on.isoformat()}",
        f"Showing: {shown}",
        "Numbers are each capability's own, in the order the Panel's letters number its conditions.",
        "Confidential text is withheld, and says so, for readers outside its owner group and the Panel.",
    ]


def filter_words(register: Register) -> str:
    """Say in words which conditions the filters show."""
    filters = register.filters
    parts = []
    if filters.capability:
        parts.append(f"capability {filters.capability}")
    if filters.owner:
        parts.append(f"owned by {filters.owner.value}")
    if filters.kind:
        parts.append(f"kind: {KIND_LABELS[filters.kind.value].lower()}")
    if filters.status:
        parts.append(f"status: {STATUS_WORDS[filters.status].lower()}")
    if filters.open_only:
        parts.append("still open only")
    return ", ".join(parts) if parts else "every condition"


def render(register: Register, form: RegisterFormat) -> bytes:
    """Write the register in a given format."""
    return as_csv(register) if form is RegisterFormat.CSV else as_xlsx(register)
