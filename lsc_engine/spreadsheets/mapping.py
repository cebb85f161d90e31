"""A mapping: how to read files whose columns are named and written differently from the template's.

A mapping is YAML, read with the project's safe loader. Each source names the files (or workbook sheets) it
applies to, the sheet of the template they stand for, and, for each field, the column it is read from, the
values that column's words stand for, or a value every row shares::

    sources:
      - file: "incidents*.csv"            # which files (or, with sheet:, which sheets of a workbook)
        table: incidents                  # the template sheet they stand for
        dates: day_first                  # 06/03/2020 14:05; or month_first, or formats: [...]
        timezone: Europe/London           # times without an offset are UK time, not UTC
        columns: {id: Number, category: Priority, opened: Opened, resolved: Resolved}
        values: {category: {"1 - Critical": 1, "2 - High": 2}}
        fixed: {service: SMETS1, provenance.source: Service desk export of 2020-08-07}
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lsc_engine.core import safe_yaml
from lsc_engine.core.loading import json_path
from lsc_engine.errors import InvalidRequest, Problem
from lsc_engine.spreadsheets.cells import Reading
from lsc_engine.spreadsheets.layout import layout

#: The ``strptime`` formats each ``dates`` style tries, longest first.
DATE_STYLES = {
    "day_first": ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d.%m.%Y"),
    "month_first": ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%m-%d-%Y"),
    "iso": (),
}

Scalar = str | int | float | bool


class Source(BaseModel):
    """How to read one kind of file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str = Field(default="*", description="Glob on the file's name")
    sheet: str = Field(default="*", description="Glob on a workbook sheet's name")
    table: str = Field(description="The template sheet these rows stand for, e.g. incidents")
    encoding: str = Field(default="utf-8-sig", description="A CSV file's text encoding")
    dates: Literal["day_first", "month_first", "iso"] = "iso"
    formats: list[str] = Field(default_factory=list, description="strptime formats tried before the style's")
    timezone: str | None = Field(default=None, description="The zone of times written without an offset")
    columns: dict[str, str] = Field(default_factory=dict, description="Field: the header it is read from")
    values: dict[str, dict[str, Scalar]] = Field(default_factory=dict, description="Field: {word in file: value}")
    fixed: dict[str, Scalar] = Field(default_factory=dict, description="Field: the value every row takes")

    @field_validator("table")
    @classmethod
    def _known_table(cls, table: str) -> str:
        if layout().table(table) is None:
            known = ", ".join(t.sheet for t in layout().tables)
            raise ValueError(f"no template sheet {table!r}; the sheets are: {known}")
        return table

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str | None) -> str | None:
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"no time zone {zone!r}; name one such as Europe/London") from None
        return zone

    def matches(self, file: str, sheet: str | None) -> bool:
        """Say whether this source applies to a file (and, in a workbook, a sheet)."""
        name = Path(file).name
        return fnmatch.fnmatch(name, self.file) and (sheet is None or fnmatch.fnmatch(sheet, self.sheet))

    def reading(self) -> Reading:
        """Say how this source's dates and times are written."""
        return Reading(
            formats=(*self.formats, *DATE_STYLES[self.dates]),
            zone=ZoneInfo(self.timezone) if self.timezone else None,
        )

    def field_of(self) -> dict[str, str]:
        """Map each header the source names to the field it is read into."""
        return {header: name for name, header in self.columns.items()}


class Mapping(BaseModel):
    """Every source a mapping describes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: Annotated[list[Source], Field(min_length=1)]

    def source_for(self, file: str, sheet: str | None) -> Source | None:
        """Find the first source that applies to a file or sheet."""
        return next((source for source in self.sources if source.matches(file, sheet)), None)


def parse_mapping(data: bytes, *, source: str = "the mapping") -> Mapping:
    """Read a mapping from YAML bytes; raise ``InvalidRequest`` naming each problem."""
    try:
        document = safe_yaml.load(data)
    except safe_yaml.YamlRefused as refused:
        raise InvalidRequest(f"{source} is not valid YAML", problems=[refused.problem]) from None
    try:
        mapping = Mapping.model_validate(document)
    except ValidationError as error:
        problems = [
            Problem(
                json_path([part for part in detail["loc"] if isinstance(part, int | str)]),
                str(detail["msg"]).removeprefix("Value error, "),
            )
            for detail in error.errors(include_url=False)
        ]
        raise InvalidRequest(f"{source} is not a valid mapping", problems=problems) from None
    for index, item in enumerate(mapping.sources):
        table = layout().table(item.table)
        assert table is not None
        for group in ("columns", "values", "fixed"):
            for name in getattr(item, group):
                if table.column(name) is None:
                    raise InvalidRequest(
                        f"{source} is not a valid mapping",
                        problems=[Problem(f"sources[{index}].{group}.{name}", f"no field {name!r} in {item.table}")],
                    )
    return mapping
