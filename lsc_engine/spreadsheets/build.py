"""Building an evidence pack from sheets, every problem named by its file, sheet, row, column and field."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from lsc_engine.core.evidence import EvidencePack, iter_items
from lsc_engine.core.loading import parse_pack
from lsc_engine.errors import MOST_PROBLEMS_LISTED, InvalidPack, Problem
from lsc_engine.spreadsheets.cells import PLAIN, CellError, JsonValue, Reading, read_cell
from lsc_engine.spreadsheets.layout import GUIDE_SHEET, PACK_SHEET, PARENT_COLUMN, Column, Table, layout
from lsc_engine.spreadsheets.location import Location, rows_words
from lsc_engine.spreadsheets.mapping import Mapping as SourceMapping
from lsc_engine.spreadsheets.mapping import Source
from lsc_engine.spreadsheets.sources import Sheet


@dataclass(frozen=True)
class Imported:
    """A pack built from sheets, with the row each evidence item was read from, by the item's JSON path.

    Where an item was read from is kept beside the pack, not in it: the input digest speaks for the
    evidence, so the same evidence gives the same digest whatever the file was called or the row it sat on.
    """

    pack: EvidencePack
    rows: dict[str, Location]
    #: Sheets read with no rows whose list may be absent, and was not said to be empty: each is not reported.
    empty: tuple[str, ...] = ()

    def empty_note(self) -> str | None:
        """Say which sheets without rows read as not reported, so that one meant to say "none" can say so."""
        if not self.empty:
            return None
        names = ", ".join(self.empty[:-1]) + (" and " if len(self.empty) > 1 else "") + self.empty[-1]
        noun, verb = ("sheet", "has") if len(self.empty) == 1 else ("sheets", "have")
        return (
            f"The {names} {noun} {verb} no rows, so {'it is' if len(self.empty) == 1 else 'they are'} read as not "
            "reported; where there are none, write TRUE beside the list's name on the pack sheet."
        )

    def by_id(self) -> dict[str, Location]:
        """Index where each evidence item was read by the item's own id, as findings name their evidence."""
        return {item.id: self.rows[path] for path, item in iter_items(self.pack) if path in self.rows}


@dataclass
class _Read:
    """What one table's sheets gave: the records, and where each came from.

    A table's records are kept as objects only where rows of another table are put into them, or they are
    such rows (a criterion and its dissent); every other record is kept as its compact JSON, written as its
    row is read. A record as JSON takes about a quarter of the memory of the dictionary it was made from, and
    the pack is validated from JSON anyway, so 100,000 incident rows never stand in memory as dictionaries.
    """

    #: Whether records stay objects (a nested list's rows, or the rows those belong to).
    objects: bool
    records: list[dict[str, Any]] = field(default_factory=list)
    encoded: list[bytes] = field(default_factory=list)
    where: list[Location] = field(default_factory=list)
    #: For a nested list: the id of the record each row belongs to.
    parents: list[tuple[str, Location]] = field(default_factory=list)

    def add(self, record: dict[str, Any], where: Location) -> None:
        """Keep one row's record and where it was read."""
        if self.objects:
            self.records.append(record)
        else:
            self.encoded.append(json.dumps(record, separators=(",", ":")).encode())
        self.where.append(where)


@dataclass(frozen=True)
class _Placeholder:
    """Where a table's records go in the pack's JSON, until they are put there."""

    sheet: str


