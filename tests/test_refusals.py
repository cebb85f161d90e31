"""Every refusal the committee workflow can give names the field at fault and what it is about, in ``details``.

The pages show a refusal beside the field it names; they must never have to read the message's words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from lsc_engine.access.policy import Role
from lsc_engine.committee.conditions import Action, ConditionState
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.core.ruleset import Rating, Ruleset
from lsc_engine.errors import Conflict, InvalidAction, LscError, NotFound
from lsc_engine.services.committee import Committee
from lsc_engine.services.submissions import Service
from lsc_engine.services.tokens import Tokens
from lsc_engine.settings import Settings
from lsc_engine.store.db import make_engine

from .conftest import FIXTURES

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()


@dataclass
class World:
    """A stored MOC MDS submission with its registered conditions, and the services that act on it."""

    committee: Committee
    tokens: Tokens
    submission_id: str
    conditions: dict[str, ConditionState]

    def condition(self, key: str) -> str:
        """Return the id of a registered condition by its key."""
        return self.conditions[key].id


@pytest.fixture
def world(settings: Settings, ruleset: Ruleset) -> Iterator[World]:
    """Store the MOC MDS pack on a fresh database (each backend)."""
    engine = make_engine(settings)
    stored = Service(engine, ruleset).submit(MDS, submitter="dcc:DCC")
    committee = Committee(engine, ruleset)
    conditions = {c.key: c for c in committee.conditions("MOC-MDS")}
    yield World(committee, Tokens(engine), stored.submission.id, conditions)
    engine.dispose()


def refusal(call: Callable[[], object]) -> LscError:
    """Make a call that must be refused and return the refusal."""
    with pytest.raises(LscError) as caught:
        call()
    return caught.value


def assess(world: World, criterion: str = "LSC6", group: Group = Group.OPSG, **changes: Any) -> Callable[[], object]:
    """Prepare an assessment; by default OPSG confirming the proposed amber of LSC6."""
    given: dict[str, Any] = {
        "accepted": True,
        "rating": Rating.AMBER,
        "assessor": "OPSG Chair",
        "rationale": None,
        "actor": "opsg:Chair",
    } | changes
    return lambda: world.committee.assess(world.submission_id, criterion=criterion, group=group, **given)


def add_condition(world: World, capability: str = "MOC-MDS", **changes: Any) -> Callable[[], object]:
    """Prepare a condition added by hand; by default a valid one."""
    given: dict[str, Any] = {
        "kind": ConditionKind.PREREQUISITE_GO_LIVE,
        "owner": Group.TAG,
        "criteria": ["LSC1"],
        "text": "Run the regression pack again",
        "due": "before go-live",
        "due_date": None,
        "report_every_days": None,
        "key": None,
        "actor": "tag:Chair",
    } | changes
    return lambda: world.committee.add_condition(capability, **given)


def decide(world: World, **changes: Any) -> Callable[[], object]:
    """Prepare a decision; by default a recommendation with every open condition attached."""
    given: dict[str, Any] = {
        "outcome": "recommend_with_conditions",
        "considered_on": date(2020, 3, 6),
        "condition_ids": None,
        "notes": None,
        "supersedes": None,
        "actor": "panel:Chair",
    } | changes
    return lambda: world.committee.decide(world.submission_id, **given)


def act(world: World, key: str, action: Action, **given: Any) -> Callable[[], object]:
    """Prepare an action on a registered condition."""
    return lambda: world.committee.act(world.condition(key), action, actor="ssc:Chair", **given)


CELL = {"criterion": "LSC6", "group": "OPSG"}


def test_assessment_refusals_name_the_field_and_the_cell(world: World) -> None:
    cases: list[tuple[Callable[[], object], type[LscError], str, dict[str, Any]]] = [
        (
            assess(world, "LSC10.3", Group.TAG),
            InvalidAction,
            "TAG does not rate LSC10.3",
            {"field": "criterion", "criterion": "LSC10.3", "group": "TAG"},
        ),
        (
            assess(world, rating=Rating.INSUFFICIENT_EVIDENCE),
            InvalidAction,
            "a group rates green, amber or red",
            {"field": "rating", **CELL, "rating": "insufficient_evidence"},
        ),
        (
            assess(world, rating=Rating.RED),
            InvalidAction,
            "a group cannot accept DCC's statement and rate the criterion red",
            {"field": "accepted", **CELL, "accepted": True, "rating": "red"},
        ),
        (
            assess(world, assessor="  "),
            InvalidAction,
            "an assessment needs a named assessor",
            {"field": "assessor", **CELL},
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


def test_condition_refusals_name_the_field(world: World) -> None:
    cases: list[tuple[Callable[[], object], type[LscError], str, dict[str, Any]]] = [
        (
            add_condition(world, criteria=["LSC1", "LSC99"]),
            InvalidAction,
            "a condition names one or more known criteria",
            {"field": "criteria", "unknown": ["LSC99"]},
        ),
        (
            add_condition(world, criteria=[]),
            InvalidAction,
            "a condition names one or more known criteria",
            {"field": "criteria", "unknown": []},
        ),
        (
            add_condition(world, text=" "),
            InvalidAction,
            "a condition needs its text and when it is due",
            {"field": "text", "missing": ["text"]},
        ),
        (
            add_condition(world, due=""),
            InvalidAction,
            "a condition needs its text and when it is due",
            {"field": "due", "missing": ["due"]},
        ),
        (
            add_condition(world, kind=ConditionKind.CARRIED_OVER),
            InvalidAction,
            "give the kind of the condition; carrying over is recorded by the engine",
            {"field": "kind", "kind": "carried_over"},
        ),
        (
            add_condition(world, "MOC-NONE"),
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
    world.committee.act(review, Action.SATISFY, actor="ssc:Chair", evidence="CIO report reviewed")
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
            lambda: world.committee.act("nope", Action.ARM, actor="ssc:Chair"),
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
    first = world.committee.decide(
        world.submission_id,
        outcome="recommend_with_conditions",
        considered_on=date(2020, 3, 6),
        condition_ids=None,
        notes=None,
        supersedes=None,
        actor="panel:Chair",
    )
    again = refusal(decide(world))
    assert (type(again), again.details) == (
        Conflict,
        {"field": "supersedes", "current_decision": first.id, "supersedes": None},
    )
    wrong = refusal(decide(world, supersedes="d-0"))
    assert wrong.details == {"field": "supersedes", "current_decision": first.id, "supersedes": "d-0"}


def test_revocation_refusals_and_what_is_not_found(world: World) -> None:
    blank = refusal(lambda: world.committee.revoke(world.submission_id, group=Group.SSC, reason=" ", actor="ssc:Chair"))
    assert (type(blank), blank.message, blank.details) == (
        InvalidAction,
        "a revocation needs its reason",
        {"field": "reason", "group": "SSC"},
    )
    for call in (
        lambda: world.committee.revoke("s-404", group=Group.SSC, reason="withdrawn", actor="ssc:Chair"),
        lambda: world.committee.assess("s-404", **_valid_assessment()),
        decide(World(world.committee, world.tokens, "s-404", {})),
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


def _valid_assessment() -> dict[str, Any]:
    return {
        "criterion": "LSC6",
        "group": Group.OPSG,
        "accepted": True,
        "rating": Rating.AMBER,
        "assessor": "OPSG Chair",
        "rationale": None,
        "actor": "opsg:Chair",
    }


def test_a_token_without_a_name_is_refused_naming_the_field(world: World) -> None:
    error = refusal(lambda: world.tokens.create(role=Role.OBSERVER, name=" ", actor="admin:root"))
    assert (type(error), error.message, error.details) == (
        InvalidAction,
        "a token needs a name saying who holds it",
        {"field": "name"},
    )
