"""Residual risks: a section of their own after LSC 10, which TAG, OPSG and SSC each assess, with a letter paragraph."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lsc_engine.access.policy import Principal, Role
from lsc_engine.access.redaction import Redactor
from lsc_engine.committee import letter
from lsc_engine.committee.conditions import ConditionState, Pause, Status
from lsc_engine.committee.gate import Assessment
from lsc_engine.committee.snapshot import snapshot
from lsc_engine.committee.views import DecisionView
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evaluation import RESIDUAL_RISKS, Evaluation
from lsc_engine.core.evidence import ConditionKind, EvidencePack, Group
from lsc_engine.core.loading import parse_pack, read_pack
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import Ruleset
from lsc_engine.core.words import PROVISIONAL_LEGEND, PROVISIONAL_TAG
from lsc_engine.store.repositories.committee import stored_snapshot

from .conftest import FIXTURES
from .helpers import Submitted

MDS = FIXTURES / "seed-moc-mds-2020-03.json"
UNMITIGATED = FIXTURES / "synthetic-unmitigated-high-residual-risk.json"
ALL_GREEN = FIXTURES / "synthetic-all-green.json"
RECEIVED = datetime(2020, 3, 6, 13, 0, tzinfo=UTC)


def assessed(group: Group, rating: Rating, *, accepted: bool, rationale: str | None = None) -> Assessment:
    """Return a group's assessment of the residual risks, proposed green."""
    return Assessment(
        id=f"a-{group.value}",
        criterion=RESIDUAL_RISKS,
        group=group,
        accepted=accepted,
        proposed=Rating.GREEN,
        rating=rating,
        override=rating != Rating.GREEN,
        assessor=f"{group.value} Chair",
        rationale=rationale,
    )


def attached(evaluation: Evaluation) -> list[ConditionState]:
    """Register every condition the evaluation raised, as the workflow does, to attach to a decision."""
    return [
        ConditionState(
            id=f"c{number}",
            capability=evaluation.capability,
            key=condition.id,
            kind=condition.kind,
            owner=condition.owner,
            criteria=condition.criteria,
            text=condition.text,
            due=condition.due,
            due_date=None,
            source=condition.raised_by,
            created_at=RECEIVED,
            status=Status.OPEN,
            pause=Pause.NOT_ARMED if condition.kind == ConditionKind.PAUSE_TRIGGER else None,
            reports=[],
            next_report_due=None,
            report_overdue=False,
            overdue=False,
            history=[],
            confidential=condition.confidential,
        )
        for number, condition in enumerate(evaluation.conditions, 1)
    ]


def decided(pack: EvidencePack, evaluation: Evaluation, assessments: list[Assessment]) -> DecisionView:
    """Record a decision with every raised condition attached, and read it back as stored."""
    submitted = Submitted("s-1", pack.statement.capability, pack.statement.cohort, 1, pack.statement.date, RECEIVED)
    built = snapshot(
        submitted,
        pack,
        evaluation,
        assessments,
        attached(evaluation),
        "recommend_with_conditions" if evaluation.conditions else "do_not_recommend",
        pack.statement.date,
        None,
        "e-1",
    )
    return DecisionView(
        id="d-1",
        submission_id="s-1",
        evaluation_id="e-1",
        outcome=built.outcome,
        considered_on=built.considered_on,
        supersedes=None,
        superseded_by=None,
        actor="panel:Chair",
        recorded_at=datetime(2020, 3, 10, 15, 30, tzinfo=UTC),
        snapshot=json.loads(stored_snapshot(built)),
    )


def evaluated(path: Path, ruleset: Ruleset) -> tuple[EvidencePack, Evaluation]:
    pack = read_pack(path)
    return pack, evaluate(pack, ruleset, as_at=pack.statement.date)


