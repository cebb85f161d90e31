"""A capability's timeline: its versions, evaluations, the committees' records and its milestones, in date order."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from lsc_engine.committee.conditions import Action, ConditionState
from lsc_engine.committee.gate import Assessment, View
from lsc_engine.committee.letters import LetterState, LetterView
from lsc_engine.committee.views import DecisionView, RecordedRevocation
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.core.evidence import EventKind, EvidencePack
from lsc_engine.core.path_to_green import PREMISE
from lsc_engine.core.words import KIND_LABELS, RATING_WORDS, criterion_words, day_words, tagged

#: The Panel's outcomes as a sentence ends them.
OUTCOME_WORDS = {
    "recommend": "recommended go-live",
    "recommend_with_conditions": "recommended go-live with conditions",
    "do_not_recommend": "did not recommend go-live",
}
READINESS_WORDS = {"ready": "ready", "ready_with_conditions": "ready with conditions", "not_ready": "not ready"}
ACTION_WORDS = {
    Action.SATISFY: "met",
    Action.WAIVE: "waived",
    Action.BREACH: "breached",
    Action.REPORT: "reported on",
    Action.ARM: "armed",
    Action.TRIGGER: "triggered, pausing migration",
    Action.CLEAR: "cleared",
}
EVENT_WORDS = {
    EventKind.DEPLOYMENT: "Deployment",
    EventKind.EPCL_ADDITION_REQUESTED: "Addition to the EPCL requested",
    EventKind.FIRST_MIGRATION: "First migration",
    EventKind.EPCL_ADDITION_POSTPONED: "Addition to the EPCL postponed",
    EventKind.EPCL_ADDITION_CONSIDERED: "Addition to the EPCL considered",
}


class Lane(StrEnum):
    """Where a moment belongs: DCC's evidence, the committees' records, the conditions, or the capability itself."""

    EVIDENCE = "evidence"
    COMMITTEES = "committees"
    CONDITIONS = "conditions"
    MILESTONES = "milestones"


class Moment(View):
    """One dated thing that happened to a capability, or is planned to."""

    on: date
    lane: Lane
    title: str
    detail: str | None = None
    planned: bool = False
    version: int | None = None
    submission_id: str | None = None
    decision_id: str | None = None
    letter_id: str | None = None


@dataclass(frozen=True)
class VersionRecords:
    """One version of a capability's evidence with what was recorded on it."""

    version: int
    submission_id: str
    received_at: datetime
    evaluations: list[tuple[int, str, datetime, Evaluation]]  # number, reason, recorded, result
    assessments: list[Assessment]
    revocations: list[RecordedRevocation] = field(default_factory=list)
    decisions: list[DecisionView] = field(default_factory=list)
    letters: list[LetterView] = field(default_factory=list)


