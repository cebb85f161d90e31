"""Reading packs: valid JSON and YAML load; every kind of bad input is named by its JSON path."""

from __future__ import annotations

import json

import pytest
import yaml

from lsc_engine.errors import InvalidPack
from lsc_engine.loading import json_path, parse_pack

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
