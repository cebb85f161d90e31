"""Evidence packs from spreadsheets: the template, building, exporting, mappings and refusals."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from lsc_engine.core.digest import input_digest
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.loading import read_pack
from lsc_engine.errors import InvalidPack, InvalidRequest
from lsc_engine.spreadsheets import (
    Location,
    archive,
    export,
    layout,
    parse_mapping,
    read_imported,
    read_upload,
    rows_words,
    sources,
    template,
)
from lsc_engine.spreadsheets.archive import MAX_RATIO
from lsc_engine.spreadsheets.layout import GUIDE_SHEET, PACK_SHEET, Kind

from .conftest import FIXTURES
from .test_spreadsheets_roundtrip import as_csv_zip

IMPORTS = FIXTURES / "imports"
SECURE = FIXTURES / "seed-moc-secure-2020-08.json"
EXPORT = IMPORTS / "incident-export" / "incidents-export-2020-08-07.csv"
MAPPING = IMPORTS / "incident-export" / "mapping.yaml"


def rebuilt(pack: EvidencePack, name: str = "pack.xlsx") -> EvidencePack:
    return read_upload(export(pack), name).pack


def refusal(data: bytes, name: str = "readiness.xlsx") -> InvalidPack:
    with pytest.raises(InvalidPack) as caught:
        read_upload(data, name)
    return caught.value


def edited(pack: EvidencePack, sheet: str, cell: str, value: object) -> bytes:
    """Export a pack, set one cell of one sheet, and save the workbook again."""
    book = load_workbook(io.BytesIO(export(pack)))
    book[sheet][cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("name", ["seed-moc-mds-2020-03", "seed-moc-secure-2020-08"])
def test_the_seed_workbooks_build_into_the_seed_packs(name: str) -> None:
    imported = read_imported(IMPORTS / f"{name}.xlsx")
    assert input_digest(imported.pack) == input_digest(read_pack(FIXTURES / f"{name}.json"))


def test_each_item_records_the_file_sheet_and_row_it_came_from_outside_the_digest() -> None:
    pack = read_pack(SECURE)
    first = read_upload(export(pack), "august.xlsx")
    second = read_upload(export(pack), "renamed.xlsx")
    assert input_digest(first.pack) == input_digest(second.pack)
    where = first.rows["incidents[4]"]
    assert (where.file, where.sheet, where.row) == ("august.xlsx", "incidents", 6)
    assert first.rows["statement.capability"].sheet == PACK_SHEET
    assert second.rows["incidents[4]"].file == "renamed.xlsx"


def test_a_single_item_of_the_pack_sheet_is_found_at_the_row_of_its_id() -> None:
    imported = read_upload(export(read_pack(FIXTURES / "seed-moc-mds-2020-03.json")), "mds.xlsx")
    book = load_workbook(io.BytesIO(export(imported.pack)), read_only=True)
    fields = {str(values[0]): number for number, values in enumerate(book[PACK_SHEET].iter_rows(values_only=True), 1)}
    for path in ("operations.acceptance", "service_users.readiness", "security.cio_report"):
        assert imported.rows[path].words() == f"mds.xlsx, pack sheet, row {fields[path + '.id']}"
    assert imported.by_id()["OA-MDS"] == imported.rows["operations.acceptance"]
    assert imported.by_id()["INC-2001-01"].words() == "mds.xlsx, incidents sheet, row 2"


@pytest.mark.parametrize(
    ("places", "said"),
    [
        ([Location("a.xlsx", "incidents", 14)], "a.xlsx, incidents sheet, row 14"),
        (
            [Location("a.xlsx", "incidents", 15), Location("a.xlsx", "incidents", 13), Location("a.xlsx", "pack", 9)],
            "a.xlsx, incidents sheet, rows 13 and 15; pack sheet, row 9",
        ),
        (
            [Location("a.xlsx", "performance", row) for row in (9, 2, 3, 4, 20, 21)],
            "a.xlsx, performance sheet, rows 2 to 4, 9, 20 and 21",
        ),
        (
            [Location("a.xlsx", "performance", row) for row in range(2, 100_002)],
            "a.xlsx, performance sheet, rows 2 to 100001",
        ),
        ([Location("a.xlsx", "incidents", 3), Location("a.xlsx", "incidents", 3)], "a.xlsx, incidents sheet, row 3"),
        (
            [Location("export.csv", "export", 2), Location("e.zip: incidents.csv", "incidents", 7)],
            "export.csv, row 2; e.zip: incidents.csv, row 7",
        ),
        ([Location("a.xlsx", "incidents")], "a.xlsx, incidents sheet"),
        ([], ""),
    ],
)
def test_rows_are_said_as_people_find_them_each_file_and_sheet_once(places: list[Location], said: str) -> None:
    assert rows_words(places) == said


def test_the_template_is_laid_out_from_the_schema() -> None:
    book = load_workbook(io.BytesIO(template()))
    plan = layout()
    assert book.sheetnames[0] == GUIDE_SHEET
    assert book.sheetnames[1:] == [PACK_SHEET, *(table.sheet for table in plan.tables)]
    incidents = book["incidents"]
    headers = [cell.value for cell in incidents[1]]
    assert headers == [column.header for column in plan.table("incidents").columns]  # type: ignore[union-attr]
    category = incidents["E1"]
    assert category.value == "category"
    assert "1 is most severe" in category.comment.text
    assert "a whole number" in category.comment.text
    service = next(v for v in incidents.data_validations.dataValidation if "F2" in v.sqref)
    assert service.formula1 == '"SMETS1,SMETS2"'
    keys = [row[0].value for row in book[PACK_SHEET].iter_rows(min_row=2)]
    assert keys == [key.header for key in plan.keys]


def test_every_enumeration_of_the_schema_is_a_choice_in_the_template() -> None:
    plan = layout()

    def choices(sheet: str, header: str) -> tuple[str, ...]:
        table = plan.table(sheet)
        assert table is not None
        column = table.column(header)
        assert column is not None
        assert column.kind is Kind.CHOICE
        return column.choices

    assert choices("scope.dmcs", "installation_type") == ("active", "dormant", "mixed")
    assert choices("testing.defects", "status") == ("open", "closed")
    assert choices("earlier_conditions", "owner") == ("TAG", "OPSG", "SSC")
    assert choices("incidents", "service") == ("SMETS1", "SMETS2")
    incidents = plan.table("incidents")
    assert incidents is not None
    kinds = {column.header: column.kind for column in incidents.columns}
    assert kinds["opened"] is Kind.TIMESTAMP
    assert kinds["provenance.date"] is Kind.DATE
    assert kinds["category"] is Kind.INTEGER


def test_every_problem_is_named_by_file_sheet_row_column_and_field_all_at_once() -> None:
    pack = read_pack(SECURE)
    book = load_workbook(io.BytesIO(export(pack)))
    book["incidents"]["E3"] = "severe"  # category
    book["incidents"]["F5"] = "SMETS3"  # service
    book["incidents"]["H4"] = "2020-01-01 00:00"  # resolved before opened
    book["scope.dmcs"]["A3"] = None  # id
    book[PACK_SHEET]["B6"] = "yesterday"  # statement.date
    out = io.BytesIO()
    book.save(out)
    refused = refusal(out.getvalue())
    described = {problem.path: problem.message for problem in refused.problems}
    assert described["readiness.xlsx, incidents sheet, row 3, column E (category)"] == "'severe' is not a whole number"
    assert "not one of: SMETS1, SMETS2" in described["readiness.xlsx, incidents sheet, row 5, column F (service)"]
    assert "is before opened" in described["readiness.xlsx, incidents sheet, row 4"]
    assert "Field required" in described["readiness.xlsx, scope.dmcs sheet, row 3, column A (id)"]
    assert "is not a date" in described["readiness.xlsx, pack sheet, row 6, column B (statement.date)"]
    assert len(refused.problems) == 5
    assert refused.message == "readiness.xlsx does not build into a valid evidence pack: 5 problems"
    cell = next(c for c in refused.details["cells"] if c["field"] == "category")
    assert cell == {
        "file": "readiness.xlsx",
        "sheet": "incidents",
        "row": 3,
        "column": "E",
        "field": "category",
        "message": "'severe' is not a whole number",
    }


def test_unknown_sheets_columns_and_fields_are_named() -> None:
    pack = read_pack(SECURE)
    book = load_workbook(io.BytesIO(export(pack)))
    book.create_sheet("notes")
    book["incidents"]["K1"] = "owner"
    book["incidents"]["K2"] = "Ops"
    book[PACK_SHEET]["A60"] = "statement.author"
    book[PACK_SHEET]["B60"] = "DCC"
    out = io.BytesIO()
    book.save(out)
    described = {p.path: p.message for p in refusal(out.getvalue()).problems}
    assert described["readiness.xlsx, notes sheet"].startswith("not a sheet of the template")
    assert described["readiness.xlsx, incidents sheet, row 1, column K (owner)"].startswith("unknown column 'owner'")
    assert described["readiness.xlsx, pack sheet, row 60, column A (statement.author)"].startswith("unknown field")


def test_a_missing_required_column_is_named_once_not_on_every_row() -> None:
    pack = read_pack(SECURE)
    book = load_workbook(io.BytesIO(export(pack)))
    book["incidents"].delete_cols(5)  # category
    out = io.BytesIO()
    book.save(out)
    problems = refusal(out.getvalue()).problems
    assert [(p.path, p.message) for p in problems] == [
        ("readiness.xlsx, incidents sheet, row 1 (category)", "no column for category, which is required")
    ]


def test_a_deleted_list_sheet_means_not_reported_and_an_empty_one_means_none() -> None:
    pack = read_pack(SECURE)
    book = load_workbook(io.BytesIO(export(pack)))
    del book["incidents"]
    out = io.BytesIO()
    book.save(out)
    assert read_upload(out.getvalue(), "x.xlsx").pack.incidents is None
    assert rebuilt(pack.model_copy(update={"incidents": []})).incidents == []


def test_formulas_are_read_as_their_saved_values_never_evaluated() -> None:
    pack = read_pack(SECURE)
    data = edited(pack, "incidents", "J2", "=1+1")  # openpyxl saves a formula without a value, as no sheet ran it
    # A spreadsheet program saves the value a formula showed beside it: here it showed "Rebooted", not 2.
    saved = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as original, zipfile.ZipFile(saved, "w") as copy:
        for member in original.infolist():
            content = original.read(member)
            if b"<f>1+1</f><v />" in content:
                content = content.replace(
                    b'<c r="J2" s="2"><f>1+1</f><v />', b'<c r="J2" s="2" t="str"><f>1+1</f><v>Rebooted</v>'
                )
            copy.writestr(member, content)
    imported = read_upload(saved.getvalue(), "x.xlsx")
    assert imported.pack.incidents is not None
    assert imported.pack.incidents[0].summary == "Rebooted"


def test_a_formula_saved_without_its_value_is_refused_by_its_cell_not_read_as_empty() -> None:
    data = edited(read_pack(SECURE), "incidents", "G2", "=DATE(2020,6,30)")  # opened, which is required
    assert [(p.path, p.message) for p in refusal(data).problems] == [
        (
            "readiness.xlsx, incidents sheet, row 2, column G (opened)",
            "the formula '=DATE(2020,6,30)' has no value saved with it, and formulas are never calculated here: "
            "type the value, or open the workbook in a spreadsheet program and save it",
        )
    ]


def test_text_that_looks_like_a_formula_is_written_and_read_as_text() -> None:
    pack = read_pack(SECURE)
    assert pack.incidents is not None
    first = pack.incidents[0]
    changed = pack.model_copy(
        update={"incidents": [type(first)(**{**_fields(first), "summary": "=HYPERLINK(1)"}), *pack.incidents[1:]]}
    )
    assert rebuilt(changed).incidents[0].summary == "=HYPERLINK(1)"  # type: ignore[index]


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def test_a_zip_bomb_is_refused_before_any_member_is_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        bomb.writestr("xl/workbook.xml", "<workbook/>")
        bomb.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (64 << 20))  # 64 MiB in about 64 KiB
    data = archive.getvalue()
    assert len(data) < 1 << 20

    def expanded(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", expanded)
    refused = refusal(data, "bomb.xlsx")
    assert f"at most {MAX_RATIO} is read" in refused.problems[0].message
    assert refused.message.startswith("bomb.xlsx cannot be read: xl/worksheets/sheet1.xml expands")


def test_an_id_used_twice_is_named_at_its_row_with_the_row_that_has_it_first() -> None:
    pack = read_pack(SECURE)
    book = load_workbook(io.BytesIO(export(pack)))
    book["incidents"]["A5"] = book["incidents"]["A4"].value
    out = io.BytesIO()
    book.save(out)
    assert [(p.path, p.message) for p in refusal(out.getvalue()).problems] == [
        (
            "readiness.xlsx, incidents sheet, row 5, column A (id)",
            f"id {book['incidents']['A4'].value!r} is already used at readiness.xlsx, incidents sheet, row 4",
        )
    ]


def test_problems_in_a_workbook_and_an_export_read_together_are_all_named_at_once(tmp_path: Path) -> None:
    book = load_workbook(io.BytesIO(export(read_pack(SECURE).model_copy(update={"incidents": []}))))
    book["scope.dmcs"]["F2"] = "sleeping"
    rest = tmp_path / "readiness.xlsx"
    book.save(rest)
    export_file = tmp_path / "incidents-export-2020-08-08.csv"
    lines = EXPORT.read_text().splitlines()
    lines[2] = lines[2].replace("2 - High", "0 - Unknown")
    export_file.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidPack) as caught:
        read_imported(rest, export_file, mapping=parse_mapping(MAPPING.read_bytes()))
    assert caught.value.message.startswith("readiness.xlsx, incidents-export-2020-08-08.csv does not build")
    assert [p.path for p in caught.value.problems] == [
        "readiness.xlsx, scope.dmcs sheet, row 2, column F (installation_type)",
        "incidents-export-2020-08-08.csv, row 3, column B (category)",
    ]


def test_a_workbook_too_large_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workbook = tmp_path / "readiness.xlsx"
    workbook.write_bytes(export(read_pack(SECURE)))
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", workbook.stat().st_size - 1)
    monkeypatch.setattr(Path, "read_bytes", _never)
    with pytest.raises(InvalidPack) as caught:
        read_imported(workbook)
    assert caught.value.message.endswith(f"the file is {workbook.stat().st_size} bytes; at most 0 MiB are read")


@pytest.mark.parametrize(
    ("bound", "value", "said"),
    [
        ("MAX_EXPANDED", 1 << 16, "the archive expands to"),
        ("MAX_MEMBERS", 5, "files; at most 5 are read"),
    ],
)
def test_a_workbook_expanding_too_far_is_refused_before_any_member_is_expanded(
    monkeypatch: pytest.MonkeyPatch, bound: str, value: int, said: str
) -> None:
    data = export(read_pack(SECURE))
    monkeypatch.setattr(archive, bound, value)
    monkeypatch.setattr(zipfile.ZipFile, "open", _never)
    assert said in refusal(data).message


def test_a_sheet_over_the_row_limit_is_refused_when_its_rows_pass_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_ROWS", 10)
    refused = refusal(export(read_pack(SECURE)))
    assert refused.message == "readiness.xlsx cannot be read: the pack sheet has more than 10 rows"


def _never(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the file was read")


def test_a_file_that_is_not_a_workbook_is_refused_by_name() -> None:
    refused = refusal(b"PK\x03\x04 not really a zip", "broken.xlsx")
    assert refused.message.startswith("broken.xlsx cannot be read: not a readable zip archive")


def test_a_zip_of_csv_files_builds_the_same_pack(tmp_path: Path) -> None:
    pack = read_pack(SECURE)
    imported = read_upload(as_csv_zip(export(pack), folder="readiness/"), "readiness.zip")
    assert input_digest(imported.pack) == input_digest(pack)
    assert imported.rows["incidents[0]"].file == "readiness.zip: incidents.csv"


def test_a_service_desk_export_is_read_through_its_mapping(tmp_path: Path) -> None:
    seed = read_pack(SECURE)
    rest = tmp_path / "readiness.xlsx"
    rest.write_bytes(export(seed.model_copy(update={"incidents": []})))
    mapping = parse_mapping(MAPPING.read_bytes())
    imported = read_imported(rest, EXPORT, mapping=mapping)
    assert imported.pack.incidents is not None
    assert seed.incidents is not None
    # The export lists the seed's 14 Category 1 and 2 SMETS1 incidents, then a lower-priority SMETS2 one.
    assert len(imported.pack.incidents) == len(seed.incidents) + 1 == 15
    extra = imported.pack.incidents[-1]
    assert (extra.id, extra.category, extra.service.value) == ("INC0041298", 3, "SMETS2")
    for built, expected in zip(imported.pack.incidents[:-1], seed.incidents, strict=True):
        # The export writes UK time, day first: 27/05/2020 10:10 in summer time is 09:10 UTC.
        assert (built.category, built.service, built.opened, built.resolved) == (
            expected.category,
            expected.service,
            expected.opened,
            expected.resolved,
        )
    first = imported.pack.incidents[0]
    assert first.id == "INC0041200"
    assert first.summary == "Delayed SMETS1 Service Responses"
    assert first.provenance.source == "Service desk incident export, 7 August 2020"
    where = imported.rows["incidents[0]"]
    assert (where.file, where.row) == ("incidents-export-2020-08-07.csv", 2)


def test_a_bad_row_of_an_export_is_named_by_its_header(tmp_path: Path) -> None:
    export_file = tmp_path / "incidents-export-2020-08-08.csv"
    lines = EXPORT.read_text().splitlines()
    lines[3] = lines[3].replace("2 - High", "9 - Unknown").replace("05/06/2020 14:20", "31/06/2020 14:20")
    export_file.write_text("\n".join(lines) + "\n")
    rest = tmp_path / "readiness.xlsx"
    rest.write_bytes(export(read_pack(SECURE).model_copy(update={"incidents": []})))
    with pytest.raises(InvalidPack) as caught:
        read_imported(rest, export_file, mapping=parse_mapping(MAPPING.read_bytes()))
    described = {p.path: p.message for p in caught.value.problems}
    sheet = "incidents-export-2020-08-08.csv, row 4"  # a CSV file is its own sheet
    assert "is not a date and time" in described[f"{sheet}, column E (opened)"]
    assert described[f"{sheet}, column B (category)"] == (
        "'9 - Unknown' is not a whole number, nor a word the mapping gives a value for category "
        "('1 - Critical', '2 - High', '3 - Moderate', '4 - Low', '5 - Planning')"
    )


def test_a_column_the_mapping_names_is_missing_even_when_its_field_is_optional(tmp_path: Path) -> None:
    mapping = parse_mapping(MAPPING.read_bytes().replace(b"resolved: Resolved", b"resolved: Resolved at"))
    with pytest.raises(InvalidPack) as caught:
        read_imported(EXPORT, mapping=mapping)
    described = {p.path: p.message for p in caught.value.problems}  # the export alone has no statement either
    assert (
        described[f"{EXPORT.name}, row 1 (resolved)"]
        == "the mapping reads resolved from 'Resolved at', which is missing"
    )


def test_a_mapping_naming_an_unknown_field_or_sheet_is_refused() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_mapping(b"sources:\n  - table: incidents\n    columns: {severity: Priority}\n")
    assert caught.value.problems[0].path == "sources[0].columns.severity"
    with pytest.raises(InvalidRequest) as unknown:
        parse_mapping(b"sources:\n  - table: incident\n")
    assert "no template sheet 'incident'" in unknown.value.problems[0].message
    with pytest.raises(InvalidRequest) as aliased:
        parse_mapping(b"sources: &a\n  - table: incidents\n")
    assert "anchors and aliases" in aliased.value.problems[0].message


def test_a_sheet_typed_by_hand_reads_spreadsheet_dates_months_and_words() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "performance"
    sheet.append(["id", "provenance.source", "provenance.date", "measure", "month", "achieved", "kind"])
    sheet.append(["P1", "Monthly report", datetime(2020, 7, 31), "CPM1", datetime(2020, 6, 1), "99.5%", "Code"])
    pack_sheet = book.create_sheet(PACK_SHEET)
    for key, value in (
        ("statement.capability", "MOC-X"),
        ("statement.cohort", "All"),
        ("statement.submitted_by", "DCC"),
        ("statement.date", datetime(2020, 8, 7)),
    ):
        pack_sheet.append([key, value])
    dmcs = book.create_sheet("scope.dmcs")
    dmcs.append(["id", "provenance.source", "provenance.date", "name", "installation_type", "meters"])
    dmcs.append(["D1", "Statement", "2020-08-01", "Meter", "Active", 1200.0])
    out = io.BytesIO()
    book.save(out)
    pack = read_upload(out.getvalue(), "typed.xlsx").pack
    assert pack.performance is not None
    row = pack.performance[0]
    assert (row.month, row.achieved, row.kind) == ("2020-06", 99.5, "code")
    assert pack.scope.dmcs[0].meters == 1200
    assert pack.scope.dmcs[0].installation_type == "active"
