"""Building a pack from a path or from uploaded bytes in one call, with or without a mapping."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from lsc_engine.spreadsheets.build import Imported, build
from lsc_engine.spreadsheets.mapping import Mapping
from lsc_engine.spreadsheets.sources import open_path, open_sheets

#: The suffixes read as spreadsheets rather than as a JSON or YAML pack.
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".zip", ".csv"})


def is_spreadsheet(path: Path) -> bool:
    """Say whether a path is read as a spreadsheet source: a workbook, a zip, a CSV file or a folder."""
    return path.is_dir() or path.suffix.lower() in SPREADSHEET_SUFFIXES


def _encoding(mapping: Mapping | None) -> Callable[[str], str]:
    def encoding(file: str) -> str:
        source = mapping.source_for(file, None) if mapping else None
        return source.encoding if source else "utf-8-sig"

    return encoding


def read_imported(*paths: Path, mapping: Mapping | None = None, max_items: int | None = None) -> Imported:
    """Build a pack from workbooks, zips of CSV files, CSV files or folders of them: their rows together."""
    with ExitStack() as stack:
        sheets = [sheet for path in paths for sheet in stack.enter_context(open_path(path, _encoding(mapping)))]
        source = ", ".join(path.name for path in paths)
        return build(sheets, source=source, mapping=mapping, max_items=max_items)


def read_upload(
    data: bytes,
    name: str,
    *,
    mapping: Mapping | None = None,
    max_items: int | None = None,
    max_expanded: int | None = None,
) -> Imported:
    """Build a pack from uploaded bytes (a workbook, a zip of CSV files, one CSV file) of at most ``max_expanded``."""
    with open_sheets(data, name, _encoding(mapping), max_expanded) as sheets:
        return build(sheets, source=name, mapping=mapping, max_items=max_items)
