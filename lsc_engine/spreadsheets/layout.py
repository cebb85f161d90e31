"""The workbook's layout, read from the evidence pack's JSON Schema so that it cannot drift from the model.

Every list of records in the pack is a sheet named by its JSON path (``incidents``, ``testing.defects``), with
a header row of field names; a record's nested objects are flattened into dotted columns (``provenance.source``)
and a list of plain values sits in one cell, a value a line. A list of records inside a record (a criterion's
dissent) is a sheet of its own whose first column names the record it belongs to. Everything else (the
statement, single items such as ``operations.acceptance``, dates such as ``incidents_reported_to``) is a row
of the key/value sheet ``pack``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from lsc_engine.core.evidence import EvidencePack

#: The key/value sheet holding every field that is not part of a list of records.
PACK_SHEET = "pack"

#: The sheet that says how to fill the workbook in; it is not read back.
GUIDE_SHEET = "How to fill in"

#: The first column of a nested list's sheet: the id of the record each row belongs to.
PARENT_COLUMN = "belongs_to"

#: The header of the key/value sheet.
PACK_HEADER = ("field", "value", "about")

#: How the schema writes a calendar month.
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

#: What a section's own row on the pack sheet says.
SECTION_NOTE = (
    "Whether the pack has this section. Blank: it has it when any of its fields or sheets is filled in. "
    "TRUE: it has it even when nothing in it is (an empty section, which differs from a missing one). "
    "FALSE: it has not, and none of its fields or sheets may be filled in"
)

#: What a list's own row on the pack sheet says.
LIST_NOTE = (
    "Whether this list is reported when its sheet has no rows. Blank: a sheet without rows means it was not "
    "reported, and the rules read it as missing evidence. TRUE: there is none (an empty list). FALSE: it was not "
    "reported, and its sheet may hold no rows"
)

#: The longest sheet name a spreadsheet allows.
MAX_SHEET_NAME = 31


class Kind(StrEnum):
    """What a cell holds."""

    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"
    CHOICE = "choice"


@dataclass(frozen=True)
class Column:
    """One field of a record (or of the pack sheet): where it goes in the pack, and what it may hold."""

    path: tuple[str, ...]
    kind: Kind
    required: bool
    description: str = ""
    choices: tuple[str, ...] = ()
    #: A list of plain values in one cell (one a line); ``kind`` is then the kind of each value.
    many: bool = False
    #: Of a list, whether its values are identifiers, which may also be separated by commas or spaces.
    identifiers: bool = False
    #: The outer objects this field sits in that may be left out (nothing given in them means absent).
    optional_parents: tuple[tuple[str, ...], ...] = ()
    #: Text written as a calendar month, YYYY-MM (a spreadsheet turns it into the month's first day).
    month: bool = False
    #: A pack sheet row naming a section that may be absent: TRUE keeps it in the pack with nothing filled in.
    section: bool = False
    #: A pack sheet row naming a list that may be absent: TRUE says there is none when its sheet has no rows.
    listing: bool = False

    @property
    def header(self) -> str:
        """Name the column as its header cell does."""
        return ".".join(self.path)

    def about(self) -> str:
        """Say what the column holds, for a header's note."""
        parts = [self.description.strip()] if self.description else []
        parts.append(_KIND_WORDS[self.kind] + (", one a line" if self.many else ""))
        if self.choices:
            parts.append("one of: " + ", ".join(self.choices))
        parts.append("required" if self.required else "optional")
        return ". ".join(part.rstrip(".") for part in parts) + "."


_KIND_WORDS = {
    Kind.TEXT: "text",
    Kind.INTEGER: "a whole number",
    Kind.NUMBER: "a number",
    Kind.BOOLEAN: "TRUE or FALSE",
    Kind.DATE: "a date (YYYY-MM-DD)",
    Kind.TIMESTAMP: "a date and time (YYYY-MM-DD HH:MM, UTC unless an offset is written)",
    Kind.CHOICE: "a choice",
}


@dataclass(frozen=True)
class Table:
    """A list of records in the pack, laid out as a sheet with one record a row."""

    sheet: str
    path: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str
    #: Whether the list may be absent from the pack (absent means "not reported", unlike an empty list).
    nullable: bool
    #: For a list inside a record, the table of those records.
    parent: Table | None = None
    children: list[Table] = field(default_factory=list, compare=False)

    def column(self, header: str) -> Column | None:
        """Find a column by its header."""
        return next((column for column in self.columns if column.header == header), None)


@dataclass(frozen=True)
class Layout:
    """The whole workbook: the pack sheet's rows and the tables, in the schema's order."""

    keys: tuple[Column, ...]
    tables: tuple[Table, ...]
    #: The pack's sections that are objects (``statement``, ``testing``...), and whether each may be absent.
    sections: Mapping[str, bool]

    def table(self, sheet: str) -> Table | None:
        """Find a table by its sheet name."""
        return next((table for table in self.tables if table.sheet == sheet), None)

    def key(self, name: str) -> Column | None:
        """Find a row of the pack sheet by its field name."""
        return next((key for key in self.keys if key.header == name), None)


