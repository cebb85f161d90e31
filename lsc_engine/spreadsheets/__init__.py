"""Evidence packs from spreadsheets: the workbook template, building a pack from a workbook or CSV files, and back.

The layout is read from the pack's own schema (``layout``); cells are read by their column's kind (``cells``);
files are opened as untrusted input, bounded before they are expanded (``archive``, ``sources``); a mapping
reads exports whose columns are named differently (``mapping``); ``build`` and ``export`` go each way.
"""

from lsc_engine.spreadsheets.build import Imported, build
from lsc_engine.spreadsheets.export import export, template
from lsc_engine.spreadsheets.layout import layout
from lsc_engine.spreadsheets.location import Location, rows_words
from lsc_engine.spreadsheets.mapping import Mapping, parse_mapping
from lsc_engine.spreadsheets.reading import read_imported, read_upload

__all__ = [
    "Imported",
    "Location",
    "Mapping",
    "build",
    "export",
    "layout",
    "parse_mapping",
    "read_imported",
    "read_upload",
    "rows_words",
    "template",
]
