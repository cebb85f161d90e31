"""The go-live gate: from the engine's proposal, the groups' decisions, the Panel's decision and the conditions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lsc_engine.committee.conditions import ConditionState, Pause
from lsc_engine.core.evaluation import Evaluation, Readiness
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.core.rating import Rating
from lsc_engine.core.words import RATING_WORDS, criterion_words, day_words

#: What the Panel may decide on a submission.
Outcome = Literal["recommend", "recommend_with_conditions", "do_not_recommend"]


class View(BaseModel):
    """Base of the gate's models."""

    model_config = ConfigDict(frozen=True)


class Assessment(View):
    """A group's current decision on one criterion."""

    id: str
    criterion: str
    group: Group
    accepted: bool
    proposed: Rating
    rating: Rating
    override: bool
    assessor: str
    rationale: str | None
    confidential: bool = Field(
        default=False,
        description="The cell rests on confidential evidence: the rationale is for its group and the Panel",
    )
    carried_from: int | None = Field(
        default=None,
        description="The earlier version this decision was recorded on, carried forward because nothing it "
        "rested on changed; None when recorded on this version",
    )
    recorded_at: datetime | None = Field(default=None, description="When the group recorded it")


class Revocation(View):
    """A group's withdrawal of its recommendation."""

    id: str
    group: Group
    reason: str
    actor: str


class DecisionSummary(View):
    """The Panel's current decision on a submission."""

    id: str
    outcome: Outcome
    considered_on: date


class CellDecision(View):
    """One criterion and group: the engine's proposal beside the group's decision."""

    criterion: str
    criterion_name: str
    group: Group
    proposed: Rating
    decided: Rating | None
    accepted: bool | None
    rating: Rating = Field(description="The decided rating where there is one, else the proposal")
    override: bool
    assessor: str | None
    rationale: str | None
    confidential: bool = Field(
        default=False,
        description="The cell rests on confidential evidence: the rationale is for its group and the Panel",
    )
    carried_from: int | None = Field(
        default=None, description="The earlier version the group's decision was carried forward from, if it was"
    )


class Blocker(View):
    """Something that stops go-live or migration now."""

    kind: Literal["rating", "condition", "revocation", "decision", "pause"]
    ref: str
    reason: str
    owner: Group | None = Field(default=None, description="The group a condition blocker belongs to")
    confidential: bool = Field(default=False, description="The reason is for the owner group and the Panel only")


class Gate(View):
    """Whether a step may happen now, and what stops it."""

    allowed: bool
    blockers: list[Blocker]


class GateResult(View):
    """The readiness of a capability now."""

    overall: Readiness
    ratings: list[CellDecision]
    go_live: Gate
    migration: Gate
    migration_paused: bool


def decide_cells(evaluation: Evaluation, assessments: list[Assessment]) -> list[CellDecision]:
    """Put each group's current decision beside the engine's proposal."""
    latest = {(a.criterion, a.group): a for a in assessments}
    cells = []
    for cell in evaluation.ratings:
        assessment = latest.get((cell.criterion, cell.group))
        cells.append(
            CellDecision(
                criterion=cell.criterion,
                criterion_name=cell.criterion_name,
                group=cell.group,
                proposed=cell.rating,
                decided=assessment.rating if assessment else None,
                accepted=assessment.accepted if assessment else None,
                rating=assessment.rating if assessment else cell.rating,
                override=assessment.override if assessment else False,
                assessor=assessment.assessor if assessment else None,
                rationale=assessment.rationale if assessment else None,
                carried_from=assessment.carried_from if assessment else None,
                confidential=any(f.confidential for f in cell.findings) or bool(assessment and assessment.confidential),
            )
        )
    return cells