def test_every_group_rates_the_residual_risks_after_lsc10(ruleset: Ruleset) -> None:
    _, result = evaluated(MDS, ruleset)
    cells = [(c.criterion, c.group) for c in result.ratings]
    assert cells[-3:] == [(RESIDUAL_RISKS, Group.TAG), (RESIDUAL_RISKS, Group.OPSG), (RESIDUAL_RISKS, Group.SSC)]
    assert cells.index(("LSC10.6", Group.SSC)) == len(cells) - 4
    assert "LSC10.5" not in {criterion for criterion, _ in cells}
    for cell in result.ratings[-3:]:
        assert cell.rating == Rating.GREEN
        assert cell.parent is None
        [finding] = cell.findings
        # SSC accepted on the terms the pack states, as the letter records; TAG and OPSG without terms.
        terms = ", subject to its LSC 10 conditions" if cell.group == Group.SSC else ""
        assert finding.message == (
            "3 residual risks stated, 3 with a mitigation; none is high without one,"
            f" and {cell.group.value} has accepted each{terms}."
        )
    bases = {c.group: c.findings[0].basis for c in result.ratings[-3:]}
    assert "TAG supported the assessments and accepted the mitigations" in bases[Group.TAG]
    assert "OPSG supported the assessments and accepted the mitigations" in bases[Group.OPSG]
    assert "subject to the conditions set in relation to LSC 10" in bases[Group.SSC]
    assert RESIDUAL_RISKS not in result.provisional_criteria(), "the Panel's letter has the section"


@pytest.mark.parametrize(
    ("accepted_by", "green"),
    [("DCC; SSC", {Group.SSC}), ("DCC", set()), ("DCC; OPSG; TAG", {Group.OPSG, Group.TAG})],
)
def test_only_a_groups_own_acceptance_makes_its_residual_risk_cell_green(
    ruleset: Ruleset, accepted_by: str, green: set[Group]
) -> None:
    document = json.loads(ALL_GREEN.read_text())
    for risk in document["residual_risks"]:
        risk["accepted_by"] = accepted_by
    pack = parse_pack(json.dumps(document).encode())
    result = evaluate(pack, ruleset, as_at=pack.statement.date)
    others = accepted_by.replace("; ", " and ") if accepted_by.count(";") < 2 else "DCC, OPSG and TAG"
    for cell in result.ratings[-3:]:
        [finding] = cell.findings
        if cell.group in green:
            assert cell.rating == Rating.GREEN
            assert finding.message.endswith(f"and {cell.group.value} has accepted each.")
        else:
            assert cell.rating == Rating.AMBER, cell.group
            assert finding.message == (
                f"1 residual risk not yet accepted by {cell.group.value}: the pack records acceptance only"
                f" by {others}, a proposal awaiting {cell.group.value}'s own acceptance."
            )
            assert finding.provisional


def test_a_new_decision_says_what_each_group_made_of_the_residual_risks(ruleset: Ruleset) -> None:
    pack, result = evaluated(MDS, ruleset)
    decision = decided(
        pack,
        result,
        [assessed(Group.TAG, Rating.GREEN, accepted=True), assessed(Group.SSC, Rating.GREEN, accepted=True)],
    )
    read = decision.snapshot
    assert all(note.criterion != RESIDUAL_RISKS for notes in read.annex.values() for note in notes)
    assert read.residual_assessments is not None
    views = {view.group: view for view in read.residual_assessments}
    assert list(views) == [Group.TAG, Group.OPSG, Group.SSC]
    assert (views[Group.TAG].accepted, views[Group.OPSG].accepted) == (True, None)
    assert views[Group.TAG].subject_to == views[Group.OPSG].subject_to == []
    assert views[Group.SSC].subject_to == [1, 2, 3, 4], "SSC owns every condition of MOC MDS, all on LSC 10"
    text = letter.markdown(decision)
    paragraph = text[text.index("### Residual risks") :]
    assert paragraph.splitlines()[2] == (
        "DCC set out three residual risks in its statement, assessed all of them as of low likelihood, and "
        "provided a mitigation for each. TAG supports these assessments and accepts the mitigations. SSC accepts "
        "DCC's statement of readiness, subject to conditions 1, 2, 3 and 4. OPSG has not yet recorded its "
        "assessment of the residual risks."
    )
    assert text.index("LSC 10.6 - Recent issues to be addressed") < text.index("### Residual risks")
    page = letter.html(decision)
    assert "<h2>Residual risks</h2>\n<p>DCC set out three residual risks in its statement" in page


