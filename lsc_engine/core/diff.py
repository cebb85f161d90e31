"""Differences between two evaluations: which ratings changed, and whether evidence, rules or the date did it."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from lsc_engine.core.evaluation import Evaluation, Readiness
from lsc_engine.core.evidence import Group
from lsc_engine.core.rating import Rating


class Cause(StrEnum):
    """What can change a rating between two evaluations."""

    EVIDENCE = "evidence"
    RULES = "rules"
    AS_AT = "as_at"
    OVERRIDE = "override"


class Out(BaseModel):
    """Base of the diff's models."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class RatingChange(Out):
    """One (criterion, group) whose rating differs, with the findings that came and went."""

    criterion: str
    group: Group
    before: Rating | None
    after: Rating | None
    causes: list[Cause]
    findings_added: list[str]
    findings_removed: list[str]
    explanation: str
    confidential: bool = Field(
        default=False,
        description="The cell rests on confidential evidence: the explanation is for its group and the Panel",
    )


class Side(Out):
    """What one side of a diff was evaluated from."""

    evaluation_id: str
    input_digest: str
    ruleset_digest: str
    as_at: date
    overall: Readiness


class Diff(Out):
    """Every rating that differs between two evaluations and why."""

    before: Side
    after: Side
    differing: list[Cause]
    overall_changed: bool
    changes: list[RatingChange]
    conditions_added: list[str]
    conditions_removed: list[str]
    overrides: list[RatingChange] = Field(
        default_factory=list, description="Where a group's decision departs from the later side's proposal"
    )
    revised: list[RatingChange] = Field(
        default_factory=list,
        description="Cells whose rating stayed the same but whose findings say something else",
    )


class Override(Out):
    """A group's decision that departs from the engine's proposal."""

    criterion: str
    group: Group
    proposed: Rating
    decided: Rating
    assessor: str
    rationale: str | None


def _secret_cells(*evaluations: Evaluation) -> set[tuple[str, Group]]:
    """Return the cells whose findings rest on confidential evidence in any of these evaluations."""
    return {
        (cell.criterion, cell.group)
        for evaluation in evaluations
        for cell in evaluation.ratings
        if any(finding.confidential for finding in cell.findings)
    }


def override_changes(after: Evaluation, overrides: list[Override]) -> list[RatingChange]:
    """Describe each group override of the later evaluation's proposals as a change caused by the override."""
    proposed = {(cell.criterion, cell.group): cell.rating for cell in after.ratings}
    secret = _secret_cells(after)
    changes = []
    for override in overrides:
        if proposed.get((override.criterion, override.group)) != override.proposed:
            continue  # the override was made on another evaluation's proposal
        change = RatingChange(
            criterion=override.criterion,
            group=override.group,
            before=override.proposed,
            after=override.decided,
            causes=[Cause.OVERRIDE],
            findings_added=[],
            findings_removed=[],
            explanation=(
                f"{override.criterion}/{override.group.value} was proposed {override.proposed.value} and decided "
                f"{override.decided.value} by {override.assessor}: {override.rationale or 'no rationale recorded'}."
            ),
            confidential=(override.criterion, override.group) in secret,
        )
        changes.append(change)
    return changes


def differing(before: Evaluation, after: Evaluation) -> list[Cause]:
    """List the inputs that differ between two evaluations."""
    causes = []
    if before.input_digest != after.input_digest:
        causes.append(Cause.EVIDENCE)
    if before.ruleset_digest != after.ruleset_digest:
        causes.append(Cause.RULES)
    if before.as_at != after.as_at:
        causes.append(Cause.AS_AT)
    return causes


def _ratings(evaluation: Evaluation) -> dict[tuple[str, Group], tuple[Rating, set[str]]]:
    return {
        (cell.criterion, cell.group): (cell.rating, {f.rule_id for f in cell.findings}) for cell in evaluation.ratings
    }


def changed_cells(before: Evaluation, after: Evaluation) -> set[tuple[str, Group]]:
    """Return the cells whose rating differs."""
    old, new = _ratings(before), _ratings(after)
    return {key for key in old.keys() | new.keys() if old.get(key, (None,))[0] != new.get(key, (None,))[0]}


