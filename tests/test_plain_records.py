"""The evaluation's plain records: built by msgspec, read, written and described by pydantic as they were before."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from lsc_engine.core.decision import evaluate
from lsc_engine.core.evaluation import Blocker, Blockers, CohortScope, Evaluation, ScopeDmc, ScopeEvidence
from lsc_engine.core.evidence import InstallationType
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.model_json import model_json
from lsc_engine.core.ruleset import Ruleset

from .conftest import FIXTURES

HELD_BACK = FIXTURES / "synthetic-held-back-scope.json"
AS_AT = date(2021, 6, 15)


@dataclass(frozen=True, slots=True, kw_only=True)
class FormerEvidence:
    """An item of evidence behind the scope, in words: what it says and where and when it was stated."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    id: str
    section: Annotated[
        str, Field(description="The pack section holding the item, whose owners may see it when confidential")
    ]
    text: str
    dated: date
    confidential: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class FormerDmc:
    """A Device Model Combination of the statement, with the evidence that names it."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    id: str
    name: str
    installation_type: InstallationType
    meters: int | None
    evidence: FormerEvidence
    confidential: bool


class FormerBlocker(BaseModel):
    """Something that stops go-live or migration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["rating", "condition"]
    ref: str
    reason: str
    confidential: bool = Field(description="True when the reason rests on confidential evidence")


def _schema(kind: Any, mode: Literal["validation", "serialization"] = "validation") -> Any:
    named = json.dumps(TypeAdapter(list[kind]).json_schema(mode=mode))
    for former, now in (("FormerEvidence", "ScopeEvidence"), ("FormerDmc", "ScopeDmc"), ("FormerBlocker", "Blocker")):
        named = named.replace(former, now)
    return json.loads(named)


def _dmc(**changes: object) -> dict[str, Any]:
    evidence = {"id": "D1", "section": "scope.dmcs", "text": "Named", "dated": "2021-06-08", "confidential": False}
    dmc = {"id": "D1", "name": "A meter", "installation_type": "active", "meters": 4, "evidence": evidence}
    return {**dmc, "confidential": False, **changes}


@pytest.mark.parametrize("mode", ["validation", "serialization"])
def test_the_json_schema_is_the_one_the_former_dataclasses_and_models_gave(
    mode: Literal["validation", "serialization"],
) -> None:
    assert _schema(ScopeDmc, mode) == _schema(FormerDmc, mode)
    assert _schema(Blocker, mode) == _schema(FormerBlocker, mode)
    assert "title" not in _schema(ScopeDmc, mode)["$defs"]["ScopeDmc"]["properties"]["evidence"]  # a reference


def test_an_evaluation_reads_back_to_the_same_records_and_the_same_json(ruleset: Ruleset) -> None:
    evaluation = evaluate(parse_pack(HELD_BACK.read_bytes()), ruleset, as_at=AS_AT)
    assert evaluation.scope is not None
    assert evaluation.scope.covered
    assert evaluation.scope.held_back
    written = model_json(evaluation)
    assert written == evaluation.model_dump_json().encode()
    again = Evaluation.model_validate_json(written)
    assert again == evaluation
    assert again.scope is not None
    assert isinstance(again.scope.covered[0], ScopeDmc)
    assert isinstance(again.scope.held_back[0].dmcs[0].evidence, ScopeEvidence)
    assert model_json(again) == written
    dumped = evaluation.model_dump()
    assert dumped["scope"]["covered"][0]["evidence"]["dated"] == evaluation.scope.covered[0].evidence.dated
    assert Evaluation.model_validate(dumped) == evaluation


def test_a_record_given_as_one_is_kept_and_a_mapping_is_read() -> None:
    scope = CohortScope.model_validate({"covered": [_dmc()], "held_back": []})
    record = scope.covered[0]
    assert record == ScopeDmc(
        id="D1",
        name="A meter",
        installation_type=InstallationType.ACTIVE,
        meters=4,
        evidence=ScopeEvidence(id="D1", section="scope.dmcs", text="Named", dated=date(2021, 6, 8), confidential=False),
        confidential=False,
    )
    assert CohortScope(covered=[record], held_back=[]).covered[0] is record


@pytest.mark.parametrize(
    ("dmc", "where", "kind"),
    [
        (_dmc(colour="red"), ("covered", 0, "colour"), "unexpected_keyword_argument"),
        (_dmc(evidence={**_dmc()["evidence"], "extra": 1}), ("covered", 0, "evidence", "extra"), None),
        (_dmc(meters="many"), ("covered", 0, "meters"), None),
        (_dmc(installation_type="buried"), ("covered", 0, "installation_type"), "enum"),
    ],
)
def test_a_record_read_back_refuses_what_its_dataclass_refused_at_the_same_path(
    dmc: dict[str, Any], where: tuple[object, ...], kind: str | None
) -> None:
    with pytest.raises(ValidationError) as refused:
        CohortScope.model_validate_json(json.dumps({"covered": [dmc], "held_back": []}))
    problems = refused.value.errors()
    assert [problem["loc"][: len(where)] for problem in problems] == [where]
    assert kind is None or problems[0]["type"] == kind


BLOCKER = {"kind": "rating", "ref": "LSC1/TAG", "reason": "A reason", "confidential": False}


@pytest.mark.parametrize("read_as", ["json", "python"])
@pytest.mark.parametrize(
    ("blocker", "problem"),
    [
        ({**BLOCKER, "colour": 1}, ("extra_forbidden", ("go_live", 0, "colour"))),
        ([1], ("model_type", ("go_live", 0))),
        ({**BLOCKER, "kind": "other"}, ("literal_error", ("go_live", 0, "kind"))),
        ({"kind": "rating"}, ("missing", ("go_live", 0, "ref"))),
    ],
)
def test_a_former_model_read_back_refuses_as_the_model_did(
    blocker: object, problem: tuple[str, tuple[object, ...]], read_as: str
) -> None:
    document = {"go_live": [blocker], "migration": []}
    read: Callable[[], object] = (
        (lambda: Blockers.model_validate_json(json.dumps(document)))
        if read_as == "json"
        else (lambda: Blockers.model_validate(document))
    )
    with pytest.raises(ValidationError) as refused:
        read()
    assert (refused.value.errors()[0]["type"], refused.value.errors()[0]["loc"]) == problem


def test_what_pydantic_is_asked_to_leave_out_of_a_record_is_left_out() -> None:
    blockers = Blockers(
        go_live=[Blocker(kind="rating", ref="LSC1/SSC", reason="secret", confidential=True)], migration=[]
    )
    left_out = blockers.model_dump_json(exclude={"go_live": {"__all__": {"reason"}}})
    assert left_out == '{"go_live":[{"kind":"rating","ref":"LSC1/SSC","confidential":true}],"migration":[]}'
    assert blockers.model_dump(include={"go_live": {0: {"ref"}}}) == {"go_live": [{"ref": "LSC1/SSC"}]}


def test_records_are_frozen() -> None:
    evidence = ScopeEvidence(id="D1", section="scope.dmcs", text="Named", dated=date(2021, 6, 8), confidential=False)
    with pytest.raises(AttributeError):
        evidence.text = "changed"  # type: ignore[misc]
