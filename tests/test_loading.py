"""Reading packs: valid JSON and YAML load; every kind of bad input is named by its JSON path."""

from __future__ import annotations

import dataclasses
import gc
import json
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from pydantic.dataclasses import is_pydantic_dataclass

from lsc_engine.core import evidence
from lsc_engine.core.digest import input_digest
from lsc_engine.core.loading import GC_PAUSE_BYTES, gc_paused, json_path, parse_pack
from lsc_engine.core.text import NOT_ADDRESSABLE, NOT_PRINTABLE
from lsc_engine.errors import InvalidPack

from .helpers import minimal, seed


def problems_of(document: object) -> dict[str, str]:
    """Parse a document that must be invalid and return its problems by path."""
    with pytest.raises(InvalidPack) as caught:
        parse_pack(json.dumps(document).encode())
    return {p.path: p.message for p in caught.value.problems}


def test_json_path_renders_indexes_and_fields() -> None:
    assert json_path(("incidents", 3, "resolved")) == "incidents[3].resolved"
    assert json_path(()) == "$"


def test_seed_pack_loads_from_json_and_yaml_alike() -> None:
    document = seed()
    from_json = parse_pack(json.dumps(document).encode())
    from_yaml = parse_pack(yaml.safe_dump(document).encode())
    assert from_json == from_yaml
    assert from_json.statement.capability == "MOC-MDS"


def test_malformed_json_is_reported_not_raised() -> None:
    with pytest.raises(InvalidPack) as caught:
        parse_pack(b'{"statement": ')
    assert caught.value.problems
    assert "JSON" in caught.value.problems[0].message or "EOF" in caught.value.problems[0].message


def test_unknown_field_is_named_not_dropped() -> None:
    document = minimal()
    document["scope"]["dmcs"][0]["colour"] = "blue"
    assert problems_of(document) == {
        "scope.dmcs[0].colour": "unknown field; it is not part of the evidence pack schema"
    }


def test_every_bad_field_is_listed_with_its_path() -> None:
    document = seed()
    document["incidents"][2]["category"] = 9
    document["performance"][0]["achieved"] = 130
    del document["statement"]["date"]
    problems = problems_of(document)
    assert set(problems) == {"incidents[2].category", "performance[0].achieved", "statement.date"}
    assert "less than or equal to 5" in problems["incidents[2].category"]


def test_incident_resolved_before_opened_is_rejected() -> None:
    document = seed()
    document["incidents"][0]["resolved"] = "2019-12-31T00:00:00Z"
    problems = problems_of(document)
    assert list(problems) == ["incidents[0]"]
    assert "before opened" in problems["incidents[0]"]


@pytest.mark.parametrize(
    "written", ["2020-01-02T10:00:00", "2020-01-02T10:00:00Z", "2020-01-02T10:00:00+00:00", "2020-01-02T11:30:00+01:30"]
)
def test_a_timestamp_is_the_same_utc_instant_however_it_is_written(written: str) -> None:
    document = seed()
    document["incidents"][0]["opened"] = written
    pack = parse_pack(json.dumps(document).encode())
    assert pack.incidents is not None
    opened = pack.incidents[0].opened
    assert opened == datetime(2020, 1, 2, 10, tzinfo=UTC)
    assert opened.tzinfo is UTC  # one shared tzinfo: comparing datetimes with different ones is several times slower
    document["incidents"][0]["opened"] = "2020-01-02T10:00:00Z"
    assert input_digest(pack) == input_digest(parse_pack(json.dumps(document).encode()))


def test_duplicate_ids_and_dangling_references_are_rejected() -> None:
    document = seed()
    document["incidents"][1]["id"] = document["incidents"][0]["id"]
    document["scope"]["exclusions"][0]["dmc_ids"] = ["DMC-NOWHERE"]
    problems = problems_of(document)
    assert problems["incidents[1].id"].startswith("id 'INC-2001-01' is already used at incidents[0]")
    assert problems["scope.exclusions[0].dmc_ids[0]"] == "no DMC 'DMC-NOWHERE' in scope.dmcs"


def test_yaml_that_is_not_a_mapping_is_rejected() -> None:
    with pytest.raises(InvalidPack) as caught:
        parse_pack(b"- just\n- a list\n")
    assert caught.value.problems[0].message == "the pack must be a JSON or YAML object"


def test_broken_yaml_names_the_line() -> None:
    with pytest.raises(InvalidPack) as caught:
        parse_pack(b"statement:\n  capability: [unclosed\n")
    assert caught.value.problems[0].path.startswith("line ")


def test_a_record_names_an_unknown_field_like_a_section_does() -> None:
    document = minimal()
    document["scope"]["dmcs"][0]["provenance"]["page"] = 4
    document["scope"]["colour"] = "blue"
    assert problems_of(document) == {
        "scope.dmcs[0].provenance.page": "unknown field; it is not part of the evidence pack schema",
        "scope.colour": "unknown field; it is not part of the evidence pack schema",
    }


def test_a_record_that_is_not_an_object_is_named() -> None:
    document = minimal()
    document["scope"]["dmcs"].append("DMC-2")
    assert problems_of(document) == {"scope.dmcs[1]": "Input should be an object"}