def with_confidentiality(assessments: list[Assessment], evaluations: Iterable[Evaluation]) -> list[Assessment]:
    """Mark the assessments of cells that rest on confidential evidence in any of a submission's evaluations."""
    secret = {
        (cell.criterion, cell.group)
        for evaluation in evaluations
        for cell in evaluation.ratings
        if any(finding.confidential for finding in cell.findings)
    }
    return [a.model_copy(update={"confidential": True}) if (a.criterion, a.group) in secret else a for a in assessments]


def gate(
    evaluation: Evaluation,
    *,
    assessments: list[Assessment],
    revocations: list[Revocation],
    decision: DecisionSummary | None,
    conditions: list[ConditionState],
    earlier: tuple[int, DecisionSummary] | None = None,
) -> GateResult:
    """Say whether go-live and migration may happen now, and exactly what stops each.

    ``earlier``: when this version has no decision, the Panel's latest on an earlier version, with its number.
    """
    cells = decide_cells(evaluation, assessments)
    both: list[Blocker] = []
    for cell in cells:
        if cell.rating in (Rating.RED, Rating.INSUFFICIENT_EVIDENCE):
            whose = f"{cell.group.value}'s decision" if cell.decided else "the engine's proposal"
            rated = f"{criterion_words(cell.criterion)} is {RATING_WORDS[cell.rating]} for {cell.group.value}"
            reason = f"{rated} ({whose})"
            both.append(Blocker(kind="rating", ref=f"{cell.criterion}/{cell.group.value}", reason=reason))
    for revocation in revocations:
        reason = f"{revocation.group.value} revoked its recommendation: {revocation.reason}"
        both.append(Blocker(kind="revocation", ref=revocation.id, reason=reason))
    if decision is None and earlier is not None:
        version, before = earlier
        reason = (
            f"the Panel's decision of {day_words(before.considered_on)} was on version {version} of the evidence;"
            " this version needs a decision of its own"
        )
        both.append(Blocker(kind="decision", ref="panel", reason=reason))
    elif decision is None:
        both.append(Blocker(kind="decision", ref="panel", reason="the Panel has not recorded a decision"))
    elif decision.outcome == "do_not_recommend":
        reason = f"the Panel decided on {decision.considered_on} not to recommend go-live"
        both.append(Blocker(kind="decision", ref=decision.id, reason=reason))
    go_live = list(both)
    migration = list(both)
    paused = False
    for condition in conditions:
        if not condition.is_open:
            continue
        blocker = Blocker(
            kind="condition",
            ref=condition.key,
            reason=condition.text,
            owner=condition.owner,
            confidential=condition.confidential,
        )
        if condition.kind == ConditionKind.PREREQUISITE_GO_LIVE:
            go_live.append(blocker)
            migration.append(blocker)
        elif condition.kind == ConditionKind.PREREQUISITE_MIGRATION:
            migration.append(blocker)
        elif condition.kind == ConditionKind.PAUSE_TRIGGER and condition.pause == Pause.TRIGGERED:
            paused = True
            migration.append(
                Blocker(
                    kind="pause",
                    ref=condition.key,
                    reason=f"migration paused: {condition.text}",
                    owner=condition.owner,
                    confidential=condition.confidential,
                )
            )
    return GateResult(
        overall=_overall(cells, revocations, conditions, decision),
        ratings=cells,
        go_live=Gate(allowed=not go_live, blockers=go_live),
        migration=Gate(allowed=not migration, blockers=migration),
        migration_paused=paused,
    )


def _overall(
    cells: list[CellDecision],
    revocations: list[Revocation],
    conditions: list[ConditionState],
    decision: DecisionSummary | None,
) -> Readiness:
    worst = {cell.rating for cell in cells}
    refused = decision is not None and decision.outcome == "do_not_recommend"
    if revocations or refused or worst & {Rating.RED, Rating.INSUFFICIENT_EVIDENCE}:
        return Readiness.NOT_READY
    if Rating.AMBER in worst or any(condition.is_open for condition in conditions):
        return Readiness.READY_WITH_CONDITIONS
    return Readiness.READY
