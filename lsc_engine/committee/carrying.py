"""Carrying group decisions forward to a capability's next version, where what they decided on did not change."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field

from lsc_engine.committee.gate import Assessment, View
from lsc_engine.core.evaluation import CellRating, Evaluation
from lsc_engine.core.evidence import Group
from lsc_engine.core.matches import Cell
from lsc_engine.core.rating import Rating
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


@dataclass
class _Run:
    """One cell's standing assessments, all recorded on one version (any recorded on a later one replaces them)."""

    step: int
    placed: list[tuple[int, Assessment]]  # each with its place in its version's own list
    origins_named: bool = False  # each names the version it was first recorded on: carrying it changes nothing


@dataclass
class StandingAssessments:
    """The assessments standing on a version, its own and those carried into it, kept by criterion and group.

    A cell's assessments carry or drop together, so carrying to the next version costs the cells rather than every
    assessment the capability ever had; the list they make is read once, at the end, by each one's fixed place:
    newer versions first, then as recorded.
    """

    runs: dict[Cell, _Run] = field(default_factory=dict)
    step: int = 0

    @classmethod
    def of(cls, assessments: list[Assessment]) -> StandingAssessments:
        """Return the standing of assessments recorded on one version, in the order given."""
        standing = cls()
        standing._add(assessments)
        return standing

    def __bool__(self) -> bool:
        """Say whether any assessment stands."""
        return bool(self.runs)

    def assessments(self) -> list[Assessment]:
        """Return the standing assessments: the latest version's own first, then those carried, as recorded."""
        placed = [((-run.step, index), a) for run in self.runs.values() for index, a in run.placed]
        return [a for _, a in sorted(placed, key=lambda p: p[0])]

    def carry(
        self, earlier: Evaluation, later: Evaluation, own: list[Assessment], *, earlier_version: int
    ) -> list[Reopened]:
        """Move to the later version: carry what still stands, add its own, and return what reopened, in order."""
        before = {(c.criterion, c.group): c for c in earlier.ratings}
        after = {(c.criterion, c.group): c for c in later.ratings}
        assessed = {(a.criterion, a.group) for a in own}
        reopened: list[tuple[tuple[int, int], Reopened]] = []
        for key, run in list(self.runs.items()):
            if key in assessed or key not in after:
                del self.runs[key]
                continue
            old, new = before.get(key), after[key]
            if old is not None and _grounds(old) == _grounds(new):
                _mark_carried(run, earlier_version)
                continue
            del self.runs[key]
            reason = _why(old, new) if old is not None else "the criterion was not rated on the earlier version"
            reopened += [((-run.step, index), _reopened(new, a, reason, earlier_version)) for index, a in run.placed]
        self.step += 1
        self._add(own)
        return [r for _, r in sorted(reopened, key=lambda p: p[0])]

    def _add(self, own: list[Assessment]) -> None:
        """Add a version's own assessments, whose cells no earlier assessment still stands for."""
        for index, assessment in enumerate(own):
            key = (assessment.criterion, assessment.group)
            self.runs.setdefault(key, _Run(self.step, [])).placed.append((index, assessment))


def _mark_carried(run: _Run, earlier_version: int) -> None:
    """Have each assessment of a carried cell name the version it was first recorded on, once."""
    if run.origins_named:
        return  # copying again would give the same assessments
    run.placed = [
        (index, a.model_copy(update={"carried_from": a.carried_from or earlier_version})) for index, a in run.placed
    ]
    run.origins_named = all(a.carried_from for _, a in run.placed)


def _reopened(new: CellRating, assessment: Assessment, reason: str, earlier_version: int) -> Reopened:
    """Return an earlier decision reopened on the later version, with why."""
    return Reopened(
        criterion=new.criterion,
        criterion_name=new.criterion_name,
        group=new.group,
        earlier_version=earlier_version,
        decided=assessment.rating,
        proposed=new.rating,
        reason=reason,
    )


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
    decision is reopened, with the reason. (``StandingAssessments`` does the same version after version.)
    """
    standing = StandingAssessments.of(earlier_assessments)
    reopened = standing.carry(earlier, later, own, earlier_version=earlier_version)
    return standing.assessments(), reopened