class _Builder:
    def __init__(self, source: str, mapping: SourceMapping | None) -> None:
        self.source = source
        self.mapping = mapping
        self.layout = layout()
        self.problems: list[tuple[Location, str]] = []
        #: Cells that could not be read (file, sheet, row, field): the validation's "missing" for them is not repeated.
        self.failed: set[tuple[str, str, int | None, str]] = set()
        self.letters: dict[tuple[str, str], dict[str, str]] = {}
        self.missing: set[tuple[str, str]] = set()
        self.tables: dict[str, _Read] = {}
        self.doc: dict[str, Any] = {}
        self.keys: dict[str, Location] = {}
        #: What the pack sheet says of each section that may be absent: in the pack, left out, or not said.
        self.sections: dict[str, bool | None] = {}
        #: What the pack sheet says of each list that may be absent: none (TRUE), not reported (FALSE), or not said.
        self.lists: dict[str, bool | None] = {}
        #: The sheets of such lists that had no rows and were not said to be empty: not reported.
        self.unreported: list[str] = []
        self.pack_file = source

    def problem(self, where: Location, message: str) -> None:
        self.problems.append((where, message))

    def read(self, sheet: Sheet) -> None:
        in_workbook = sheet.name if sheet.in_workbook else None
        source = self.mapping.source_for(sheet.file, in_workbook) if self.mapping else None
        if source is None and sheet.name == GUIDE_SHEET:
            return
        if source is None and sheet.name == PACK_SHEET:
            self.pack_sheet(sheet)
            return
        table = self.layout.table(source.table if source else sheet.name)
        if table is None:
            known = ", ".join([PACK_SHEET, *(t.sheet for t in self.layout.tables)])
            self.problem(Location(sheet.file, sheet.name), f"not a sheet of the template; its sheets are: {known}")
            return
        self.table_sheet(sheet, table, source)

    def table_sheet(self, sheet: Sheet, table: Table, source: Source | None) -> None:
        read = self.tables.setdefault(table.sheet, _Read(objects=bool(table.children) or table.parent is not None))
        reading = source.reading() if source else PLAIN
        renamed = source.field_of() if source else {}
        rows = sheet.rows()
        header = next(rows, None)
        columns: list[tuple[int, Column]] = []
        named: set[str] = set()
        letters = self.letters.setdefault((sheet.file, sheet.name), {})
        if header is not None:
            number, values = header
            for index, value in enumerate(values):
                title = str(value).strip() if value is not None else ""
                letter = get_column_letter(index + 1)
                if not title:
                    continue
                name = renamed.get(title, title if source is None else "")
                column = table.column(name) if name else None
                where = Location(sheet.file, sheet.name, number, letter, title)
                if column is None:
                    if source is None:
                        known = ", ".join(c.header for c in table.columns)
                        self.problem(where, f"unknown column {title!r}; the columns of {table.sheet} are: {known}")
                    continue
                if name in named:
                    self.problem(where, f"a second column for {name}")
                    continue
                named.add(name)
                letters[name] = letter
                columns.append((index, column))
        fixed = source.fixed if source else {}
        for name, header_text in (source.columns if source else {}).items():
            column = table.column(name)
            if name not in named and column is not None and not column.required:  # required ones are named below
                self.problem(
                    Location(sheet.file, sheet.name, header[0] if header else 1, None, name),
                    f"the mapping reads {name} from {header_text!r}, which is missing",
                )
                self.missing.add((table.sheet, name))
        for column in table.columns:
            if column.required and column.header not in named and column.header not in fixed:
                header_row = header[0] if header else 1
                wanted = source.columns.get(column.header) if source else None
                why = f"the mapping reads it from {wanted!r}, which" if wanted else "no column"
                self.problem(
                    Location(sheet.file, sheet.name, header_row, None, column.header),
                    f"{why} is missing: {column.header} is required"
                    if wanted
                    else f"no column for {column.header}, which is required",
                )
                self.missing.add((table.sheet, column.header))
        constants = [(column, fixed[column.header]) for column in table.columns if column.header in fixed]
        self.rows(sheet, table, source, reading, rows, columns, constants, read)

    def rows(
        self,
        sheet: Sheet,
        table: Table,
        source: Source | None,
        reading: Reading,
        rows: Iterable[tuple[int, Sequence[object]]],
        columns: list[tuple[int, Column]],
        constants: Sequence[tuple[Column, object]],
        read: _Read,
    ) -> None:
        words = source.values if source else {}
        width = max((index for index, _ in columns), default=-1) + 1
        for number, values in rows:
            if not any(value is not None and value != "" for value in values):
                continue
            record: dict[str, Any] = {}
            for index, column in columns:
                raw = values[index] if index < len(values) else None
                hint = ""
                if column.header in words and raw is not None:
                    raw, hint = _word(raw, words[column.header]), _words_hint(column.header, words[column.header])
                self.cell(record, raw, column, reading, Location(sheet.file, sheet.name, number), hint)
            for column, value in constants:
                self.cell(record, value, column, reading, Location(sheet.file, sheet.name, number))
            if source is None and len(values) > width and any(v not in (None, "") for v in values[width:]):
                self.problem(Location(sheet.file, sheet.name, number), "a value in a column without a header")
            where = Location(sheet.file, sheet.name, number)
            if table.parent is not None:
                read.parents.append((str(record.pop(PARENT_COLUMN, "")), where))
            read.add(record, where)

    def cell(
        self,
        record: dict[str, Any],
        raw: object,
        column: Column,
        reading: Reading,
        row: Location,
        hint: str = "",
    ) -> None:
        try:
            value = read_cell(raw, column, reading)
        except CellError as error:
            letter = self.letters.get((row.file, row.sheet), {}).get(column.header)
            self.problem(Location(row.file, row.sheet, row.row, letter, column.header), str(error) + hint)
            self.failed.add((row.file, row.sheet, row.row, column.header))
            return
        if value is not None:
            _put(record, column.path, value)

    def pack_sheet(self, sheet: Sheet) -> None:
        self.pack_file = sheet.file
        for number, values in sheet.rows():
            name = str(values[0]).strip() if values and values[0] is not None else ""
            raw = values[1] if len(values) > 1 else None
            if number == 1 and name == "field":
                continue
            where = Location(sheet.file, sheet.name, number, "A", name or None)
            if not name:
                if raw not in (None, ""):
                    self.problem(where, "a value without a field name in column A")
                continue
            key = self.layout.key(name)
            if key is None:
                self.problem(where, f"unknown field {name!r}; column A names a field of the pack sheet")
                continue
            if name in self.keys:
                self.problem(where, f"{name} is given again (first in row {self.keys[name].row})")
                continue
            self.keys[name] = Location(sheet.file, sheet.name, number, "B", name)
            try:
                value = read_cell(raw, key, PLAIN)
            except CellError as error:
                self.problem(self.keys[name], str(error))
                self.failed.add((sheet.file, sheet.name, number, name))
                continue
            if key.section:
                self.sections[name] = value is True if value is not None else None
                if value is True:
                    self.doc.setdefault(name, {})
            elif key.listing:
                self.lists[name] = value is True if value is not None else None
            elif value is not None:
                _put(self.doc, key.path, value)

    def assemble(self) -> bytes:
        """Put every table's records into the pack and return its JSON, letting go of the records as it goes."""
        for table in self.layout.tables:
            read = self.tables.get(table.sheet)
            if table.parent is not None:
                continue
            said = self.lists.get(".".join(table.path))
            rows = read is not None and bool(read.where)
            if said is False and rows:
                self.problem(
                    self.keys[".".join(table.path)], f"{table.sheet} is FALSE (not reported), yet its sheet has rows"
                )
            if table.nullable and not rows and said is not True:
                # A sheet left without rows is not taken for a statement that there are none: that must be said.
                if read is not None:
                    self.unreported.append(table.sheet)
                continue
            if read is None:
                if said is not True:
                    continue
                read = self.tables.setdefault(table.sheet, _Read(objects=bool(table.children)))  # none, the sheet gone
            _put(self.doc, table.path, read.records if read.objects else _Placeholder(table.sheet))
        for table in self.layout.tables:
            read = self.tables.get(table.sheet)
            if table.parent is None or read is None:
                continue
            parent = self.tables.get(table.parent.sheet)
            owners = {str(record.get("id")): record for record in parent.records} if parent else {}
            for record, (owner, where) in zip(read.records, read.parents, strict=True):
                if owner not in owners:
                    letter = self.letters.get((where.file, where.sheet), {}).get(PARENT_COLUMN)
                    self.problem(
                        Location(where.file, where.sheet, where.row, letter, PARENT_COLUMN),
                        f"no {table.parent.sheet} row has id {owner!r}" if owner else "say which row this belongs to",
                    )
                    continue
                owners[owner].setdefault(table.path[-1], []).append(record)
        for name, kept in self.sections.items():
            if kept is False and name in self.doc:
                if self.filled(self.doc[name]):
                    self.problem(
                        self.keys[name], f"{name} is FALSE (left out), yet some of its fields or sheets are filled in"
                    )
                else:  # the template's empty sheets of a section left out
                    del self.doc[name]
        return self.document()

    def filled(self, value: object) -> bool:
        """Say whether part of the pack holds anything: a value, or a list or sheet with a row."""
        if isinstance(value, dict):
            return any(self.filled(inner) for inner in value.values())
        if isinstance(value, _Placeholder):
            return bool(self.tables[value.sheet].encoded)
        if isinstance(value, list):
            return bool(value)
        return value is not None

    def document(self) -> bytes:
        """Write the pack's JSON, each table kept as JSON put in where its placeholder stands."""
        # A random mark cannot be met in what people wrote, so splitting on it finds only the placeholders.
        mark = f"lsc-table-{secrets.token_hex(16)}:"

        def placeholder(value: object) -> str:
            if isinstance(value, _Placeholder):
                return mark + value.sheet + mark
            raise TypeError(f"{type(value).__name__} is not a JSON value")

        head = json.dumps(self.doc, default=placeholder).encode()
        chunks: list[bytes] = []
        # re.split with a group alternates: the JSON between placeholders, then the sheet a placeholder names.
        for index, part in enumerate(re.split(b'"' + mark.encode() + b"(.*?)" + mark.encode() + b'"', head)):
            if index % 2 == 0:
                chunks.append(part)
                continue
            read = self.tables[part.decode()]
            chunks.append(b"[")
            for number, record in enumerate(read.encoded):
                chunks.extend((b",", record) if number else (record,))
            chunks.append(b"]")
            read.encoded = []  # the chunks hold the rows now, until they are joined once into the document
        return b"".join(chunks)

    def rows_by_path(self) -> dict[str, Location]:
        rows: dict[str, Location] = {}
        for table in self.layout.tables:
            read = self.tables.get(table.sheet)
            if read is None:
                continue
            if table.parent is None:
                base = ".".join(table.path)
                for index, where in enumerate(read.where):
                    rows[f"{base}[{index}]"] = where
            else:
                parent = self.tables.get(table.parent.sheet)
                if parent is None:
                    continue
                base = ".".join(table.parent.path)
                positions = {str(r.get("id")): i for i, r in enumerate(parent.records)}
                counts: dict[str, int] = {}
                for (owner, where), _record in zip(read.parents, read.records, strict=True):
                    if owner in positions:
                        k = counts.get(owner, 0)
                        counts[owner] = k + 1
                        rows[f"{base}[{positions[owner]}].{table.path[-1]}[{k}]"] = where
        for name, where in self.keys.items():
            rows[name] = where
        return rows


