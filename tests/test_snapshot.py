"""The decision snapshot: typed, written as the same bytes as before, and old records still read."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from lsc_engine.access.policy import Principal, Role
from lsc_engine.access.redaction import Redactor
from lsc_engine.committee.conditions import ConditionState, Pause, Status
from lsc_engine.committee.gate import Assessment
from lsc_engine.committee.letter import html, markdown
from lsc_engine.committee.snapshot import Snapshot, snapshot
from lsc_engine.committee.views import DecisionView
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.core.evidence import ConditionKind, EvidencePack, Group
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import Ruleset
from lsc_engine.store.repositories.committee import stored_snapshot

from .conftest import FIXTURES
from .helpers import Submitted

GOLDEN = Path(__file__).resolve().parent / "golden"
RECEIVED = datetime(2020, 3, 6, 13, 0, tzinfo=UTC)


def inputs() -> tuple[Submitted, EvidencePack, Evaluation, list[Assessment], list[ConditionState]]:
    """Build a decision's inputs from the MOC MDS pack: confidential scope, assurance and risks, overrides, conditions.

    The flags are planted: the stored evaluation was made of a pack holding the HAN assurance confidential.
    """
    document = json.loads((FIXTURES / "seed-moc-mds-2020-03.json").read_text())
    document["scope"]["exclusions"][0]["confidential"] = True
    document["security"]["independent_assurance"]["confidential"] = True
    document["residual_risks"][1]["confidential"] = True
    pack = parse_pack(json.dumps(document).encode(), yaml_allowed=False)
    evaluation = Evaluation.model_validate_json((GOLDEN / "decision-evaluation.json").read_text())
    amber = [cell for cell in evaluation.ratings if cell.rating != Rating.GREEN]
    first, second, third = amber[0], amber[1], amber[-1]
    assessments = [
        _assessment("a1", first.criterion, first.group, first.rating, first.rating, accepted=True),
        _assessment("a2", second.criterion, second.group, second.rating, Rating.RED, accepted=False),
        _assessment("a3", third.criterion, third.group, third.rating, Rating.GREEN, accepted=True),
    ]
    conditions = [
        _condition(
            f"c{number}",
            condition.id,
            condition.kind,
            condition.owner,
            condition.criteria,
            condition.text,
            condition.due,
            condition.raised_by,
            confidential=condition.confidential,
        )
        for number, condition in enumerate(evaluation.conditions, 1)
    ]
    conditions.append(
        _condition(
            "c-manual",
            "manual-1",
            ConditionKind.ONGOING_REPORTING,
            Group.SSC,
            ["LSC10.3"],
            "Report \u201cmonthly\u201d on the HAN assurance",
            "every month",
            "manual",
            confidential=True,
            created_at=datetime(2020, 2, 1, tzinfo=UTC),
        )
    )
    submitted = Submitted("s-1", pack.statement.capability, pack.statement.cohort, 2, pack.statement.date, RECEIVED)
    return submitted, pack, evaluation, assessments, conditions


def _assessment(
    ident: str, criterion: str, group: Group, proposed: Rating, rating: Rating, *, accepted: bool
) -> Assessment:
    override = rating != proposed
    return Assessment(
        id=ident,
        criterion=criterion,
        group=group,
        accepted=accepted,
        proposed=proposed,
        rating=rating,
        override=override,
        assessor="Chair",
        rationale="The group's own reading of the evidence." if override else None,
    )


def _condition(
    ident: str,
    key: str,
    kind: ConditionKind,
    owner: Group,
    criteria: list[str],
    text: str,
    due: str,
    source: str,
    *,
    confidential: bool,
    created_at: datetime = RECEIVED,
) -> ConditionState:
    return ConditionState(
        id=ident,
        capability="MOC-MDS",
        key=key,
        kind=kind,
        owner=owner,
        criteria=criteria,
        text=text,
        due=due,
        due_date=None,
        source=source,
        created_at=created_at,
        status=Status.OPEN,
        pause=Pause.NOT_ARMED if kind == ConditionKind.PAUSE_TRIGGER else None,
        reports=[],
        next_report_due=None,
        report_overdue=False,
        overdue=False,
        history=[],
        confidential=confidential,
    )


def stored_bytes() -> str:
    """Return what a decision record stores for the inputs above."""
    built = snapshot(*inputs(), "recommend_with_conditions", date(2020, 3, 10), "Noted.", "e-1")
    return stored_snapshot(built)


def flat(value: Any, path: str = "") -> dict[str, Any]:
    """Flatten JSON into {path: leaf}, so that two documents compare leaf by leaf."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flat(item, f"{path}.{key}" if path else key).items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in flat(item, f"{path}[{i}]").items()}
    return {path: value}


