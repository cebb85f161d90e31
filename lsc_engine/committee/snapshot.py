"""The snapshot a decision records: everything its letter says, as it stood when the Panel decided.

A decision record stores the snapshot as JSON with sorted keys, and the audit chain hashes those bytes:
the fields below are named and serialised exactly as the first decisions were written, and the flags
added later default to what their absence meant, so that every stored decision still reads.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, field_validator, model_serializer

from lsc_engine.committee.conditions import ConditionState, Status
from lsc_engine.committee.gate import Assessment, CellDecision, Outcome, decide_cells
from lsc_engine.core.evaluation import RESIDUAL_RISKS, Evaluation
from lsc_engine.core.evidence import ConditionKind, EvidencePack, Group, InstallationType, Level
from lsc_engine.core.rating import Rating
from lsc_engine.core.scope import scope_of
from lsc_engine.core.words import KIND_LABELS, tagged

Acceptance = Literal["accepted", "not accepted", "not recorded"]


class Part(BaseModel):
    """Base of the snapshot's parts: frozen, and no field that the stored form would not keep."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Fields added after the first decisions were recorded. Each is left out of the stored form while it holds
    #: its default (what its absence meant), so that a decision recorded before it is stored, and hashed, the same.
    added_later: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _added_later_only_when_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        """Write a field added later only when it differs from its default."""
        fields: dict[str, object] = handler(self)
        for name in self.added_later:
            if getattr(self, name) == type(self).model_fields[name].get_default(call_default_factory=True):
                fields.pop(name, None)
        return fields


class ScopedDmc(Part):
    """A Device Model Combination the decision covers."""

    id: str
    name: str
    installation_type: InstallationType
    confidential: bool = False

    added_later = frozenset({"confidential"})


class Cited(Part):
    """An item of evidence the letter cites, in words."""

    id: str
    section: str = Field(description="The pack section holding the item, whose owners may see it when confidential")
    text: str
    confidential: bool = False


class HeldBack(Part):
    """Part of the cohort the decision does not cover, why, and the evidence behind it."""

    dmcs: list[str]
    installation_type: InstallationType | None
    reason: str
    confidential: bool = False
    evidence: list[Cited] = Field(default_factory=list)

    added_later = frozenset({"evidence"})


class AttachedCondition(Part):
    """A condition attached to the decision, numbered as the letter lists it."""

    number: int
    id: str
    key: str
    kind: ConditionKind
    kind_label: str
    carried_over: bool
    owner: Group
    criteria: list[str]
    text: str
    due: str
    status: Status
    confidential: bool = False
    origin: str | None = Field(default=None, description="The earlier decision a carried-over condition comes from")

    added_later = frozenset({"origin"})


class Risk(Part):
    """A residual risk DCC stated."""

    id: str
    description: str
    likelihood: Level
    impact: Level
    mitigation: str | None
    accepted_by: str | None
    confidential: bool = False


class AnnexEntry(Part):
    """The Panel's note on one criterion of one group not rated green."""

    criterion: str
    name: str
    rating: Rating
    proposed: Rating
    decided: Rating | None
    accepted: bool | None
    override: bool
    assessor: str | None
    reason: str
    confidential: bool = False
    provisional: bool = Field(default=False, description="The criterion is the ruleset's own, not the Panel's")

    added_later = frozenset({"provisional"})


class ResidualView(Part):
    """One group's assessment of the residual risks, for the letter's paragraph on them."""

    group: Group
    rating: Rating
    proposed: Rating
    decided: Rating | None
    accepted: bool | None
    override: bool
    assessor: str | None
    reason: str = Field(description="Why it is not green, or the group's rationale; empty when green as proposed")
    subject_to: list[int] = Field(description="The numbers of the attached conditions the group owns")
    confidential: bool = False


class Snapshot(Part):
    """Everything a decision's letter says."""

    capability: str
    cohort: str
    version: int
    submission_id: str
    statement_date: date
    evaluation_id: str
    as_at: date
    ruleset_digest: str
    outcome: Outcome
    considered_on: date
    notes: str | None
    dmcs: list[ScopedDmc]
    held_back: list[HeldBack]
    conditions: list[AttachedCondition]
    residual_risks: list[Risk]
    annex: dict[Group, list[AnnexEntry]]
    accepted_by: dict[Group, Acceptance]
    residual_assessments: list[ResidualView] | None = Field(
        default=None,
        description="Each group's assessment of the residual risks; absent from decisions on evaluations that "
        "rated them as an SSC sub-criterion, whose annex notes them under SSC",
    )

    added_later = frozenset({"residual_assessments"})

    @field_validator("annex", "accepted_by")
    @classmethod
    def _every_group_in_order(cls, value: dict[Group, object]) -> dict[Group, object]:
        """Hold one entry per group, in the groups' order (stored JSON has them in name order)."""
        missing = [group.value for group in Group if group not in value]
        if missing:
            raise ValueError(f"no entry for {', '.join(missing)}")
        return {group: value[group] for group in Group}