_INDEX = re.compile(r"\[\d+\]")


def _locate(path: str, rows: dict[str, Location], builder: _Builder) -> tuple[Location, str]:
    """Find the cell a JSON path names (the row of the longest item path it starts with), and the field."""
    ends = [match.end() for match in _INDEX.finditer(path)]
    for end in reversed(ends):
        where = rows.get(path[:end])
        if where is not None:
            field_name = _INDEX.sub("", path[end:]).lstrip(".")
            letter = builder.letters.get((where.file, where.sheet), {}).get(field_name)
            return Location(where.file, where.sheet, where.row, letter, field_name or None), field_name
    plain = _INDEX.sub("", path)
    if plain in rows:
        return rows[plain], plain
    table = next((t for t in builder.layout.tables if ".".join(t.path) == plain), None)
    if table is not None:
        read = builder.tables.get(table.sheet)
        file = read.where[0].file if read and read.where else builder.pack_file
        return Location(file, table.sheet), ""
    return Location(builder.pack_file, PACK_SHEET, None, None, plain if plain != "$" else None), plain


#: An item's JSON path in a message of the pack's own checks ("already used at incidents[2]") ...
_ITEM_PATH = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)*\[\d+\](?:\.[a-z_]+\[\d+\])*")
#: ... or a list of them ("held back by scope.exclusions[0], scope.exclusions[1] and scope.exclusions[2]").
_ITEM_PATHS = re.compile(rf"{_ITEM_PATH.pattern}(?:(?:, | and ){_ITEM_PATH.pattern})*")
_BETWEEN_PATHS = re.compile(r", | and ")