def view(stored: str) -> DecisionView:
    """Read a stored snapshot into a decision, as a decision record is read."""
    return DecisionView(
        id="d-1",
        submission_id="s-1",
        evaluation_id="e-1",
        outcome="recommend_with_conditions",
        considered_on=date(2020, 3, 10),
        supersedes=None,
        superseded_by=None,
        actor="panel:Chair",
        recorded_at=datetime(2020, 3, 10, 15, 30, tzinfo=UTC),
        snapshot=json.loads(stored),
    )


def without_later_parts(stored: str) -> str:
    """Return a snapshot as records look that were written before the parts added since the first decisions."""
    document = json.loads(stored)
    for held in document["held_back"]:
        held.pop("evidence", None)
    for condition in document["conditions"]:
        condition.pop("origin", None)
    return json.dumps(document, sort_keys=True)


def without_confidential_flags(stored: str) -> str:
    """Return a snapshot as records written before items carried a confidential flag look."""
    document = json.loads(without_later_parts(stored))
    for entries in [*document["annex"].values(), *(document[name] for name in CONFIDENTIAL_LISTS)]:
        for entry in entries:
            del entry["confidential"]
    return json.dumps(document, sort_keys=True)


CONFIDENTIAL_LISTS = ("held_back", "conditions", "residual_risks")
SECTION_OWNERS = {"scope.exclusions": frozenset({Group.TAG, Group.OPSG}), "residual_risks": frozenset({Group.SSC})}


def test_a_decision_stores_the_same_bytes_as_before() -> None:
    assert stored_bytes() == (GOLDEN / "decision-snapshot.json").read_text()


def test_a_stored_snapshot_read_and_written_again_is_the_same_bytes() -> None:
    stored = (GOLDEN / "decision-snapshot.json").read_text()
    assert stored_snapshot(Snapshot.model_validate_json(stored)) == stored


@pytest.mark.parametrize("form", ["html", "md"])
def test_letters_read_from_a_stored_snapshot_are_unchanged(form: str) -> None:
    expected = (GOLDEN / f"decision-letter.{form}").read_text()
    decision = view((GOLDEN / "decision-snapshot.json").read_text())
    assert (html(decision) if form == "html" else markdown(decision)) == expected


@pytest.mark.parametrize("role", list(Role))
def test_redaction_withholds_and_discloses_what_it_should(role: Role) -> None:
    """As before the snapshot was typed, and also the held-back DMC names and who accepted a confidential risk."""
    stored = (GOLDEN / "decision-snapshot.json").read_text()
    expected = json.loads((GOLDEN / "decision-snapshot-redacted.json").read_text())[role.value]
    redactor = Redactor(Principal("t-1", "someone", role), SECTION_OWNERS)
    whole = flat(json.loads(stored))
    redacted = flat(redactor.decision(view(stored)).model_dump(mode="json")["snapshot"])
    assert redacted.keys() == whole.keys()
    assert {path: value for path, value in redacted.items() if value != whole[path]} == expected["changed"]
    assert sorted(redactor.disclosed) == expected["disclosed"]


def test_records_written_before_held_back_evidence_and_condition_origins_still_read() -> None:
    stored = without_later_parts((GOLDEN / "decision-snapshot.json").read_text())
    assert stored_snapshot(Snapshot.model_validate_json(stored)) == stored
    document = json.loads(stored)
    document["held_back"][0]["confidential"] = False
    letter = markdown(view(json.dumps(document)))
    assert "wait for the fix." in letter
    assert "The evidence:" not in letter


