"""Models made of the engine's own values: exactly as pydantic's ``model_construct`` makes them, or refused."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, RootModel

from lsc_engine import read_pack
from lsc_engine.core.constructed import constructed
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evaluation import Blockers, CohortScope, Evaluation
from lsc_engine.core.ruleset import Ruleset

from .conftest import FIXTURES


def _alike(made: BaseModel, expected: BaseModel) -> None:
    """Assert that two models hold the same fields, in the same order, and say the same of how they were made."""
    assert type(made) is type(expected)
    assert list(made.__dict__.items()) == list(expected.__dict__.items())
    assert made.model_fields_set == expected.model_fields_set
    assert made.__pydantic_extra__ == expected.__pydantic_extra__
    assert made.__pydantic_private__ == expected.__pydantic_private__
    assert made.model_dump_json() == expected.model_dump_json()
    assert made == expected


@pytest.mark.parametrize("fixture", ["seed-moc-mds-2020-03.json", "synthetic-held-back-scope.json"])
def test_an_evaluation_is_made_as_model_construct_makes_it(ruleset: Ruleset, fixture: str) -> None:
    evaluation = evaluate(read_pack(FIXTURES / fixture), ruleset, as_at=date(2021, 6, 15))
    given = {name: value for name, value in evaluation.__dict__.items() if name != "evaluation_version"}
    _alike(evaluation, Evaluation.model_construct(**given))
    assert "evaluation_version" not in evaluation.model_fields_set  # its default, as model_construct leaves it
    assert evaluation.blockers is not None
    assert evaluation.scope is not None
    _alike(evaluation.blockers, Blockers.model_construct(**evaluation.blockers.__dict__))
    _alike(evaluation.scope, CohortScope.model_construct(**evaluation.scope.__dict__))


class _Plain(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    count: int = 3
    on: date | None = None


def test_defaults_fill_the_fields_not_given_and_do_not_count_as_set() -> None:
    made = constructed(_Plain, name="x")
    _alike(made, _Plain.model_construct(name="x"))
    assert (made.count, made.on, made.model_fields_set) == (3, None, {"name"})
    _alike(
        constructed(_Plain, on=date(2020, 1, 2), name="y", count=0),
        _Plain.model_construct(on=date(2020, 1, 2), name="y", count=0),
    )


def test_a_value_of_no_field_or_a_missing_required_one_is_refused() -> None:
    with pytest.raises(TypeError, match="_Plain has no field colour"):
        constructed(_Plain, name="x", colour="red")
    with pytest.raises(TypeError, match="_Plain needs a value for name"):
        constructed(_Plain, count=1)


class _Listed(BaseModel):
    items: list[int] = Field(default_factory=list)


class _Aliased(BaseModel):
    name: str = Field(alias="Name")


class _Private(BaseModel):
    name: str
    _seen: int = PrivateAttr(default=0)


class _Extra(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str


class _Mutable(BaseModel):
    tags: list[str] = ["a"]  # pydantic copies it for each model made; constructed would share it


class _PostInit(BaseModel):
    name: str

    def model_post_init(self, context: Any, /) -> None:
        """Do what pydantic then runs after making the model."""


class _Root(RootModel[int]):
    pass


class _OwnNew(BaseModel):
    name: str

    def __new__(cls, *args: Any, **kwargs: Any) -> _OwnNew:
        return super().__new__(cls)


class _OwnConstruct(BaseModel):
    name: str

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> _OwnConstruct:  # type: ignore[override]
        return super().model_construct(_fields_set, **values)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        (_PostInit, "is not a model of plain fields"),
        (_Root, "is not a model of plain fields"),
        (_OwnNew, "makes its models its own way"),
        (_OwnConstruct, "makes its models its own way"),
        (_Listed, "has a default that a model could change"),
        (_Mutable, "has a default that a model could change"),
        (_Aliased, "has an alias"),
        (_Private, "is not a model of plain fields"),
        (_Extra, "keeps extra values"),
    ],
)
def test_a_model_that_model_construct_makes_otherwise_is_refused(kind: type[BaseModel], reason: str) -> None:
    values: dict[str, Any] = {"name": "x"} if "name" in kind.__pydantic_fields__ else {"root": 1}
    with pytest.raises(TypeError, match=reason):
        constructed(kind, **values)
