"""Group decisions carried to the next version where their grounds stand, and reopened where they changed."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any, cast

import pytest
from msgspec import structs

from lsc_engine.access.policy import Role
from lsc_engine.committee import carrying
from lsc_engine.committee.carrying import Reopened, carry_forward
from lsc_engine.committee.gate import Assessment, with_confidentiality
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.core.evidence import Group
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import Ruleset
from lsc_engine.services import committee
from lsc_engine.store.models import Submission
from lsc_engine.store.transactions import Transaction

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


def _former_carry_forward(
    earlier: Evaluation,
    earlier_assessments: list[Assessment],
    later: Evaluation,
    own: list[Assessment],
    *,
    earlier_version: int,
) -> tuple[list[Assessment], list[Reopened]]:
    """Carry as before ``StandingAssessments``: each earlier assessment compared and copied on its own (reference)."""
    before = {(c.criterion, c.group): c for c in earlier.ratings}
    after = {(c.criterion, c.group): c for c in later.ratings}
    assessed = {(a.criterion, a.group) for a in own}
    carried: list[Assessment] = []
    reopened: list[Reopened] = []
    for assessment in earlier_assessments:
        key = (assessment.criterion, assessment.group)
        if key in assessed or key not in after:
            continue
        old, new = before.get(key), after[key]
        if old is not None and carrying._grounds(old) == carrying._grounds(new):
            origin = assessment.carried_from or earlier_version
            carried.append(assessment.model_copy(update={"carried_from": origin}))
            continue
        reopened.append(
            Reopened(
                criterion=new.criterion,
                criterion_name=new.criterion_name,
                group=new.group,
                earlier_version=earlier_version,
                decided=assessment.rating,
                proposed=new.rating,
                reason=carrying._why(old, new)
                if old is not None
                else "the criterion was not rated on the earlier version",
            )
        )
    return [*own, *carried], reopened


def _former_standing(tx: Transaction, submission: Submission) -> tuple[list[Assessment], list[Reopened]]:
    """Walk the versions as ``_standing`` did before ``StandingAssessments``, carrying as before (the reference)."""
    current: list[Assessment] = []
    reopened: list[Reopened] = []
    earlier: Evaluation | None = None
    for version, ident in tx.submissions.versions(submission.capability, through=submission.version):
        mine = tx.committee.assessments(ident)
        if not mine and not current:
            earlier, reopened = None, []
            continue
        history = [stored.evaluation for stored in tx.submissions.evaluations(ident)]
        mine = with_confidentiality(mine, history)
        latest = history[-1]
        if earlier is None or not current:
            current, reopened = mine, []
        else:
            current, reopened = _former_carry_forward(earlier, current, latest, mine, earlier_version=version - 1)
        earlier = latest
    return current, reopened


@dataclass
class _Records:
    """A capability's versions held in memory, answering what ``_standing`` asks of the store."""

    versions_from: int
    evaluations_of: list[Evaluation]
    assessments_of: list[list[Assessment]]

    def versions(self, capability: str, *, through: int) -> list[tuple[int, str]]:
        """Return every version, numbered from ``versions_from``, as (number, id)."""
        return [(self.versions_from + n, str(n)) for n in range(len(self.evaluations_of))]

    def evaluations(self, ident: str) -> list[SimpleNamespace]:
        """Return a version's one evaluation."""
        return [SimpleNamespace(evaluation=self.evaluations_of[int(ident)])]

    def assessments(self, ident: str) -> list[Assessment]:
        """Return the assessments recorded on a version itself."""
        return self.assessments_of[int(ident)]


def _stand(records: _Records, standing: Any) -> tuple[list[Assessment], list[Reopened]]:
    """Return the standing on the records' newest version, by the given walk."""
    tx = cast(Transaction, SimpleNamespace(submissions=records, committee=records))
    newest = records.versions_from + len(records.evaluations_of) - 1
    found: tuple[list[Assessment], list[Reopened]] = standing(
        tx, cast(Submission, SimpleNamespace(capability="C", version=newest))
    )
    return found


def _without(evaluation: Evaluation, key: tuple[str, Group]) -> Evaluation:
    """Return an evaluation that does not rate one criterion for one group."""
    return evaluation.model_copy(update={"ratings": [c for c in evaluation.ratings if (c.criterion, c.group) != key]})