class _Walker:
    """Walk the JSON Schema, collecting the pack sheet's rows and the tables."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.defs: Mapping[str, Any] = schema.get("$defs", {})
        self.keys: list[Column] = []
        self.tables: list[Table] = []

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        if "$ref" in node:
            return self.resolve(self.defs[node["$ref"].rsplit("/", 1)[-1]])
        return node

    def unwrap(self, node: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
        """Return a node without its ``null`` alternative, and whether it had one."""
        options = node.get("anyOf")
        if options is not None:
            kept = [option for option in options if option.get("type") != "null"]
            if len(kept) == 1:
                inner = dict(self.resolve(kept[0]))
                if "description" in node:
                    inner["description"] = node["description"]
                return inner, len(kept) < len(options)
        return dict(self.resolve(node)) | ({"description": node["description"]} if "description" in node else {}), False

    def leaf(
        self, path: tuple[str, ...], node: Mapping[str, Any], required: bool, parents: tuple[tuple[str, ...], ...]
    ) -> Column:
        many = node.get("type") == "array"
        value = self.resolve(node["items"]) if many else node
        return Column(
            path=path,
            kind=_kind(value),
            required=required,
            description=str(node.get("description", "")),
            choices=tuple(str(choice) for choice in value.get("enum", ()))
            or ((str(value["const"]),) if "const" in value else ()),
            many=many,
            identifiers=many and value.get("pattern", "").startswith("^[A-Za-z0-9]"),
            optional_parents=parents,
            month=value.get("pattern") == MONTH_PATTERN,
        )

    def record_columns(
        self,
        node: Mapping[str, Any],
        prefix: tuple[str, ...],
        table_path: tuple[str, ...],
        parents: tuple[tuple[str, ...], ...],
        children: list[tuple[tuple[str, ...], Mapping[str, Any]]],
        required_here: bool = True,
    ) -> list[Column]:
        columns: list[Column] = []
        required = set(node.get("required", ()))
        for name, raw in node.get("properties", {}).items():
            inner, nullable = self.unwrap(raw)
            path = (*prefix, name)
            is_required = required_here and name in required and not nullable
            if inner.get("type") == "object":
                more = (*parents, path) if not is_required else parents
                columns += self.record_columns(inner, path, table_path, more, children, is_required)
            elif inner.get("type") == "array" and self.resolve(inner["items"]).get("type") == "object":
                children.append((path, inner))
            else:
                columns.append(self.leaf(path, inner, is_required, parents))
        return columns

    def table(
        self, path: tuple[str, ...], node: Mapping[str, Any], nullable: bool, parent: Table | None = None
    ) -> Table:
        record = self.resolve(node["items"])
        children: list[tuple[tuple[str, ...], Mapping[str, Any]]] = []
        columns = self.record_columns(record, (), path, (), children)
        if parent is not None:
            columns.insert(
                0,
                Column(
                    (PARENT_COLUMN,),
                    Kind.TEXT,
                    required=True,
                    description=f"The id of the {parent.sheet} row this belongs to",
                ),
            )
        sheet = ".".join(path) if parent is None else ".".join((parent.path[-1], *path))
        if len(sheet) > MAX_SHEET_NAME:
            raise ValueError(f"the sheet name {sheet!r} is longer than {MAX_SHEET_NAME} characters")
        table = Table(
            sheet=sheet,
            path=path,
            columns=tuple(columns),
            description=str(node.get("description") or record.get("description", "")).split("\n")[0],
            nullable=nullable,
            parent=parent,
        )
        self.tables.append(table)
        for child_path, child in children:
            table.children.append(self.table(child_path, child, nullable=False, parent=table))
        return table

    def section(self, prefix: tuple[str, ...], node: Mapping[str, Any], parents: tuple[tuple[str, ...], ...]) -> None:
        required = set(node.get("required", ()))
        for name, raw in node.get("properties", {}).items():
            inner, nullable = self.unwrap(raw)
            path = (*prefix, name)
            if inner.get("type") == "array" and self.resolve(inner["items"]).get("type") == "object":
                self.table(path, inner, nullable)
                if nullable:
                    self.keys.append(Column(path, Kind.BOOLEAN, required=False, description=LIST_NOTE, listing=True))
            elif inner.get("type") == "object":
                is_required = name in required and not nullable
                if not prefix and nullable:
                    self.keys.append(Column(path, Kind.BOOLEAN, required=False, description=SECTION_NOTE, section=True))
                self.section(path, inner, parents if is_required else (*parents, path))
            elif "const" not in inner:  # the schema version: always the one this model reads
                is_required = name in required and not nullable and not parents
                self.keys.append(self.leaf(path, inner, is_required, parents))


def _kind(node: Mapping[str, Any]) -> Kind:
    if "enum" in node or "const" in node:
        return Kind.CHOICE
    if node.get("format") == "date":
        return Kind.DATE
    if node.get("format") == "date-time":
        return Kind.TIMESTAMP
    return {"integer": Kind.INTEGER, "number": Kind.NUMBER, "boolean": Kind.BOOLEAN}.get(
        str(node.get("type")), Kind.TEXT
    )


@cache
def layout() -> Layout:
    """Lay the evidence pack out as a workbook, from its JSON Schema."""
    schema = EvidencePack.model_json_schema()
    walker = _Walker(schema)
    walker.section((), schema, ())
    sections = {}
    for name, raw in schema["properties"].items():
        inner, nullable = walker.unwrap(raw)
        if inner.get("type") == "object":
            sections[name] = nullable
    return Layout(keys=tuple(walker.keys), tables=tuple(walker.tables), sections=sections)
