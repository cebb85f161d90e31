"""Group decisions carried to the next version where their grounds stand, and reopened where they changed."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from msgspec import structs

from lsc_engine.access.policy import Role
from lsc_engine.committee.carrying import carry_forward
from lsc_engine.committee.gate import Assessment
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.core.evidence import Group
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.ruleset import Rating, Ruleset

from .auth import ActingClient, bearer
from .conftest import FIXTURES

MDS = json.loads((FIXTURES / "seed-moc-mds-2020-03.json").read_text())
AS_AT = date(2020, 3, 9)


def with_failed_bcdr_test() -> dict[str, Any]:
    """Return the MOC MDS pack with its BCDR test failed: only LSC 9's proposal changes."""
    document: dict[str, Any] = json.loads(json.dumps(MDS))
    document["bcdr"]["tests"][0]["result"] = "failed"
    return document


def evaluated(document: dict[str, Any], ruleset: Ruleset) -> Evaluation:
    """Evaluate a pack document as at the MOC MDS statement's date."""
    return evaluate(parse_pack(json.dumps(document).encode()), ruleset, as_at=AS_AT)


def decided(criterion: str, group: Group, rating: Rating, carried_from: int | None = None) -> Assessment:
    """Return a group's confirmed decision on a criterion."""
    return Assessment(
        id=f"{criterion}-{group.value}",
        criterion=criterion,
        group=group,
        accepted=True,
        proposed=rating,
        rating=rating,
        override=False,
        assessor="OPSG Chair",
        rationale=None,
        carried_from=carried_from,
    )


def test_unchanged_grounds_carry_and_changed_ones_reopen_with_the_reason(ruleset: Ruleset) -> None:
    first, second = evaluated(MDS, ruleset), evaluated(with_failed_bcdr_test(), ruleset)
    earlier = [decided("LSC6", Group.OPSG, Rating.AMBER), decided("LSC9", Group.OPSG, Rating.AMBER)]
    assessments, reopened = carry_forward(first, earlier, second, [], earlier_version=1)
    assert [(a.criterion, a.carried_from) for a in assessments] == [("LSC6", 1)]
    [lsc9] = reopened
    assert (lsc9.criterion, lsc9.group, lsc9.decided, lsc9.proposed) == ("LSC9", Group.OPSG, Rating.AMBER, Rating.RED)
    assert lsc9.reason == "the proposal changed from Amber to Red"


def test_a_decision_on_the_new_version_wins_and_a_carried_one_keeps_its_first_version(ruleset: Ruleset) -> None:
    first = evaluated(MDS, ruleset)
    earlier = [decided("LSC6", Group.OPSG, Rating.AMBER, carried_from=1), decided("LSC8", Group.OPSG, Rating.AMBER)]
    own = [decided("LSC8", Group.OPSG, Rating.RED)]
    assessments, reopened = carry_forward(first, earlier, first, own, earlier_version=2)
    assert [(a.criterion, a.rating, a.carried_from) for a in assessments] == [
        ("LSC8", Rating.RED, None),
        ("LSC6", Rating.AMBER, 1),
    ]
    assert reopened == []


def test_new_evidence_behind_an_unchanged_rating_reopens_the_decision(ruleset: Ruleset) -> None:
    document = json.loads(json.dumps(MDS))
    first = evaluated(document, ruleset)
    lsc6 = next(c for c in first.ratings if (c.criterion, c.group) == ("LSC6", Group.OPSG))
    later = first.model_copy(
        update={
            "ratings": [
                structs.replace(c, findings=[structs.replace(f, evidence=["INC-NEW"]) for f in c.findings])
                if c is lsc6
                else c
                for c in first.ratings
            ]
        }
    )
    _, reopened = carry_forward(first, [decided("LSC6", Group.OPSG, lsc6.rating)], later, [], earlier_version=1)
    assert [(r.criterion, r.reason) for r in reopened] == [("LSC6", "the evidence behind its findings changed")]


@pytest.mark.api
def test_a_new_version_keeps_the_decisions_whose_grounds_stand(client: ActingClient) -> None:
    first = client.post("/v1/submissions", content=json.dumps(MDS)).json()["submission"]["id"]
    for criterion in ("LSC6", "LSC8", "LSC9"):
        body = {"criterion": criterion, "group": "OPSG", "accepted": True, "rating": "amber", "assessor": "OPSG Chair"}
        assert client.post(f"/v1/submissions/{first}/assessments", json=body).status_code == 201
    second = client.post("/v1/submissions", content=json.dumps(with_failed_bcdr_test())).json()["submission"]
    assert second["version"] == 2
    readiness = client.get("/v1/readiness/MOC-MDS").json()
    cells = {(c["criterion"], c["group"]): c for c in readiness["gate"]["ratings"]}
    assert {
        key: (cells[key]["decided"], cells[key]["carried_from"]) for key in [("LSC6", "OPSG"), ("LSC8", "OPSG")]
    } == {
        ("LSC6", "OPSG"): ("amber", 1),
        ("LSC8", "OPSG"): ("amber", 1),
    }
    assert (cells[("LSC9", "OPSG")]["decided"], cells[("LSC9", "OPSG")]["proposed"]) == (None, "red")
    assert [(r["criterion"], r["earlier_version"], r["reason"]) for r in readiness["reopened"]] == [
        ("LSC9", 1, "the proposal changed from Amber to Red")
    ]
    carried = client.get(f"/v1/submissions/{second['id']}/assessments").json()
    assert sorted((a["criterion"], a["carried_from"]) for a in carried) == [("LSC6", 1), ("LSC8", 1)]
    shown = client.get(f"/submissions/{second['id']}", headers=bearer(client.tokens[Role.PANEL])).text
    assert "Reopened since version 1" in shown
    assert "(decided Amber): the proposal changed from Amber to Red." in shown
    assert shown.count("carried forward from version 1") == 2
    form = client.get(f"/submissions/{second['id']}/assess/OPSG", headers=bearer(client.tokens[Role.OPSG])).text
    assert form.count("version 1, carried forward") == 2


@pytest.mark.api
def test_a_new_version_says_the_panels_decision_was_on_the_earlier_one(client: ActingClient) -> None:
    first = client.post("/v1/submissions", content=json.dumps(MDS)).json()["submission"]["id"]
    decided = client.post(
        f"/v1/submissions/{first}/decisions",
        json={"outcome": "recommend_with_conditions", "considered_on": "2020-03-06"},
    )
    assert decided.status_code == 201, decided.text
    sent = client.post("/v1/submissions", content=json.dumps(with_failed_bcdr_test()))
    assert sent.status_code == 201, sent.text
    second = sent.json()["submission"]["id"]
    gate = client.get("/v1/readiness/MOC-MDS").json()["gate"]
    [panel] = [b for b in gate["go_live"]["blockers"] if b["kind"] == "decision"]
    assert panel["reason"] == (
        "the Panel's decision of 6 March 2020 was on version 1 of the evidence;"
        " this version needs a decision of its own"
    )
    page = client.get(f"/submissions/{second}/decision", headers=bearer(client.tokens[Role.PANEL])).text
    assert "was on version 1 of the evidence" in page
