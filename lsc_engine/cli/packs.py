"""``lsc pack``: the workbook template, building a pack from spreadsheets, and writing a pack back into one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lsc_engine.cli.app import app, err, fail
from lsc_engine.core.digest import input_digest
from lsc_engine.core.loading import read_pack
from lsc_engine.errors import InvalidRequest, LscError
from lsc_engine.spreadsheets import Mapping, export, parse_mapping, read_imported, template

pack_app = typer.Typer(help="Evidence packs from spreadsheets, and back.", no_args_is_help=True)
app.add_typer(pack_app, name="pack")

MappingOption = Annotated[
    Path | None,
    typer.Option("--mapping", help="YAML saying how to read files whose columns differ from the template's."),
]


def read_mapping(path: Path | None) -> Mapping | None:
    """Read a mapping file, if one is given."""
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidRequest(f"cannot read {path}: {error.strerror}") from None
    return parse_mapping(data, source=str(path))


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as error:
        fail(InvalidRequest(f"cannot write {path}: {error.strerror}"))


@pack_app.command("template")
def pack_template(
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the workbook (.xlsx).")],
) -> None:
    """Write the workbook template: a sheet per section of the pack, with notes, drop-downs and date columns."""
    _write(output, template())
    err.print(f"wrote {output}", markup=False)


@pack_app.command("build")
def pack_build(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="Workbooks, zips of CSV files, CSV files or folders of them, read together.", show_default=False
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the pack (JSON).")],
    mapping: MappingOption = None,
    rows: Annotated[
        Path | None,
        typer.Option("--rows", help="Also write where each item was read from (file, sheet, row) as JSON."),
    ] = None,
) -> None:
    """Build an evidence pack from spreadsheets. Exit 0 built, 2 invalid (every problem named by its cell)."""
    try:
        imported = read_imported(*sources, mapping=read_mapping(mapping))
    except LscError as error:
        fail(error)
    _write(output, imported.pack.model_dump_json(indent=2, exclude_defaults=False).encode() + b"\n")
    if rows is not None:
        located = {
            path: {"file": where.file, "sheet": where.sheet, "row": where.row} for path, where in imported.rows.items()
        }
        _write(rows, json.dumps(located, indent=2).encode() + b"\n")
    note = imported.empty_note()
    if note:
        err.print(f"note: {note}", markup=False)
    err.print(f"wrote {output}: {input_digest(imported.pack)}", markup=False)


@pack_app.command("export")
def pack_export(
    pack: Annotated[Path, typer.Argument(help="Evidence pack, JSON or YAML.", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the workbook (.xlsx).")],
) -> None:
    """Write an evidence pack into the workbook template; building it again gives the same pack."""
    try:
        evidence = read_pack(pack)
    except LscError as error:
        fail(error)
    _write(output, export(evidence))
    err.print(f"wrote {output}", markup=False)
