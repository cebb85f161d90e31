"""The snapshot a decision records: everything its letter says, as it stood when the Panel decided."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from lsc_engine.committee.conditions import ConditionState
from lsc_engine.committee.gate import Assessment, CellDecision, decide_cells
from lsc_engine.committee.views import Outcome
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.core.evidence import EvidencePack, Group
from lsc_engine.core.ruleset import Rating
from lsc_engine.core.words import KIND_LABELS


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


def _acceptance(cells: list[CellDecision], group: Group) -> str:
    """Say whether a group accepted DCC's statement on every criterion it assessed."""
    recorded = [cell.accepted for cell in cells if cell.group == group and cell.accepted is not None]
    if not recorded:
        return "not recorded"
    return "accepted" if all(recorded) else "not accepted"


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
) -> dict[str, Any]:
    """Gather everything the letter says, as it stood when the decision was recorded."""
    excluded_ids = {dmc_id for exclusion in pack.scope.exclusions for dmc_id in exclusion.dmc_ids}
    excluded_types = {e.installation_type for e in pack.scope.exclusions if e.installation_type and not e.dmc_ids}
    names = {dmc.id: dmc.name for dmc in pack.scope.dmcs}
    cells = decide_cells(evaluation, assessments)
    findings = {(c.criterion, c.group): c.findings for c in evaluation.ratings}
    annex: dict[str, list[dict[str, Any]]] = {group.value: [] for group in Group}
    for cell in cells:
        if cell.rating == Rating.GREEN:
            continue
        messages = [f.message for f in findings[(cell.criterion, cell.group)] if f.rating != Rating.GREEN]
        reasons = ([cell.rationale] if cell.rationale else []) + ([] if cell.override else messages)
        annex[cell.group.value].append(
            {
                "criterion": cell.criterion,
                "name": cell.criterion_name,
                "rating": cell.rating.value,
                "proposed": cell.proposed.value,
                "decided": cell.decided.value if cell.decided else None,
                "accepted": cell.accepted,
                "override": cell.override,
                "assessor": cell.assessor,
                "reason": " ".join(reasons) or "No reason was recorded.",
                "confidential": any(f.confidential for f in findings[(cell.criterion, cell.group)]),
            }
        )
    return {
        "capability": submission.capability,
        "cohort": submission.cohort,
        "version": submission.version,
        "submission_id": submission.id,
        "statement_date": submission.statement_date.isoformat(),
        "evaluation_id": evaluation_id,
        "as_at": evaluation.as_at.isoformat(),
        "ruleset_digest": evaluation.ruleset_digest,
        "outcome": outcome,
        "considered_on": considered_on.isoformat(),
        "notes": notes,
        "dmcs": [
            {"id": d.id, "name": d.name, "installation_type": d.installation_type.value}
            for d in pack.scope.dmcs
            if d.id not in excluded_ids and d.installation_type not in excluded_types
        ],
        "held_back": [
            {
                "dmcs": [names.get(i, i) for i in e.dmc_ids],
                "installation_type": e.installation_type.value if e.installation_type else None,
                "reason": e.reason,
                "confidential": e.confidential,
            }
            for e in pack.scope.exclusions
        ],
        "conditions": [
            {
                "number": number,
                "id": c.id,
                "key": c.key,
                "kind": c.kind.value,
                "kind_label": KIND_LABELS[c.kind.value],
                "carried_over": c.source.startswith("carried over") or c.created_at < submission.received_at,
                "owner": c.owner.value,
                "criteria": c.criteria,
                "text": c.text,
                "due": c.due,
                "status": c.status.value,
                "confidential": c.confidential,
            }
            for number, c in enumerate(conditions, 1)
        ],
        "residual_risks": [
            {
                "id": r.id,
                "description": r.description,
                "likelihood": r.likelihood.value,
                "impact": r.impact.value,
                "mitigation": r.mitigation,
                "accepted_by": r.accepted_by,
                "confidential": r.confidential,
            }
            for r in pack.residual_risks or []
        ],
        "annex": annex,
        "accepted_by": {group.value: _acceptance(cells, group) for group in Group},
    }
