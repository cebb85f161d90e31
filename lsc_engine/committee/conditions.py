"""Conditions through to closure: the states a condition moves through, and which moves are allowed."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from lsc_engine.core.days import shift
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.errors import Conflict, InvalidAction

#: How often an ongoing-reporting condition expects a report unless it says otherwise.
DEFAULT_REPORT_EVERY_DAYS = 30


class Status(StrEnum):
    """Where a condition stands."""

    OPEN = "open"
    SATISFIED = "satisfied"
    WAIVED = "waived"
    BREACHED = "breached"


class Pause(StrEnum):
    """Where a pause trigger stands."""

    NOT_ARMED = "not_armed"
    ARMED = "armed"
    TRIGGERED = "triggered"
    CLEARED = "cleared"


class Action(StrEnum):
    """What can happen to a condition."""

    SATISFY = "satisfy"
    WAIVE = "waive"
    BREACH = "breach"
    REPORT = "report"
    ARM = "arm"
    TRIGGER = "trigger"
    CLEAR = "clear"


#: From which statuses each action may be taken (terminal statuses allow nothing).
_ALLOWED_FROM: dict[Action, set[Status]] = {
    Action.SATISFY: {Status.OPEN, Status.BREACHED},
    Action.WAIVE: {Status.OPEN, Status.BREACHED},
    Action.BREACH: {Status.OPEN},
    Action.REPORT: {Status.OPEN, Status.BREACHED},
    Action.ARM: {Status.OPEN, Status.BREACHED},
    Action.TRIGGER: {Status.OPEN, Status.BREACHED},
    Action.CLEAR: {Status.OPEN, Status.BREACHED},
}
_STATUS_AFTER = {Action.SATISFY: Status.SATISFIED, Action.WAIVE: Status.WAIVED, Action.BREACH: Status.BREACHED}
_PAUSE_FROM = {
    Action.ARM: {Pause.NOT_ARMED, Pause.CLEARED},
    Action.TRIGGER: {Pause.ARMED, Pause.CLEARED},
    Action.CLEAR: {Pause.TRIGGERED},
}
_PAUSE_AFTER = {Action.ARM: Pause.ARMED, Action.TRIGGER: Pause.TRIGGERED, Action.CLEAR: Pause.CLEARED}


class Event(BaseModel):
    """One entry in a condition's history."""

    model_config = ConfigDict(frozen=True)

    number: int
    action: Action
    actor: str
    at: datetime
    on: date
    evidence: str | None = None
    rationale: str | None = None
    approver: str | None = None


class ConditionState(BaseModel):
    """A condition with its status, pause state, reports and full history."""

    model_config = ConfigDict(frozen=True)

    id: str
    capability: str
    key: str
    kind: ConditionKind
    owner: Group
    criteria: list[str]
    text: str
    due: str
    due_date: date | None
    source: str
    created_at: datetime
    status: Status
    pause: Pause | None = Field(description="Only for pause triggers")
    reports: list[Event] = Field(description="Reports received, for ongoing-reporting conditions")
    next_report_due: date | None
    report_overdue: bool
    overdue: bool = Field(description="Past its due date and still open")
    history: list[Event]
    confidential: bool = Field(default=False, description="Its text is for the owner group and the Panel only")

    @property
    def is_open(self) -> bool:
        """Tell whether the condition still has to be met (open or breached)."""
        return self.status in (Status.OPEN, Status.BREACHED)


def replay(events: list[Event], kind: ConditionKind) -> tuple[Status, Pause | None]:
    """Work out the status and pause state a history leads to."""
    status = Status.OPEN
    pause = Pause.NOT_ARMED if kind == ConditionKind.PAUSE_TRIGGER else None
    for event in events:
        status = _STATUS_AFTER.get(event.action, status)
        if pause is not None and event.action in _PAUSE_AFTER:
            pause = _PAUSE_AFTER[event.action]
    return status, pause


def check_action(
    kind: ConditionKind,
    status: Status,
    pause: Pause | None,
    action: Action,
    *,
    evidence: str | None,
    rationale: str | None,
    approver: str | None,
    condition: str | None = None,
) -> None:
    """Refuse an action the condition's state or kind does not allow, or one missing what it needs.

    A refusal's details name the field at fault (``action``, or the first of ``missing``), the action, and
    the condition's id when given.
    """
    about: dict[str, str] = {"action": action.value} | ({"condition": condition} if condition else {})
    if status not in _ALLOWED_FROM[action]:
        raise Conflict(
            f"a {status.value} condition cannot be {_PAST[action]}",
            details={"field": "action", **about, "status": status.value},
        )
    if action == Action.REPORT and kind != ConditionKind.ONGOING_REPORTING:
        raise InvalidAction(
            "only an ongoing-reporting condition takes reports",
            details={"field": "action", **about, "kind": kind.value},
        )
    if action in _PAUSE_FROM:
        if kind != ConditionKind.PAUSE_TRIGGER or pause is None:
            raise InvalidAction(
                "only a pause trigger can be armed, triggered or cleared",
                details={"field": "action", **about, "kind": kind.value},
            )
        if pause not in _PAUSE_FROM[action]:
            raise Conflict(
                f"a pause trigger that is {pause.value.replace('_', ' ')} cannot be {_PAST[action]}",
                details={"field": "action", **about, "pause": pause.value},
            )
    needs = _NEEDS[action]
    given = {"evidence": evidence, "rationale": rationale, "approver": approver}
    missing = [name for name in needs if not (given[name] or "").strip()]
    if missing:
        raise InvalidAction(
            f"to {action.value} a condition, give {' and '.join(missing)}",
            details={"field": missing[0], **about, "missing": missing},
        )


_PAST = {
    Action.SATISFY: "satisfied",
    Action.WAIVE: "waived",
    Action.BREACH: "marked breached",
    Action.REPORT: "reported on",
    Action.ARM: "armed",
    Action.TRIGGER: "triggered",
    Action.CLEAR: "cleared",
}
_NEEDS: dict[Action, tuple[str, ...]] = {
    Action.SATISFY: ("evidence",),
    Action.WAIVE: ("rationale", "approver"),
    Action.BREACH: ("rationale",),
    Action.REPORT: ("evidence",),
    Action.ARM: (),
    Action.TRIGGER: ("rationale",),
    Action.CLEAR: ("rationale",),
}


def report_schedule(
    kind: ConditionKind, status: Status, created: date, every_days: int | None, reports: list[Event], today: date
) -> tuple[date | None, bool]:
    """Return when the next report is due and whether one has been missed."""
    if kind != ConditionKind.ONGOING_REPORTING or status not in (Status.OPEN, Status.BREACHED):
        return None, False
    last = max((report.on for report in reports), default=created)
    due = shift(last, every_days or DEFAULT_REPORT_EVERY_DAYS)
    return due, today > due