def record_moments(
    versions: list[VersionRecords],
    conditions: list[ConditionState],
    provisional: frozenset[str] = frozenset(),
    carried: dict[str, date] | None = None,
) -> list[Moment]:
    """Return the moments the records give: versions, evaluations, assessments, revocations, decisions, conditions.

    ``provisional``: the keys of conditions only this ruleset's own (provisional) rules raise, labelled so;
    ``carried``: the day an earlier decision set each carried-over condition, by key, which dates its setting.
    """
    moments: list[Moment] = []
    all_decisions = _DecisionDates.of([d for v in versions for d in v.decisions])
    for v in versions:
        ids = {"version": v.version, "submission_id": v.submission_id}
        decided = _DecisionDates.of(v.decisions)
        for number, reason, recorded, result in v.evaluations:
            readiness = READINESS_WORDS[result.overall.value]
            if number == 1:
                title = f"Version {v.version} submitted"
                on = decided.taken_on(v.received_at)
                proposed = f"Evaluated as at {day_words(result.as_at)}: the rules propose {readiness}."
                detail = proposed + _entered(on, v.received_at)
                moments.append(Moment(on=on, lane=Lane.EVIDENCE, title=title, detail=detail, **ids))
            else:
                title = f"Version {v.version} evaluated again"
                detail = f"As at {day_words(result.as_at)} ({reason}): the rules propose {readiness}."
                moments.append(Moment(on=recorded.date(), lane=Lane.EVIDENCE, title=title, detail=detail, **ids))
        moments += _assessment_moments(v, decided)
        for revocation in v.revocations:
            title = f"{revocation.group.value} withdrew its recommendation"
            moments.append(Moment(on=revocation.recorded_at.date(), lane=Lane.COMMITTEES, title=title, **ids))
        for decision in v.decisions:
            title = f"The Panel {OUTCOME_WORDS[decision.outcome]}"
            correction = "A correction of its earlier decision." if decision.supersedes else None
            moments.append(
                Moment(
                    on=decision.considered_on,
                    lane=Lane.COMMITTEES,
                    title=title,
                    detail=correction,
                    decision_id=decision.id,
                    **ids,
                )
            )
        for letter in v.letters:
            if letter.state != LetterState.ISSUED:
                continue
            moments.append(
                Moment(
                    on=letter.letter_date,
                    lane=Lane.COMMITTEES,
                    title="The Panel's letter issued",
                    detail=_letter_note(letter),
                    letter_id=letter.id,
                    **ids,
                )
            )
    for condition in conditions:
        criteria = ", ".join(criterion_words(c) for c in condition.criteria)
        kind = tagged(KIND_LABELS[condition.kind.value], condition.key in provisional)
        named = f"{kind} ({condition.owner.value}, {criteria})"
        earlier = (carried or {}).get(condition.key)
        on = earlier or all_decisions.taken_on(condition.created_at)
        title = f"Condition set by an earlier decision, carried over: {named}" if earlier else f"Condition set: {named}"
        moments.append(
            Moment(on=on, lane=Lane.CONDITIONS, title=title, detail=_entered(on, condition.created_at) or None)
        )
        for event in condition.history:
            title = f"Condition {ACTION_WORDS[event.action]}: {named}"
            moments.append(Moment(on=event.on, lane=Lane.CONDITIONS, title=title))
    return moments


@dataclass(frozen=True)
class _DecisionDates:
    """Decisions by when they were entered, so dating a record looks them up rather than reading them all."""

    entered: list[datetime]  # ascending
    earliest: list[date]  # earliest[i]: the earliest day considered by decision i or any entered after it

    @classmethod
    def of(cls, decisions: list[DecisionView]) -> _DecisionDates:
        """Sort decisions by when they were entered and take the earliest day considered from each on."""
        ordered = sorted(decisions, key=lambda d: d.recorded_at)
        earliest: list[date] = []
        for decision in reversed(ordered):
            earliest.append(min(decision.considered_on, earliest[-1]) if earliest else decision.considered_on)
        return cls([d.recorded_at for d in ordered], earliest[::-1])

    def taken_on(self, recorded: datetime) -> date:
        """Date a record by when it must have happened: no later than a decision entered after it was considered.

        A meeting's records are often entered afterwards, so a version, an assessment or a condition recorded before
        a decision that rests on it happened on or before the day that decision was considered.
        """
        first = bisect_left(self.entered, recorded)  # the first decision entered at or after the record
        return min(recorded.date(), self.earliest[first]) if first < len(self.entered) else recorded.date()


def _entered(on: date, recorded: datetime) -> str:
    """Say when a record was entered, when that is not the day it is dated."""
    return "" if recorded.date() == on else f" Recorded on {day_words(recorded.date())}."


def _letter_note(letter: LetterView) -> str | None:
    """Say whether an issued letter corrects another or was itself corrected."""
    if letter.superseded_by:
        return "Corrected by a later letter."
    return "It corrects the letter issued before it." if letter.supersedes else None


