"""Every refusal the committee workflow can give names the field at fault and what it is about, in ``details``.

The pages show a refusal beside the field it names; they must never have to read the message's words. What
the input models refuse (``lsc_engine.committee.inputs``) never reaches the service: a ValidationError names
the field by its location instead.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from lsc_engine.committee.conditions import Action, ConditionState
from lsc_engine.committee.inputs import AssessmentIn, ConditionEventIn, ConditionIn, DecisionIn, RevocationIn
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import Ruleset, load_ruleset
from lsc_engine.errors import Conflict, InvalidAction, LscError, NotFound
from lsc_engine.services.committee import Committee
from lsc_engine.services.submissions import Service
from lsc_engine.services.token_inputs import TokenIn, TokenRevocationIn
from lsc_engine.services.tokens import Tokens
from lsc_engine.settings import Settings
from lsc_engine.store.db import make_engine

from .conftest import FIXTURES, RULES

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()


@dataclass
class World:
    """A stored MOC MDS submission with its registered conditions, and the services that act on it."""

    committee: Committee
    tokens: Tokens
    submission_id: str
    conditions: dict[str, ConditionState]
    service: Service

    def condition(self, key: str) -> str:
        """Return the id of a registered condition by its key."""
        return self.conditions[key].id


@pytest.fixture
def world(settings: Settings, ruleset: Ruleset) -> Iterator[World]:
    """Store the MOC MDS pack on a fresh database (each backend)."""
    engine = make_engine(settings)
    service = Service(engine, ruleset)
    stored = service.submit(MDS, submitter="dcc:DCC")
    committee = Committee(engine, ruleset)
    conditions = {c.key: c for c in committee.conditions("MOC-MDS")}
    yield World(committee, Tokens(engine), stored.submission.id, conditions, service)
    engine.dispose()


def refusal(call: Callable[[], object]) -> LscError:
    """Make a call that must be refused and return the refusal."""
    with pytest.raises(LscError) as caught:
        call()
    return caught.value


ASSESSMENT: dict[str, Any] = {
    "criterion": "LSC6",
    "group": Group.OPSG,
    "accepted": True,
    "rating": Rating.AMBER,
    "assessor": "OPSG Chair",
}
CONDITION: dict[str, Any] = {
    "capability": "MOC-MDS",
    "kind": ConditionKind.PREREQUISITE_GO_LIVE,
    "owner": Group.TAG,
    "criteria": ["LSC1"],
    "text": "Run the regression pack again",
    "due": "before go-live",
}
DECISION: dict[str, Any] = {"outcome": "recommend_with_conditions", "considered_on": date(2020, 3, 6)}


def assess(world: World, criterion: str = "LSC6", group: Group = Group.OPSG, **changes: Any) -> Callable[[], object]:
    """Prepare an assessment; by default OPSG confirming the proposed amber of LSC6."""
    given = AssessmentIn.model_validate(ASSESSMENT | {"criterion": criterion, "group": group} | changes)
    return lambda: world.committee.assess(world.submission_id, given, actor="opsg:Chair")


def add_condition(world: World, **changes: Any) -> Callable[[], object]:
    """Prepare a condition added by hand; by default a valid one."""
    given = ConditionIn.model_validate(CONDITION | changes)
    return lambda: world.committee.add_condition(given, actor="tag:Chair")


def decide(world: World, **changes: Any) -> Callable[[], object]:
    """Prepare a decision; by default a recommendation with every open condition attached."""
    given = DecisionIn.model_validate(DECISION | changes)
    return lambda: world.committee.decide(world.submission_id, given, actor="panel:Chair")


def act(world: World, key: str, action: Action, **given: Any) -> Callable[[], object]:
    """Prepare an action on a registered condition."""
    event = ConditionEventIn(action=action, **given)
    return lambda: world.committee.act(world.condition(key), event, actor="ssc:Chair")


CELL = {"criterion": "LSC6", "group": "OPSG"}


def test_assessment_refusals_name_the_field_and_the_cell(world: World) -> None:
    cases: list[tuple[Callable[[], object], type[LscError], str, dict[str, Any]]] = [
        (
            assess(world, "LSC10.4", Group.TAG),
            InvalidAction,
            "TAG does not rate LSC10.4",
            {"field": "criterion", "criterion": "LSC10.4", "group": "TAG"},
        ),
        (
            assess(world, "LSC10.5", Group.SSC),
            InvalidAction,
            "SSC does not rate LSC10.5 (LSC10.5 is now RR)",
            {"field": "criterion", "criterion": "LSC10.5", "group": "SSC"},
        ),
        (
            assess(world, rating=Rating.RED),
            InvalidAction,
            "a group cannot accept DCC's statement and rate the criterion red",
            {"field": "accepted", **CELL, "accepted": True, "rating": "red"},
        ),
        (
            assess(world, rating=Rating.GREEN, rationale=" "),
            InvalidAction,
            "overriding the proposed amber with green needs a written rationale",
            {"field": "rationale", **CELL, "proposed": "amber", "rating": "green"},
        ),
    ]
    for call, kind, message, details in cases:
        error = refusal(call)
        assert (type(error), error.message, error.details) == (kind, message, details)
    assert world.committee.assessments(world.submission_id) == [], "nothing refused was recorded"


def earlier_ruleset(tmp_path: Path) -> Ruleset:
    """Return the ruleset as it was before the residual risks were a section every group assesses."""
    directory = tmp_path / "earlier-rules"
    shutil.copytree(RULES, directory)
    (directory / "residual-risks.yaml").unlink()
    catalogue = yaml.safe_load((directory / "catalogue.yaml").read_text())
    catalogue["criteria"] = [c for c in catalogue["criteria"] if c["id"] != "RR"]
    next(c for c in catalogue["criteria"] if c["id"] == "LSC10.6")["sections"].append("residual_risks")
    (directory / "catalogue.yaml").write_text(yaml.safe_dump(catalogue))
    return load_ruleset(directory)


def test_assessing_a_cell_an_earlier_ruleset_did_not_rate_asks_for_a_re_evaluation(
    settings: Settings, ruleset: Ruleset, tmp_path: Path
) -> None:
    engine = make_engine(settings)
    stored = Service(engine, earlier_ruleset(tmp_path)).submit(MDS, submitter="dcc:DCC")
    committee = Committee(engine, ruleset)
    given = AssessmentIn.model_validate(ASSESSMENT | {"criterion": "RR", "group": Group.TAG, "rating": Rating.GREEN})
    error = refusal(lambda: committee.assess(stored.submission.id, given, actor="tag:Chair"))
    assert type(error) is Conflict
    assert error.message == (
        "the latest evaluation, made under an earlier ruleset, does not rate RR for TAG; "
        "re-evaluate the submission first"
    )
    assert error.details == {
        "field": "criterion",
        "criterion": "RR",
        "group": "TAG",
        "evaluation_id": stored.record.id,
    }
    assert committee.assessments(stored.submission.id) == []
    engine.dispose()


def test_condition_refusals_name_the_field(world: World) -> None:
    cases: list[tuple[Callable[[], object], type[LscError], str, dict[str, Any]]] = [
        (
            add_condition(world, criteria=["LSC1", "LSC99"]),
            InvalidAction,
            "a condition names one or more known criteria",
            {"field": "criteria", "unknown": ["LSC99"]},
        ),
        (
            add_condition(world, capability="MOC-NONE"),
            NotFound,
            "no submission for capability MOC-NONE",
            {"field": "capability", "capability": "MOC-NONE"},
        ),
        (
            add_condition(world, key="connectivity-pause"),
            Conflict,
            "MOC-MDS already has a condition connectivity-pause",
            {"field": "key", "key": "connectivity-pause", "capability": "MOC-MDS"},
        ),
    ]
    for call, kind, message, details in cases:
        error = refusal(call)
        assert (type(error), error.message, error.details) == (kind, message, details)
    assert {c.key for c in world.committee.conditions("MOC-MDS")} == set(world.conditions)


def test_condition_action_refusals_name_the_condition_the_action_and_the_field(world: World) -> None:
    review, pause = world.condition("cio-report-review"), world.condition("connectivity-pause")
    world.committee.act(
        review, ConditionEventIn(action=Action.SATISFY, evidence="CIO report reviewed"), actor="ssc:Chair"
    )
    cases: list[tuple[Callable[[], object], type[LscError], str, dict[str, Any]]] = [
        (
            act(world, "cio-report-review", Action.BREACH, rationale="late"),
            Conflict,
            "a satisfied condition cannot be marked breached",
            {"field": "action", "action": "breach", "condition": review, "status": "satisfied"},
        ),
        (
            act(world, "connectivity-pause", Action.REPORT, evidence="report"),
            InvalidAction,
            "only an ongoing-reporting condition takes reports",
            {"field": "action", "action": "report", "condition": pause, "kind": "pause_trigger"},
        ),
        (
            act(world, "han-third-party-assurance", Action.ARM),
            InvalidAction,
            "only a pause trigger can be armed, triggered or cleared",
            {
                "field": "action",
                "action": "arm",
                "condition": world.condition("han-third-party-assurance"),
                "kind": "prerequisite_migration",
            },
        ),
        (
            act(world, "connectivity-pause", Action.CLEAR, rationale="resolved"),
            Conflict,
            "a pause trigger that is not armed cannot be cleared",
            {"field": "action", "action": "clear", "condition": pause, "pause": "not_armed"},
        ),
        (
            act(world, "connectivity-transition-reporting", Action.WAIVE, rationale="no longer needed"),
            InvalidAction,
            "to waive a condition, give approver",
            {
                "field": "approver",
                "action": "waive",
                "condition": world.condition("connectivity-transition-reporting"),
                "missing": ["approver"],
            },
        ),
        (
            act(world, "connectivity-transition-reporting", Action.WAIVE, rationale=" ", approver=""),
            InvalidAction,
            "to waive a condition, give rationale and approver",
            {
                "field": "rationale",
                "action": "waive",
                "condition": world.condition("connectivity-transition-reporting"),
                "missing": ["rationale", "approver"],
            },
        ),
        (
            lambda: world.committee.act("nope", ConditionEventIn(action=Action.ARM), actor="ssc:Chair"),
            NotFound,
            "no condition nope",
            {"condition_id": "nope"},
        ),
    ]
    for call, kind, message, details in cases:
        error = refusal(call)
        assert (type(error), error.message, error.details) == (kind, message, details)


def test_decision_refusals_name_the_field_and_what_stands_in_the_way(world: World) -> None:
    open_ids = [c.id for c in world.conditions.values() if c.is_open]
    cases: list[tuple[Callable[[], object], type[LscError], str, dict[str, Any]]] = [
        (
            decide(world, supersedes="d-0"),
            Conflict,
            "there is no current decision to supersede",
            {"field": "supersedes", "current_decision": None, "supersedes": "d-0"},
        ),
        (
            decide(world, condition_ids=[open_ids[0], "c-404"]),
            InvalidAction,
            "conditions not on MOC-MDS: c-404",
            {"field": "condition_ids", "unknown": ["c-404"], "capability": "MOC-MDS"},
        ),
        (
            decide(world, condition_ids=[]),
            InvalidAction,
            "a recommendation with conditions needs at least one condition",
            {"field": "condition_ids", "outcome": "recommend_with_conditions"},
        ),
        (
            decide(world, outcome="recommend"),
            InvalidAction,
            "conditions are attached: the outcome is recommend_with_conditions",
            {
                "field": "outcome",
                "outcome": "recommend",
                "suggested": "recommend_with_conditions",
                "attached": open_ids,
            },
        ),
    ]
    for call, kind, message, details in cases:
        error = refusal(call)
        assert (type(error), error.message, error.details) == (kind, message, details)
    first = world.committee.decide(world.submission_id, DecisionIn.model_validate(DECISION), actor="panel:Chair")
    again = refusal(decide(world))
    assert (type(again), again.details) == (
        Conflict,
        {"field": "supersedes", "current_decision": first.id, "supersedes": None},
    )
    wrong = refusal(decide(world, supersedes="d-0"))
    assert wrong.details == {"field": "supersedes", "current_decision": first.id, "supersedes": "d-0"}


def test_what_is_not_found_is_named_by_its_id(world: World) -> None:
    withdrawn = RevocationIn(group=Group.SSC, reason="withdrawn")
    for call in (
        lambda: world.committee.revoke("s-404", withdrawn, actor="ssc:Chair"),
        lambda: world.committee.assess("s-404", AssessmentIn.model_validate(ASSESSMENT), actor="opsg:Chair"),
        decide(World(world.committee, world.tokens, "s-404", {}, world.service)),
        lambda: world.committee.revocations("s-404"),
    ):
        error = refusal(call)
        assert (type(error), error.message, error.details) == (
            NotFound,
            "no submission s-404",
            {"submission_id": "s-404"},
        )
    for call, message, details in (
        (
            lambda: world.committee.readiness("MOC-NONE"),
            "no submission for capability MOC-NONE",
            {"capability": "MOC-NONE"},
        ),
        (lambda: world.committee.decision("d-404"), "no decision d-404", {"decision_id": "d-404"}),
        (lambda: world.committee.condition("c-404"), "no condition c-404", {"condition_id": "c-404"}),
    ):
        error = refusal(call)
        assert (type(error), error.message, error.details) == (NotFound, message, details)


def test_a_token_without_a_name_or_with_an_unprintable_one_is_refused_naming_the_field() -> None:
    """The service takes only a checked request, so the command line cannot store what the API refuses."""
    assert [loc for loc, _ in invalid(TokenIn, {"role": "observer", "name": " "})] == [("name",)]
    assert [loc for loc, _ in invalid(TokenIn, {"role": "observer", "name": "Pat\x1b[2J"})] == [("name",)]
    assert [loc for loc, _ in invalid(TokenRevocationIn, {"reason": "gone\u202e"})] == [("reason",)]


def invalid(model: type[BaseModel], given: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Return where and why an input model refuses what is given."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(given)
    return [(tuple(e["loc"]), e["type"]) for e in caught.value.errors()]


@pytest.mark.parametrize(
    ("model", "given", "where"),
    [
        (AssessmentIn, ASSESSMENT | {"rating": Rating.INSUFFICIENT_EVIDENCE}, [(("rating",), "literal_error")]),
        (AssessmentIn, ASSESSMENT | {"assessor": "  "}, [(("assessor",), "string_too_short")]),
        (AssessmentIn, ASSESSMENT | {"assessor": "OPSG\u0000Chair"}, [(("assessor",), "value_error")]),
        (AssessmentIn, ASSESSMENT | {"assessor": "Chair\u202eRSO"}, [(("assessor",), "value_error")]),
        (AssessmentIn, ASSESSMENT | {"rationale": "seen\u0000"}, [(("rationale",), "value_error")]),
        (RevocationIn, {"group": Group.SSC, "reason": " "}, [(("reason",), "string_too_short")]),
        (RevocationIn, {"group": Group.SSC, "reason": "\u001b[2Jgone"}, [(("reason",), "value_error")]),
        (ConditionIn, CONDITION | {"criteria": []}, [(("criteria",), "too_short")]),
        (ConditionIn, CONDITION | {"text": " "}, [(("text",), "string_too_short")]),
        (ConditionIn, CONDITION | {"due": ""}, [(("due",), "string_too_short")]),
        (ConditionIn, CONDITION | {"kind": ConditionKind.CARRIED_OVER}, [(("kind",), "literal_error")]),
        (ConditionIn, CONDITION | {"key": "Not A Key"}, [(("key",), "string_pattern_mismatch")]),
        (ConditionIn, CONDITION | {"criteria": ["LSC1\u0000"]}, [(("criteria", 0), "value_error")]),
        (ConditionEventIn, {"action": "satisfy", "approver": "Pat\u0007"}, [(("approver",), "value_error")]),
        (DecisionIn, DECISION | {"notes": "\u2066hidden\u2069"}, [(("notes",), "value_error")]),
        (DecisionIn, DECISION | {"considered_on": "2020-02-30"}, [(("considered_on",), "date_from_datetime_parsing")]),
    ],
)
def test_the_input_models_refuse_what_the_service_does_not_check(
    model: type[BaseModel], given: dict[str, Any], where: list[tuple[tuple[str | int, ...], str]]
) -> None:
    assert invalid(model, given) == where


def test_the_input_models_trim_texts_and_read_blank_notes_as_none() -> None:
    assessment = AssessmentIn.model_validate(ASSESSMENT | {"assessor": "  OPSG Chair ", "rationale": "  "})
    assert (assessment.assessor, assessment.rationale) == ("OPSG Chair", None)
    event = ConditionEventIn.model_validate({"action": "waive", "rationale": " line one\nline two\t", "approver": ""})
    assert (event.rationale, event.approver) == ("line one\nline two", None)


def test_a_kept_evaluation_or_an_event_cannot_speak_for_a_day_to_come(world: World) -> None:
    """A re-evaluation as at 2099 would become the capability's position; a report dated 9999 would silence it."""
    future = date.today() + timedelta(days=1)
    error = refusal(lambda: world.service.re_evaluate(world.submission_id, as_at=future, actor="tag:t"))
    assert (type(error), error.details["field"]) == (InvalidAction, "as_at")
    assert error.message.startswith("an evaluation kept on record speaks for a day that has come")
    condition = next(iter(world.conditions.values()))
    event = ConditionEventIn(action=Action.BREACH, on=future, rationale="a day to come")
    error = refusal(lambda: world.committee.act(condition.id, event, actor="panel:p"))
    assert (type(error), error.details) == (
        InvalidAction,
        {"field": "on", "condition": condition.id, "on": future.isoformat()},
    )