def _new_evidence(evaluation: Evaluation, key: tuple[str, Group]) -> Evaluation:
    """Return an evaluation whose proposal for one cell keeps its rating but rests on new evidence."""
    ratings = [
        structs.replace(c, findings=[structs.replace(f, evidence=["INC-NEW"]) for f in c.findings])
        if (c.criterion, c.group) == key
        else c
        for c in evaluation.ratings
    ]
    return evaluation.model_copy(update={"ratings": ratings})


def _evaluations(ruleset: Ruleset) -> list[Evaluation]:
    """Return evaluations whose grounds differ cell by cell: the same, a rating changed, evidence changed, unrated."""
    first = evaluated(MDS, ruleset)
    return [
        first,
        first,
        evaluated(with_failed_bcdr_test(), ruleset),
        _new_evidence(first, ("LSC6", Group.OPSG)),
        _without(first, ("LSC8", Group.OPSG)),
    ]


def _history(chance: random.Random, evaluations: list[Evaluation]) -> _Records:
    """Return a random history: versions of random grounds, each with a few assessments, repeats of cells included."""
    changing = [("LSC6", Group.OPSG), ("LSC8", Group.OPSG), ("LSC9", Group.OPSG)]  # the cells the evaluations vary
    cells = [*((c.criterion, c.group) for c in evaluations[0].ratings[:4]), *changing]
    count = chance.randint(1, 7)
    assessments = [
        [
            decided(*chance.choice(cells), chance.choice(list(Rating)), chance.choice([None, None, 0, 1])).model_copy(
                update={"id": f"A{version}-{n}"}
            )
            for n in range(chance.choice([0, 0, 1, 3, 8]))
        ]
        for version in range(count)
    ]
    return _Records(chance.choice([0, 1, 1]), [chance.choice(evaluations) for _ in range(count)], assessments)


def _shown(found: tuple[list[Assessment], list[Reopened]]) -> object:
    """Return everything a standing shows, with which fields each assessment had set."""
    assessments, reopened = found
    return [(a, a.model_fields_set) for a in assessments], reopened


def test_carrying_by_cell_stands_as_carrying_each_assessment_did(ruleset: Ruleset) -> None:
    evaluations = _evaluations(ruleset)
    chance = random.Random(18)
    for _ in range(400):
        records = _history(chance, evaluations)
        assert _shown(_stand(records, committee._standing)) == _shown(_stand(records, _former_standing))
        earlier, later = chance.choice(evaluations), chance.choice(evaluations)
        before, own = records.assessments_of[0], records.assessments_of[-1]
        version = chance.randint(0, 3)
        assert _shown(carry_forward(earlier, before, later, own, earlier_version=version)) == _shown(
            _former_carry_forward(earlier, before, later, own, earlier_version=version)
        )


def test_each_version_compares_the_cells_once_and_each_assessment_is_copied_once(
    ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = evaluated(MDS, ruleset)
    cells = [(c.criterion, c.group) for c in first.ratings if not any(f.confidential for f in c.findings)][:10]
    counted = {"grounds": 0, "copies": 0}
    grounds, copy = carrying._grounds, Assessment.model_copy

    def counted_grounds(cell: Any) -> tuple[object, ...]:
        counted["grounds"] += 1
        return grounds(cell)

    def counted_copy(self: Assessment, *, update: dict[str, Any] | None = None, deep: bool = False) -> Assessment:
        counted["copies"] += 1
        return copy(self, update=update, deep=deep)

    monkeypatch.setattr(carrying, "_grounds", counted_grounds)
    monkeypatch.setattr(Assessment, "model_copy", counted_copy)
    for versions in (10, 40):
        # The same evidence submitted again and again, with 30 assessments a version's worth on the first.
        made = [decided(*cells[n % len(cells)], Rating.AMBER) for n in range(30 * versions)]
        records = _Records(1, [first] * versions, [made] + [[] for _ in range(versions - 1)])
        counted.update(grounds=0, copies=0)
        assessments, _ = _stand(records, committee._standing)
        assert len(assessments) == 30 * versions
        # Before, each version compared and copied every assessment: 2 x 30 x versions^2 and 30 x versions^2.
        assert counted == {"grounds": 2 * len(cells) * (versions - 1), "copies": 30 * versions}