def test_a_records_problems_come_in_the_order_its_fields_are_declared() -> None:
    document = seed()
    row = document["performance"][0]
    del row["month"]
    row["target"] = "high"
    row["confidential"] = "no"
    assert [p for p in problems_of(document) if p.startswith("performance[0]")] == [
        "performance[0].confidential",
        "performance[0].month",
        "performance[0].target",
    ]


def test_every_record_validates_its_fields_in_declared_order() -> None:
    # pydantic moves a dataclass field whose default is a Field(...) ahead of the others unless it is
    # keyword-only like them; declaring defaults as plain values (metadata in Annotated) keeps the order.
    records = [value for value in vars(evidence).values() if isinstance(value, type) and is_pydantic_dataclass(value)]
    assert len(records) > 20
    for record in records:
        arguments = _dataclass_arguments(record.__pydantic_core_schema__)
        assert arguments == [f.name for f in dataclasses.fields(record)], record.__name__


def _dataclass_arguments(schema: Any) -> list[str] | None:
    """Return the fields of the first dataclass-args schema in a core schema, in validation order."""
    if isinstance(schema, dict):
        if schema.get("type") == "dataclass-args":
            return [field["name"] for field in schema["fields"]]
        children: Iterable[Any] = schema.values()
    elif isinstance(schema, list):
        children = schema
    else:
        return None
    for child in children:
        found = _dataclass_arguments(child)
        if found is not None:
            return found
    return None


def test_the_collector_is_paused_for_a_large_pack_only_and_restored() -> None:
    assert gc.isenabled()
    with gc_paused(GC_PAUSE_BYTES - 1):
        assert gc.isenabled()
    with gc_paused(GC_PAUSE_BYTES):
        assert not gc.isenabled()
        with gc_paused(GC_PAUSE_BYTES):
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    with pytest.raises(ValueError, match="boom"), gc_paused(GC_PAUSE_BYTES):
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_pause_leaves_a_collector_that_was_off_off() -> None:
    gc.disable()
    try:
        with gc_paused(GC_PAUSE_BYTES):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_in_threads_end_with_the_last() -> None:
    entered, leave = threading.Barrier(3), threading.Event()

    def hold() -> None:
        with gc_paused(GC_PAUSE_BYTES):
            entered.wait()
            leave.wait()

    threads = [threading.Thread(target=hold) for _ in range(2)]
    for thread in threads:
        thread.start()
    entered.wait()
    assert not gc.isenabled()
    leave.set()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


def test_a_large_pack_parses_with_the_collector_restored_after() -> None:
    document = minimal()
    document["scope"]["dmcs"] = [
        {**document["scope"]["dmcs"][0], "id": f"DMC-{n}", "name": f"DMC number {n}"} for n in range(12_000)
    ]
    data = json.dumps(document).encode()
    assert len(data) >= GC_PAUSE_BYTES
    assert len(parse_pack(data).scope.dmcs) == 12_000
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("statement", "summary"), "a\u0000b"),
        (("statement", "cohort"), "SMETS1 \u202ecohort"),
        (("statement", "submitted_by"), "DCC\x1b[2J"),
        (("statement", "summary"), "end\u2066"),
    ],
)
def test_text_with_control_or_direction_changing_characters_is_named(path: tuple[str, str], value: str) -> None:
    document = minimal()
    document[path[0]][path[1]] = value
    assert problems_of(document) == {".".join(path): NOT_PRINTABLE}


def test_text_may_hold_line_breaks_and_tabs() -> None:
    document = minimal()
    document["statement"]["summary"] = "First line.\nSecond line,\tindented.\r\n"
    assert parse_pack(json.dumps(document).encode()).statement.summary == document["statement"]["summary"]


@pytest.mark.parametrize("capability", ["SLASH/CAP", "a:b", "-dash", "sp ace", "per%2Fcent", "x" * 121])
def test_a_capability_must_be_fit_for_addresses(capability: str) -> None:
    document = minimal()
    document["statement"]["capability"] = capability
    problems = problems_of(document)
    assert list(problems) == ["statement.capability"]
    if len(capability) <= 120:
        assert problems["statement.capability"] == NOT_ADDRESSABLE


@pytest.mark.parametrize(
    ("where", "written", "said"),
    [
        (("statement", "date"), "1583452800", "write a date as YYYY-MM-DD; a number is not a date"),
        (("statement", "date"), 20200306, "write a date as YYYY-MM-DD; a number is not a date"),
        (("incidents", 0, "opened"), "2020", "write a time as YYYY-MM-DDTHH:MM"),
        (("incidents", 0, "opened"), "20200105", "write a time as YYYY-MM-DDTHH:MM"),
        (("incidents", 0, "opened"), "2020-01-05", "write a time as YYYY-MM-DDTHH:MM"),
    ],
)
def test_digits_are_never_read_as_seconds_since_1970(where: tuple[str | int, ...], written: object, said: str) -> None:
    document = seed("seed-moc-mds-2020-03.json")
    parent: Any = document
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = written
    with pytest.raises(InvalidPack) as refused:
        parse_pack(json.dumps(document).encode())
    path = json_path(list(where))
    [problem] = [problem for problem in refused.value.problems if problem.path == path]
    assert said in problem.message