def _rows_named(message: str, rows: Mapping[str, Location]) -> str:
    """Name the items a message points at by the rows they were read from, not by their JSON paths.

    A list of items is said as one list of rows, each file and sheet named once ("rows 2, 4 and 7").
    """

    def one(found: re.Match[str]) -> str:
        return rows[found[0]].words() if found[0] in rows else found[0]

    def named(found: re.Match[str]) -> str:
        paths = _BETWEEN_PATHS.split(found[0])
        if len(paths) > 1 and all(path in rows for path in paths):
            return rows_words(rows[path] for path in paths)
        return _ITEM_PATH.sub(one, found[0])

    return _ITEM_PATHS.sub(named, message)


def _words_hint(name: str, words: Mapping[str, object]) -> str:
    """Say which words a mapping translates for a field, for a cell that is none of them."""
    shown = ", ".join(repr(word) for word in list(words)[:10]) + (", ..." if len(words) > 10 else "")
    return f", nor a word the mapping gives a value for {name} ({shown})"


def _word(raw: object, words: Mapping[str, object]) -> object:
    """Translate a cell's word through a mapping's values, matching exactly and then ignoring case."""
    text = str(raw).strip()
    if text in words:
        return words[text]
    folded = {key.casefold(): value for key, value in words.items()}
    return folded.get(text.casefold(), raw)