def _explain(change: RatingChange) -> str:
    before = change.before.value if change.before else "not rated"
    after = change.after.value if change.after else "not rated"
    parts = [f"{change.criterion}/{change.group.value} went from {before} to {after}"]
    if change.causes:
        parts.append("because of " + " and ".join(cause.value.replace("_", "-") for cause in change.causes))
    if change.findings_added:
        parts.append("now " + ", ".join(change.findings_added))
    if change.findings_removed:
        parts.append("no longer " + ", ".join(change.findings_removed))
    return "; ".join(parts) + "."


def diff(
    before: Evaluation,
    after: Evaluation,
    *,
    before_id: str,
    after_id: str,
    attribution: dict[tuple[str, Group], list[Cause]] | None = None,
    overrides: list[Override] | None = None,
) -> Diff:
    """Compare two evaluations; ``attribution`` narrows the causes of each change where it is known."""
    old, new = _ratings(before), _ratings(after)
    factors = differing(before, after)
    changed = changed_cells(before, after)
    secret = _secret_cells(before, after)
    changes = []
    for key in [k for k in dict.fromkeys([*old, *new]) if k in changed]:
        old_rating, old_findings = old.get(key, (None, set()))
        new_rating, new_findings = new.get(key, (None, set()))
        change = RatingChange(
            criterion=key[0],
            group=key[1],
            before=old_rating,
            after=new_rating,
            causes=(attribution or {}).get(key, factors),
            findings_added=sorted(new_findings - old_findings),
            findings_removed=sorted(old_findings - new_findings),
            explanation="",
            confidential=key in secret,
        )
        changes.append(change.model_copy(update={"explanation": _explain(change)}))
    old_conditions = {c.id for c in before.conditions}
    new_conditions = {c.id for c in after.conditions}
    return Diff(
        before=_side(before, before_id),
        after=_side(after, after_id),
        differing=factors,
        overall_changed=before.overall != after.overall,
        changes=changes,
        conditions_added=sorted(new_conditions - old_conditions),
        conditions_removed=sorted(old_conditions - new_conditions),
        overrides=override_changes(after, overrides or []),
        revised=revised_cells(before, after, factors),
    )


def _said(evaluation: Evaluation) -> dict[tuple[str, Group], tuple[Rating, dict[str, str]]]:
    """Return each cell's rating and what each of its findings says, by rule."""
    return {
        (cell.criterion, cell.group): (cell.rating, {f.rule_id: f.message for f in cell.findings})
        for cell in evaluation.ratings
    }


def revised_cells(before: Evaluation, after: Evaluation, causes: list[Cause]) -> list[RatingChange]:
    """Return the cells rated the same on both sides whose findings came, went or now say something else."""
    old, new = _said(before), _said(after)
    secret = _secret_cells(before, after)
    revised = []
    for key, (rating, now) in new.items():
        if key not in old or old[key][0] != rating or old[key][1] == now:
            continue
        was = old[key][1]
        said = [now[rule] for rule in now if was.get(rule) != now[rule]]
        unsaid = [was[rule] for rule in was if now.get(rule) != was[rule]]
        parts = []
        if said:
            parts.append("It now reads: " + " ".join(said))
        if unsaid:
            parts.append("Before, it read: " + " ".join(unsaid))
        revised.append(
            RatingChange(
                criterion=key[0],
                group=key[1],
                before=rating,
                after=rating,
                causes=causes,
                findings_added=sorted(now.keys() - was.keys()),
                findings_removed=sorted(was.keys() - now.keys()),
                explanation=f"{key[0]}/{key[1].value} changed: " + " ".join(parts),
                confidential=key in secret,
            )
        )
    return revised


def _side(evaluation: Evaluation, evaluation_id: str) -> Side:
    return Side(
        evaluation_id=evaluation_id,
        input_digest=evaluation.input_digest,
        ruleset_digest=evaluation.ruleset_digest,
        as_at=evaluation.as_at,
        overall=evaluation.overall,
    )
