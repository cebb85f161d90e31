"""The files a pack is built from: a workbook's sheets, or CSV files in a folder or a zip, read row by row."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO, Any

from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from lsc_engine.errors import InvalidPack
from lsc_engine.spreadsheets.archive import at_most, open_archive, refused
from lsc_engine.spreadsheets.cells import Uncalculated

#: The largest file read, workbook, zip or CSV: a workbook of 100,000 incidents is about 5 MiB.
MAX_FILE_BYTES = 256 << 20

#: The most rows read from one sheet or CSV file (a spreadsheet holds at most 1,048,576).
MAX_ROWS = 1_048_576

Row = tuple[int, Sequence[object]]


@dataclass(frozen=True)
class Sheet:
    """One table of rows: a workbook's sheet or a CSV file; ``rows`` yields (row number, values) each time."""

    file: str
    name: str
    rows: Callable[[], Iterator[Row]]
    #: Whether it is a workbook's sheet (a mapping then matches its sheet name as well as the file's).
    in_workbook: bool = False


#: The text encoding of a CSV file, given its name (a mapping may say; UTF-8 otherwise).
Encoding = Callable[[str], str]


@contextmanager
def open_sheets(data: bytes, name: str, encoding: Encoding, max_expanded: int | None = None) -> Iterator[list[Sheet]]:
    """Open uploaded bytes (a workbook, a zip of CSV files, or one CSV file) as sheets, of at most ``max_expanded``."""
    if not data.startswith(b"PK"):
        if max_expanded is not None and len(data) > max_expanded:
            raise refused(name, f"the file is {len(data)} bytes; {at_most(max_expanded)}")
        yield [_csv_sheet(name, lambda: io.BytesIO(data), encoding)]
        return
    archive = open_archive(data, name, max_expanded)
    with archive:
        if "xl/workbook.xml" in archive.namelist():
            with _workbook(data, name) as sheets:
                yield sheets
            return
        members = [
            member
            for member in archive.infolist()
            if not member.is_dir()
            and member.filename.lower().endswith(".csv")
            and not any(part.startswith((".", "__")) for part in PurePosixPath(member.filename).parts)
        ]
        if not members:
            raise refused(name, "the zip holds neither a workbook nor any .csv file")
        yield [
            _csv_sheet(PurePosixPath(member.filename).name, partial(archive.open, member), encoding, within=name)
            for member in members
        ]


@contextmanager
def open_path(path: Path, encoding: Encoding) -> Iterator[list[Sheet]]:
    """Open a workbook, a zip of CSV files, a CSV file or a folder of CSV files as sheets."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and not p.name.startswith("."))
        if not files:
            raise refused(str(path), "the folder holds no .csv file")
        for file in files:
            _bounded_size(file)
        yield [_csv_sheet(file.name, partial(_open_binary, file), encoding) for file in files]
        return
    _bounded_size(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise refused(str(path), error.strerror or str(error)) from None
    with open_sheets(data, path.name, encoding) as sheets:
        yield sheets


def _bounded_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise refused(str(path), error.strerror or str(error)) from None
    if size > MAX_FILE_BYTES:
        raise refused(str(path), f"the file is {size} bytes; at most {MAX_FILE_BYTES >> 20} MiB are read")


def _csv_sheet(file: str, opener: Callable[[], IO[bytes]], encoding: Encoding, within: str | None = None) -> Sheet:
    shown = f"{within}: {file}" if within else file
    stem = PurePosixPath(file).stem

    def rows() -> Iterator[Row]:
        name = encoding(file)
        try:
            codecs.lookup(name)
        except LookupError:
            raise refused(shown, f"no text encoding {name!r}") from None
        with opener() as raw, io.TextIOWrapper(raw, encoding=name, newline="") as text:
            try:
                for number, values in enumerate(csv.reader(text), start=1):
                    if number > MAX_ROWS:
                        raise refused(shown, f"more than {MAX_ROWS} rows")
                    yield number, values
            except UnicodeDecodeError as error:
                raise refused(shown, f"not {name} text ({error.reason}); name its encoding in a mapping") from None
            except csv.Error as error:
                raise refused(shown, f"not a CSV file: {error}") from None

    return Sheet(shown, stem, rows)


@contextmanager
def _workbook(data: bytes, name: str) -> Iterator[list[Sheet]]:
    from openpyxl import load_workbook  # imported here: only a workbook needs it

    try:
        # Read-only streams each sheet's rows; data_only reads a formula's value as last saved, never evaluating it.
        book: Any = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        raise refused(name, f"not a readable workbook: {type(error).__name__}: {error}") from None
    try:
        yield [_workbook_sheet(name, book, title) for title in book.sheetnames]
    finally:
        book.close()


def _workbook_sheet(file: str, book: Any, title: str) -> Sheet:
    def rows() -> Iterator[Row]:
        sheet = book[title]
        if not hasattr(sheet, "iter_rows"):  # a chart sheet
            return
        try:
            # The sheet's own XML, read as openpyxl's read-only rows are, but keeping what data_only loses: that a
            # cell holds a formula nobody calculated. Its stated size is not read: it may be wrong or hostile.
            with book._archive.open(sheet._worksheet_path) as source:
                parser = _FormulaAwareParser(
                    source,
                    sheet._shared_strings,
                    data_only=True,
                    epoch=book.epoch,
                    date_formats=book._date_formats,
                    timedelta_formats=book._timedelta_formats,
                )
                for count, (number, cells) in enumerate(parser.parse(), start=1):
                    if count > MAX_ROWS or number > MAX_ROWS:
                        raise refused(file, f"the {title} sheet has more than {MAX_ROWS} rows")
                    values: list[object] = [None] * max((cell["column"] for cell in cells), default=0)
                    for cell in cells:
                        values[cell["column"] - 1] = cell["value"]
                    yield number, values
        except InvalidPack:
            raise
        except Exception as error:  # noqa: BLE001 - a damaged sheet: say which
            raise refused(file, f"the {title} sheet cannot be read: {type(error).__name__}: {error}") from None

    return Sheet(file, title, rows, in_workbook=True)


class _FormulaAwareParser(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's sheet parser, marking a formula cell that holds no value instead of reading it as empty."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        """Read one cell; a formula saved without its value becomes ``Uncalculated``, never calculated here."""
        cell: dict[str, Any] = super().parse_cell(element)
        if cell["value"] is None:
            formula = element.find(FORMULA_TAG)
            if formula is not None:
                cell["value"] = Uncalculated("=" + (formula.text or ""))
        return cell


def _open_binary(path: Path) -> IO[bytes]:
    return path.open("rb")
