"""Where a value was read: a file, a sheet, a row, a column and a field, named as people look for them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value was read: the file, the sheet, and where known the row, the column and the field."""

    file: str
    sheet: str
    row: int | None = None
    column: str | None = None
    field: str | None = None

    def describe(self) -> str:
        """Name a cell as a person looks for it: "a.xlsx, incidents sheet, row 3, column E (category)"."""
        parts = [self.file] if self.is_csv else [self.file, f"{self.sheet} sheet"]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        text = ", ".join(parts)
        return f"{text} ({self.field})" if self.field else text

    def as_dict(self) -> dict[str, str | int | None]:
        """Return the location as a plain mapping."""
        return {"file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column, "field": self.field}

    @property
    def is_csv(self) -> bool:
        """Say whether the row was read from a CSV file, which is its own table with no sheet to name."""
        return self.file.lower().endswith(".csv")

    def words(self) -> str:
        """Say where a row was read in plain words: "secure.xlsx, incidents sheet, row 14"; "export.csv, row 3"."""
        where = self.file if self.is_csv else f"{self.file}, {self.sheet} sheet"
        return f"{where}, row {self.row}" if self.row is not None else where


def rows_words(places: Iterable[Location]) -> str:
    """Say where several rows were read, each file and sheet named once.

    For example "secure.xlsx, pack sheet, row 9; incidents sheet, rows 13, 14 and 15; export.csv, rows 2 and 3".
    """
    files: dict[str, dict[str, list[int]]] = {}
    for place in places:
        rows = files.setdefault(place.file, {}).setdefault("" if place.is_csv else f"{place.sheet} sheet", [])
        if place.row is not None and place.row not in rows:
            rows.append(place.row)
    parts = []
    for file, tables in files.items():
        said = [", ".join(filter(None, (table, _numbers(rows)))) for table, rows in tables.items()]
        parts.append(", ".join(filter(None, (file, "; ".join(filter(None, said))))))
    return "; ".join(parts)


def _numbers(rows: list[int]) -> str:
    """Say row numbers in order, a run of three or more as a range: "row 4", "rows 2 and 3", "rows 2 to 13 and 20"."""
    runs: list[list[int]] = []
    for row in sorted(rows):
        if runs and row == runs[-1][-1] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    said = [
        part for run in runs for part in ([f"{run[0]} to {run[-1]}"] if len(run) >= 3 else [str(row) for row in run])
    ]
    if len(said) <= 1:
        return f"row{'s' if runs and len(runs[0]) > 1 else ''} {said[0]}" if said else ""
    return f"rows {', '.join(said[:-1])} and {said[-1]}"