def test_records_written_before_the_confidential_flags_still_read() -> None:
    golden = (GOLDEN / "decision-snapshot.json").read_text()
    old = view(without_confidential_flags(golden))
    unflagged = json.loads(without_later_parts(golden))
    for entries in [*unflagged["annex"].values(), *(unflagged[name] for name in CONFIDENTIAL_LISTS)]:
        for entry in entries:
            entry["confidential"] = False
    assert html(old) == html(view(json.dumps(unflagged))), "an absent flag reads as not confidential"
    assert "confidential appendix" not in html(old)
    redactor = Redactor(Principal("t-1", "someone", Role.OBSERVER), SECTION_OWNERS)
    assert redactor.decision(old) == old, "nothing was flagged confidential then, so nothing is withheld"
    assert not redactor.disclosed


def test_a_stored_snapshot_reads_as_typed_parts_with_every_group_in_order() -> None:
    read = view((GOLDEN / "decision-snapshot.json").read_text()).snapshot
    assert list(read.annex) == list(read.accepted_by) == [Group.TAG, Group.OPSG, Group.SSC]
    entry = read.annex[Group.SSC][-1]
    assert (entry.criterion, entry.rating, entry.confidential) == ("LSC10.4", Rating.AMBER, True)
    assert read.held_back[0].confidential
    assert read.residual_risks[1].id == "RR-2"
    assert read.statement_date == date(2020, 3, 6)


def test_a_snapshot_without_a_group_or_with_an_unknown_field_is_refused() -> None:
    document = json.loads((GOLDEN / "decision-snapshot.json").read_text())
    del document["accepted_by"]["SSC"]
    with pytest.raises(ValidationError, match="no entry for SSC"):
        Snapshot.model_validate(document)
    document = json.loads((GOLDEN / "decision-snapshot.json").read_text())
    document["dmcs"][0]["meters"] = 3
    with pytest.raises(ValidationError, match=r"dmcs\.0\.meters"):
        Snapshot.model_validate(document)


def test_the_letter_and_the_evaluation_name_the_same_scope_and_origins(ruleset: Ruleset) -> None:
    submitted, pack, stored_before, assessments, _ = inputs()
    evaluation = evaluate(pack, ruleset, as_at=pack.statement.date)
    states = [
        _condition(f"c{n}", c.id, c.kind, c.owner, c.criteria, c.text, c.due, c.raised_by, confidential=False)
        for n, c in enumerate(evaluation.conditions, 1)
    ]
    built = snapshot(
        submitted, pack, evaluation, assessments, states, "recommend_with_conditions", date(2020, 3, 10), None, "e-2"
    )
    assert evaluation.scope is not None
    assert [d.id for d in built.dmcs] == [d.id for d in evaluation.scope.covered]
    assert [(h.dmcs, h.reason, [c.text for c in h.evidence]) for h in built.held_back] == [
        ([d.name for d in h.dmcs], h.reason, [e.text for e in h.evidence]) for h in evaluation.scope.held_back
    ]
    # An evaluation stored before it kept its scope gives the letter the same scope, worked out from the pack.
    assert stored_before.scope is None
    before = snapshot(
        submitted, pack, stored_before, assessments, states, "recommend_with_conditions", date(2020, 3, 10), None, "e-1"
    )
    assert (before.dmcs, before.held_back) == (built.dmcs, built.held_back)
    letter = markdown(view(stored_snapshot(built)))
    assert (
        "carried over from the approval of the first set of entries onto the EPCL (SSC, July 2019) and still unmet.*"
        in letter
    )
    # The exclusion is confidential here: the letter says only that the appendix gives its reasons.
    assert "consider part of the cohort at this time, for reasons set out in the confidential appendix." in letter
    assert "MDS electricity and gas, mixed installation" not in letter
    assert "Open Severity 3 defect, fix due 30 June 2020" not in letter, "the exclusion's evidence goes with it"