class Submitted(Protocol):
    """What the snapshot needs to know of the submission decided on."""

    @property
    def id(self) -> str: ...
    @property
    def capability(self) -> str: ...
    @property
    def cohort(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def statement_date(self) -> date: ...
    @property
    def received_at(self) -> datetime: ...


def _acceptance(cells: list[CellDecision], group: Group) -> Acceptance:
    """Say whether a group accepted DCC's statement on every criterion it assessed."""
    recorded = [cell.accepted for cell in cells if cell.group == group and cell.accepted is not None]
    if not recorded:
        return "not recorded"
    return "accepted" if all(recorded) else "not accepted"


def _reason(evaluation: Evaluation, cell: CellDecision) -> str:
    """Say why a cell is rated as it is: the group's rationale, then the findings unless the group departed."""
    findings = next(c.findings for c in evaluation.ratings if (c.criterion, c.group) == (cell.criterion, cell.group))
    messages = [tagged(f.message, f.provisional) for f in findings if f.rating != Rating.GREEN]
    return " ".join(([cell.rationale] if cell.rationale else []) + ([] if cell.override else messages))


def _annex(evaluation: Evaluation, cells: list[CellDecision]) -> dict[Group, list[AnnexEntry]]:
    """Write a note on every cell not rated green, under its group; the residual risks have a paragraph instead."""
    provisional = evaluation.provisional_criteria()
    annex: dict[Group, list[AnnexEntry]] = {group: [] for group in Group}
    for cell in cells:
        if cell.rating == Rating.GREEN or cell.criterion == RESIDUAL_RISKS:
            continue
        annex[cell.group].append(
            AnnexEntry(
                criterion=cell.criterion,
                name=cell.criterion_name,
                rating=cell.rating,
                proposed=cell.proposed,
                decided=cell.decided,
                accepted=cell.accepted,
                override=cell.override,
                assessor=cell.assessor,
                reason=_reason(evaluation, cell) or "No reason was recorded.",
                confidential=cell.confidential,
                provisional=cell.criterion in provisional,
            )
        )
    return annex


def _residual(
    evaluation: Evaluation, cells: list[CellDecision], conditions: list[AttachedCondition]
) -> list[ResidualView] | None:
    """Gather each group's assessment of the residual risks, or None when the evaluation rated none."""
    views = [
        ResidualView(
            group=cell.group,
            rating=cell.rating,
            proposed=cell.proposed,
            decided=cell.decided,
            accepted=cell.accepted,
            override=cell.override,
            assessor=cell.assessor,
            reason=_reason(evaluation, cell),
            subject_to=[c.number for c in conditions if c.owner == cell.group],
            confidential=cell.confidential,
        )
        for cell in cells
        if cell.criterion == RESIDUAL_RISKS
    ]
    return views or None


def snapshot(
    submission: Submitted,
    pack: EvidencePack,
    evaluation: Evaluation,
    assessments: list[Assessment],
    conditions: list[ConditionState],
    outcome: Outcome,
    considered_on: date,
    notes: str | None,
    evaluation_id: str,
) -> Snapshot:
    """Gather everything the letter says, as it stood when the decision was recorded.

    The scope is the evaluation's own (worked out again from the pack for an evaluation stored before it kept
    one), so that the letter and the evaluation name the same DMCs, held back for the same reasons.
    """
    scope = evaluation.scope or scope_of(pack, evaluation.as_at)
    origins = {c.id: c.origin.words() for c in evaluation.conditions if c.origin is not None}
    cells = decide_cells(evaluation, assessments)
    decided = Snapshot(
        capability=submission.capability,
        cohort=submission.cohort,
        version=submission.version,
        submission_id=submission.id,
        statement_date=submission.statement_date,
        evaluation_id=evaluation_id,
        as_at=evaluation.as_at,
        ruleset_digest=evaluation.ruleset_digest,
        outcome=outcome,
        considered_on=considered_on,
        notes=notes,
        dmcs=[
            ScopedDmc(id=d.id, name=d.name, installation_type=d.installation_type, confidential=d.confidential)
            for d in scope.covered
        ],
        held_back=[
            HeldBack(
                dmcs=[d.name for d in held.dmcs],
                installation_type=held.installation_type,
                reason=held.reason,
                confidential=held.confidential or any(d.confidential for d in held.dmcs),
                evidence=[
                    Cited(id=e.id, section=e.section, text=e.text, confidential=e.confidential) for e in held.evidence
                ],
            )
            for held in scope.held_back
        ],
        conditions=[
            AttachedCondition(
                number=number,
                id=c.id,
                key=c.key,
                kind=c.kind,
                kind_label=KIND_LABELS[c.kind.value],
                carried_over=c.source.startswith("carried over") or c.created_at < submission.received_at,
                owner=c.owner,
                criteria=c.criteria,
                text=c.text,
                due=c.due,
                status=c.status,
                confidential=c.confidential,
                origin=origins.get(c.key),
            )
            for number, c in enumerate(conditions, 1)
        ],
        residual_risks=[
            Risk(
                id=r.id,
                description=r.description,
                likelihood=r.likelihood,
                impact=r.impact,
                mitigation=r.mitigation,
                accepted_by=r.accepted_by,
                confidential=r.confidential,
            )
            for r in pack.residual_risks or []
        ],
        annex=_annex(evaluation, cells),
        accepted_by={group: _acceptance(cells, group) for group in Group},
    )
    return decided.model_copy(update={"residual_assessments": _residual(evaluation, cells, decided.conditions)})
