"""Carrying group decisions forward to a capability's next version, where what they decided on did not change."""

from __future__ import annotations

from pydantic import Field

from lsc_engine.committee.gate import Assessment, View
from lsc_engine.core.evaluation import CellRating, Evaluation
from lsc_engine.core.evidence import Group
from lsc_engine.core.ruleset import Rating
from lsc_engine.core.words import RATING_WORDS


class Reopened(View):
    """A criterion whose decision on the earlier version no longer stands, and why."""

    criterion: str
    criterion_name: str
    group: Group
    earlier_version: int
    decided: Rating = Field(description="The rating the group decided on the earlier version")
    proposed: Rating = Field(description="The engine's proposal on this version")
    reason: str


def _grounds(cell: CellRating) -> tuple[object, ...]:
    """Return what a group decided on: the proposed rating and every finding with the evidence behind it."""
    return (
        cell.rating,
        tuple(
            (f.rule_id, f.rating, f.message, tuple(f.evidence), f.evidence_count, f.confidential) for f in cell.findings
        ),
    )


def _why(before: CellRating, after: CellRating) -> str:
    """Say in the committee's words what changed in a criterion's proposal between two versions."""
    if before.rating != after.rating:
        return f"the proposal changed from {RATING_WORDS[before.rating]} to {RATING_WORDS[after.rating]}"
    titles_before = {f.title for f in before.findings}
    titles_after = {f.title for f in after.findings}
    added = sorted(titles_after - titles_before)
    dropped = sorted(titles_before - titles_after)
    if added:
        return "a new finding: " + "; ".join(added)
    if dropped:
        return "a finding no longer holds: " + "; ".join(dropped)
    return "the evidence behind its findings changed"


def carry_forward(
    earlier: Evaluation,
    earlier_assessments: list[Assessment],
    later: Evaluation,
    own: list[Assessment],
    *,
    earlier_version: int,
) -> tuple[list[Assessment], list[Reopened]]:
    """Return the later version's assessments, with the earlier ones carried where nothing they rest on changed.

    A group's decision on the earlier version carries forward when the later version's proposal for that criterion
    (its rating, and each finding with its message and evidence) is the same, and the group has not assessed the
    later version itself; a carried decision keeps the version it was first recorded on. Every other earlier
    decision is reopened, with the reason.
    """
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
        if old is not None and _grounds(old) == _grounds(new):
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
                reason=_why(old, new) if old is not None else "the criterion was not rated on the earlier version",
            )
        )
    return [*own, *carried], reopened