def _put(target: dict[str, Any], path: Sequence[str], value: JsonValue | list[dict[str, Any]] | _Placeholder) -> None:
    for name in path[:-1]:
        target = target.setdefault(name, {})
    target[path[-1]] = value


def build(
    sheets: Iterable[Sheet], *, source: str, mapping: SourceMapping | None = None, max_items: int | None = None
) -> Imported:
    """Build a pack from sheets; raise ``InvalidPack`` naming every problem's file, sheet, row, column and field."""
    builder = _Builder(source, mapping)
    for sheet in sheets:
        builder.read(sheet)
    document = builder.assemble()
    rows = builder.rows_by_path()
    pack: EvidencePack | None = None
    try:
        # Every problem, for those the cells have already told of are left out before the count.
        pack = parse_pack(document, source=source, yaml_allowed=False, max_items=max_items, listed=None)
    except InvalidPack as invalid:
        if not invalid.problems:
            raise
        for problem in invalid.problems:
            where, field_name = _locate(problem.path, rows, builder)
            if _said(builder, where, field_name):
                continue
            builder.problem(where, _rows_named(problem.message, rows))
    if builder.problems or pack is None:
        raise _refusal(source, builder.problems)
    return Imported(pack, _with_single_items(pack, rows, builder.keys), tuple(builder.unreported))


def _with_single_items(
    pack: EvidencePack, rows: dict[str, Location], keys: Mapping[str, Location]
) -> dict[str, Location]:
    """Add the row of each single item read from the pack sheet (``operations.acceptance``): its id's row."""
    for path, _item in iter_items(pack):
        if path in rows:
            continue
        fields = [where for name, where in keys.items() if name.startswith(path + ".") and where.row is not None]
        if fields:
            first = keys.get(path + ".id") or min(fields, key=lambda where: where.row or 0)
            rows[path] = Location(first.file, first.sheet, first.row)
    return rows


def _said(builder: _Builder, where: Location, field_name: str) -> bool:
    """Say whether a problem the validation found is one already reported from reading the cells."""
    top = field_name.split(".")[0]
    return (
        (where.file, where.sheet, where.row, field_name) in builder.failed
        or any((where.sheet, name) in builder.missing for name in (field_name, top))
        or any(
            header.startswith(top + ".") and (where.file, where.sheet, where.row, header) in builder.failed
            for header in builder.letters.get((where.file, where.sheet), {})
        )
    )


def _refusal(source: str, found: list[tuple[Location, str]]) -> InvalidPack:
    """Refuse a workbook for the problems found: the first of them, and in ``details.unlisted`` how many more."""
    shown = found[:MOST_PROBLEMS_LISTED]
    details: dict[str, object] = {"cells": [where.as_dict() | {"message": message} for where, message in shown]}
    if len(found) > len(shown):
        details["unlisted"] = len(found) - len(shown)
    noun = "problem" if len(found) == 1 else "problems"
    return InvalidPack(
        f"{source} does not build into a valid evidence pack: {len(found)} {noun}",
        problems=[Problem(where.describe(), message) for where, message in shown],
        details=details,
    )
