"""TAG's paragraph on the test phases: which met their entry and exit criteria, the exceptions, TAG's view."""

from __future__ import annotations

from lsc_engine.committee.letter_text import AppendixEntry, Evidence, listed
from lsc_engine.committee.plain import counted, lower_first, sentence_case
from lsc_engine.committee.snapshot import Snapshot
from lsc_engine.core.evidence import Group
from lsc_engine.core.evidence.testing import PhaseStatus, TestingIssue, TestPhase
from lsc_engine.core.words import day_words


def testing_paragraph(snapshot: Snapshot, evidence: Evidence | None) -> tuple[str, list[AppendixEntry]]:
    """Write TAG's paragraph on the test phases: which met their entry and exit criteria, and any exceptions."""
    accepted = snapshot.accepted_by[Group.TAG]
    view = {
        "accepted": "TAG accepted DCC's statement of readiness for the criteria in its remit.",
        "not accepted": "TAG did not accept DCC's statement of readiness for every criterion in its remit.",
        "not recorded": "TAG has not yet recorded its own assessment.",
    }[accepted]
    testing = evidence.pack.testing if evidence is not None else None
    if testing is None or not testing.phases:
        return f"DCC's evidence reports no test phases. {view}", []
    owners = sorted(evidence.section_owners.get("testing.phases", frozenset({Group.TAG})) if evidence else [Group.TAG])
    public = [phase for phase in testing.phases if not phase.confidential]
    secret = [phase for phase in testing.phases if phase.confidential]
    parts: list[str] = []
    met = [p for p in public if p.status == PhaseStatus.COMPLETE and p.entry_criteria_met and p.exit_criteria_met]
    unmet = [
        p for p in public if p.status == PhaseStatus.COMPLETE and not (p.entry_criteria_met and p.exit_criteria_met)
    ]
    unfinished = [p for p in public if p.status != PhaseStatus.COMPLETE]
    if met:
        names = listed([_phase_words(p) for p in met])
        every = "each phase" if len(met) > 1 else "the phase"
        if accepted == "accepted":
            said = f"TAG has reviewed DCC's completion reports for {names}, and has confirmed that {every} met"
        else:  # TAG has not confirmed it: the reports say so
            said = f"DCC's completion reports for {names} state that {every} met"
        parts.append(f"{said} its entry and exit criteria.")
    if unmet:
        parts.append(
            f"{listed([p.name for p in unmet])} did not meet {'their' if len(unmet) > 1 else 'its'} entry or exit "
            "criteria."
        )
    if unfinished:
        parts.append(
            f"{listed([p.name for p in unfinished])} {'are' if len(unfinished) > 1 else 'is'} not yet complete."
        )
    for phase in public:
        if phase.regression and phase.executed is not None and phase.passed is not None:
            if phase.passed == phase.executed:
                parts.append(f"Every one of the {phase.executed} regression tests passed.")
            else:
                parts.append(f"{phase.passed} of {phase.executed} regression tests passed.")
    parts += _exceptions(testing.issues, {p.id: p.name for p in testing.phases})
    parts.append(view)
    appendix = [
        AppendixEntry(
            ref=phase.id,
            heading=f"Test phase: {phase.name}",
            text=(
                f"{_phase_words(phase)}: {phase.status.value.replace('_', ' ')}; entry criteria "
                f"{'met' if phase.entry_criteria_met else 'not met'}, exit criteria "
                f"{'met' if phase.exit_criteria_met else 'not met'}."
            ),
            owners=owners,
        )
        for phase in secret
    ]
    if secret:
        parts.insert(
            len(parts) - 1,
            sentence_case(
                f"{counted(len(secret), 'further phase')} {'is' if len(secret) == 1 else 'are'} covered in the "
                "confidential appendix"
            ),
        )
    return " ".join(parts), appendix


def _phase_words(phase: TestPhase) -> str:
    done = f" (completed {day_words(phase.completed_on)})" if phase.completed_on else ""
    return f"{phase.name}{done}"


def _exceptions(issues: list[TestingIssue], phases: dict[str, str]) -> list[str]:
    """Say each testing issue accepted as an exception, and each exception only asked for (not TAG's)."""
    said = []
    for issue in issues:
        if issue.confidential or issue.exception is None or issue.resolved:
            continue
        by = issue.exception.accepted_by
        where = phases.get(issue.phase_id, "testing")
        impact = "no" if not issue.user_impact else "some"
        if by.strip().upper() == "TAG":
            said.append(
                f"TAG accepted one Severity {issue.severity} testing issue in {where} as an exception, "
                f"with {impact} impact on users ({lower_first(issue.exception.rationale.rstrip('.'))})."
            )
        else:
            said.append(
                f"{by} asked for one Severity {issue.severity} testing issue in {where} to be accepted as an "
                "exception; TAG has not yet accepted it."
            )
    return said