def _assessment_moments(v: VersionRecords, decided: _DecisionDates) -> list[Moment]:
    """Return one moment per group and day of assessment, counting confirmations and overrides."""
    by_day: dict[tuple[date, str], Counter[str]] = {}
    recorded_on: dict[tuple[date, str], date] = {}
    for assessment in v.assessments:
        if assessment.carried_from is not None or assessment.recorded_at is None:
            continue
        recorded = assessment.recorded_at
        day = decided.taken_on(recorded)
        tally = by_day.setdefault((day, assessment.group.value), Counter())
        tally["override" if assessment.override else "confirmed"] += 1
        recorded_on[(day, assessment.group.value)] = recorded.date()
    moments = []
    for (day, group), tally in sorted(by_day.items()):
        total = tally["override"] + tally["confirmed"]
        detail = f"{tally['confirmed']} confirmed as proposed, {tally['override']} overridden."
        if recorded_on[(day, group)] != day:
            detail += f" Recorded on {day_words(recorded_on[(day, group)])}."  # the day of the last one
        title = f"{group} assessed {total} {'criterion' if total == 1 else 'criteria'} of version {v.version}"
        moments.append(
            Moment(
                on=day,
                lane=Lane.COMMITTEES,
                title=title,
                detail=detail,
                version=v.version,
                submission_id=v.submission_id,
            )
        )
    return moments


def milestone_moments(pack: EvidencePack, evaluation: Evaluation) -> list[Moment]:
    """Return the milestones a pack gives, planned or done, and when the stability window is met if nothing changes."""
    moments: list[Moment] = []
    milestones = pack.milestones
    if milestones is not None:
        for event in milestones.events:
            name = EVENT_WORDS[event.event] + (f" by {event.by}" if event.by else "")
            name += f": {event.what}" if event.what else ""
            if event.happened is not None:
                late = (
                    f"Planned for {day_words(event.planned)}."
                    if event.planned and event.planned != event.happened
                    else None
                )
                detail = " ".join(part for part in (late, event.note) if part) or None
                moments.append(Moment(on=event.happened, lane=Lane.MILESTONES, title=name, detail=detail))
            elif event.planned is not None:
                overdue = _overdue(event.planned, evaluation.as_at)
                detail = " ".join(part for part in (overdue, event.note) if part) or None
                moments.append(
                    Moment(
                        on=event.planned, lane=Lane.MILESTONES, title=f"{name} (planned)", detail=detail, planned=True
                    )
                )
        for statement in milestones.stability_statements:
            said = "achieved" if statement.achieved else "not achieved"
            title = f"{statement.by} stated that service stability was {said}"
            moments.append(Moment(on=statement.on, lane=Lane.MILESTONES, title=title, detail=statement.note))
    acceptance = pack.operations.acceptance if pack.operations is not None else None
    if acceptance is not None and acceptance.date is not None:
        if acceptance.given:
            moments.append(Moment(on=acceptance.date, lane=Lane.MILESTONES, title="Operational acceptance given"))
        else:
            title, overdue = "Operational acceptance (planned)", _overdue(acceptance.date, evaluation.as_at)
            moments.append(Moment(on=acceptance.date, lane=Lane.MILESTONES, title=title, detail=overdue, planned=True))
    for path in evaluation.path_to_green:
        if path.criterion != "LSC6":
            continue
        for milestone in path.milestones:
            rated = RATING_WORDS[milestone.rating]
            title = f"{criterion_words(path.criterion)} {rated} for {path.group.value} {PREMISE.lower()}"
            detail = "Projected by the engine from the evidence as at " + day_words(evaluation.as_at) + "."
            moments.append(Moment(on=milestone.on, lane=Lane.MILESTONES, title=title, detail=detail, planned=True))
    return moments


def _overdue(planned: date, as_at: date) -> str | None:
    """Say that a planned date had passed without the event being reported done, as at the evaluation's date."""
    if planned >= as_at:
        return None
    return f"The date had passed and it was not reported done as at {day_words(as_at)}."


def _step(moment: Moment) -> int:
    """Rank a committees' moment within its day: assessments, then the Panel's decision, then its letter."""
    if moment.letter_id is not None:
        return 2
    return 1 if moment.decision_id is not None else 0


def in_order(moments: list[Moment]) -> list[Moment]:
    """Return moments by date, in a fixed lane order within a day (evidence, committees, conditions, milestones)."""
    lanes = list(Lane)
    return sorted(moments, key=lambda m: (m.on, lanes.index(m.lane), _step(m)))
