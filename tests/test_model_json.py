"""A model's JSON written by msgspec is pydantic's JSON of it, byte for byte: packs, evaluations, any field order."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings

from bench.gen import generate
from lsc_engine import Ruleset, evaluate, read_pack
from lsc_engine.core.evaluation import ConditionOrigin, Evaluation
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.model_json import model_json

from .conftest import FIXTURE_PACKS, FIXTURES
from .helpers import schema_numbers
from .strategies import Doc, packs

DATES = (date(2019, 6, 1), date(2020, 3, 6), date(2020, 8, 20), date(2021, 1, 1))


@pytest.mark.parametrize("name", FIXTURE_PACKS)
def test_an_evaluation_of_each_fixture_is_written_as_pydantic_writes_it(name: str, ruleset: Ruleset) -> None:
    pack = read_pack(FIXTURES / name)
    assert model_json(pack) == pack.model_dump_json().encode()
    for as_at in DATES:
        result = evaluate(pack, ruleset, as_at=as_at)
        assert model_json(result) == result.model_dump_json().encode()


def test_an_evaluation_of_a_generated_pack_is_written_as_pydantic_writes_it(ruleset: Ruleset) -> None:
    pack = parse_pack(json.dumps(generate("medium", 2)).encode())
    result = evaluate(pack, ruleset, as_at=date(2021, 6, 15))
    assert result.scope is not None
    assert len(result.scope.covered) == 1000
    assert model_json(result) == result.model_dump_json().encode()


@settings(max_examples=60, deadline=None)
@given(packs())
def test_an_evaluation_of_any_valid_pack_is_written_as_pydantic_writes_it(
    ruleset: Ruleset, drawn: tuple[Doc, date]
) -> None:
    document, as_at = drawn
    result = evaluate(parse_pack(json.dumps(document).encode()), ruleset, as_at=as_at)
    assert model_json(result) == result.model_dump_json().encode()


def test_fields_held_in_another_order_are_written_as_pydantic_writes_them() -> None:
    origin = ConditionOrigin(body="SSC", decision="the approval", on="2019-07", reference=None)
    # Validation and copies hold the fields in the declared order; pydantic writes them in the order held.
    object.__setattr__(origin, "__dict__", dict(reversed(origin.__dict__.items())))
    assert list(origin.__dict__) != list(ConditionOrigin.model_fields)
    assert model_json(origin) == origin.model_dump_json().encode()
    assert model_json(origin) == b'{"reference":null,"on":"2019-07","decision":"the approval","body":"SSC"}'


def test_only_a_models_fields_are_written_whatever_else_it_holds() -> None:
    origin = ConditionOrigin(body="SSC", decision="the approval", on="2019-07")
    noted = origin.model_copy(update={"note": "not a field"})
    assert "note" in noted.__dict__
    assert model_json(noted) == noted.model_dump_json().encode() == model_json(origin)


def test_only_models_and_what_json_holds_are_written() -> None:
    with pytest.raises(TypeError, match="no JSON for object"):
        model_json(object())  # type: ignore[arg-type]


def test_an_evaluation_holds_no_number_the_two_serialisers_could_write_differently() -> None:
    assert schema_numbers(Evaluation.model_json_schema()) == []