def test_a_group_not_accepting_a_high_unmitigated_risk_says_why_in_the_paragraph(ruleset: Ruleset) -> None:
    pack, result = evaluated(UNMITIGATED, ruleset)
    assert [c.rating for c in result.ratings if c.criterion == RESIDUAL_RISKS] == [Rating.RED] * 3
    opsg = assessed(Group.OPSG, Rating.RED, accepted=False, rationale="OPSG cannot accept shared credentials.")
    decision = decided(pack, result, [opsg.model_copy(update={"proposed": Rating.RED, "override": False})])
    text = letter.markdown(decision)
    paragraph = text[text.index("### Residual risks") :]
    assert (
        "DCC set out two residual risks in its statement, assessed their likelihood as high and low, and provided "
        "a mitigation for one of them."
    ) in paragraph
    assert (
        "OPSG did not accept DCC's assessment of the residual risks and rated them Red. OPSG cannot accept "
        "shared credentials. 1 high-likelihood or high-impact residual risk has no mitigation for OPSG to accept. "
        f"{PROVISIONAL_TAG}"
    ) in paragraph
    assert (
        "TAG and SSC have not yet recorded their assessment of the residual risks; the evidence suggests Red. "
        "1 high-likelihood or high-impact residual risk has no mitigation for TAG and SSC to accept."
    ) in paragraph, "what is the same for two groups is said once"
    assert "for SSC to accept" not in paragraph
    assert "risk(s)" not in paragraph
    assert PROVISIONAL_LEGEND in text, "a provisional reason in the paragraph alone brings the legend"


def test_a_confidential_residual_risk_keeps_each_groups_reason_to_that_group(ruleset: Ruleset) -> None:
    document = json.loads(UNMITIGATED.read_text())
    document["residual_risks"][1]["confidential"] = True
    pack = parse_pack(json.dumps(document).encode())
    decision = decided(pack, evaluate(pack, ruleset, as_at=pack.statement.date), [])
    owners = {"residual_risks": frozenset(Group)}
    for role, shown in ((Role.TAG, {Group.TAG}), (Role.OBSERVER, set()), (Role.PANEL, set(Group))):
        redactor = Redactor(Principal("t-1", "someone", role), owners)
        views = redactor.decision(decision).snapshot.residual_assessments or []
        reasons = {view.group: view.reason for view in views}
        assert {g for g, reason in reasons.items() if "no mitigation" in reason} == shown, role
        assert all(reasons[g].startswith("[confidential: shown to") for g in set(Group) - shown), role
        cells = {item for item in redactor.disclosed if item.startswith("RR/")}
        assert cells == {f"RR/{g.value}" for g in shown}, role


@pytest.mark.parametrize("stored", ["decision-snapshot.json"])
def test_a_decision_recorded_before_the_section_reads_without_a_paragraph(stored: str) -> None:
    golden = Path(__file__).resolve().parent / "golden" / stored
    document = json.loads(golden.read_text())
    assert "residual_assessments" not in document
    view = DecisionView(
        id="d-1",
        submission_id="s-1",
        evaluation_id="e-1",
        outcome="recommend_with_conditions",
        considered_on=date(2020, 3, 10),
        supersedes=None,
        superseded_by=None,
        actor="panel:Chair",
        recorded_at=datetime(2020, 3, 10, 15, 30, tzinfo=UTC),
        snapshot=document,
    )
    assert view.snapshot.residual_assessments is None
    assert "### Residual risks" not in letter.markdown(view)
    assert stored_snapshot(view.snapshot) == golden.read_text(), "stored again as the same bytes"


def test_a_group_accepting_risks_it_rates_amber_or_none_at_all_is_not_said_to_support_mitigations(
    ruleset: Ruleset,
) -> None:
    pack, result = evaluated(MDS, ruleset)
    opsg = assessed(Group.OPSG, Rating.AMBER, accepted=True)
    text = letter.markdown(decided(pack, result, [opsg]))
    paragraph = text[text.index("### Residual risks") :]
    assert "OPSG accepted DCC's statement on them but rated them Amber." in paragraph
    assert "OPSG supports" not in paragraph
    empty = pack.model_copy(update={"residual_risks": []})
    tag = assessed(Group.TAG, Rating.GREEN, accepted=True)
    text = letter.markdown(decided(empty, evaluate(empty, ruleset, as_at=empty.statement.date), [tag]))
    paragraph = text[text.index("### Residual risks") :]
    assert paragraph.startswith(
        "### Residual risks\n\nDCC set out no residual risks in its statement. TAG accepts DCC's"
    )
    assert "mitigations" not in paragraph, "with no risks there are no mitigations to accept"
