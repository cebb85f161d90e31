"""Milestone facts (OPSG): the agreed stability window and when it is met, DCC's own statement on stability, and
planned dates that have passed without their event.

The stability window is counted as the Panel's sub-committees counted it for MOC Secure in August 2020: so many days
without a blocking incident on SMETS1 or SMETS2 from the later of the last such incident and the last deployment,
and the question is whether that falls before the planned first migration. A deployment still planned at the date
the evidence speaks for is taken to happen on its planned date, so that the path to green can date the window; one
whose planned date had passed unreported holds the window until it is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final, TypeVar

from lsc_engine.core.days import shift, shift_moment
from lsc_engine.core.evidence import (
    CriterionKind,
    Event,
    EventKind,
    EvidencePack,
    GoLiveCriterion,
    Group,
    Incident,
    Item,
    OperationalAcceptance,
    StabilityStatement,
)
from lsc_engine.core.facts.base import Change, Declared, Fact, Parameters, Section, about, count
from lsc_engine.core.facts.incident_log import IncidentLog
from lsc_engine.core.facts.known import Known, day_end

_EVENTS = "milestones.events"
_CRITERIA = "milestones.go_live_criteria"
_WINDOW = ("incidents", _EVENTS, _CRITERIA)
_AGREED = (_CRITERIA,)
_STATEMENTS = ("milestones.stability_statements", _EVENTS)
_PLANNED = (_EVENTS, "operations.acceptance")
_MIGRATION = (_EVENTS,)

_Dated = TypeVar("_Dated", GoLiveCriterion, Event)

#: Incidents named one by one in a message before the rest are counted.
_LISTED = 10
#: The groups in the order they are declared, listed once: iterating an enum runs Python.
_GROUPS: Final = tuple(Group)


@dataclass(frozen=True, slots=True)
class _Window:
    """The stability window as known at the date the evidence speaks for."""

    met_on: date | None  # None: met whatever the date (nothing to count from), or never by waiting alone
    held: bool  # an unresolved blocking incident or an unreported deployment holds it
    start: Item | None  # the incident or deployment it counts from
    start_text: str | None
    awaits: Event | None  # a deployment planned before that date and not reported


class MilestoneFacts(Section):
    """Facts of the milestones section, read with the incidents and operational acceptance they date."""

    declared = (
        Declared(
            "stability_window_agreed_days",
            "days without a blocking incident needed before go-live: as agreed for the capability, else the default",
            _WINDOW,
        ),
        Declared(
            "stability_window_agreed_by", "the group or body that agreed the capability's stability window", _AGREED
        ),
        Declared("stability_window_dissent_by", "the groups that recorded dissent from the agreed window", _AGREED),
        Declared("stability_window_dissent", "what those groups said", _AGREED),
        Declared(
            "stability_window_from",
            "what the stability window counts from: the later of the last blocking incident and the last deployment",
            _WINDOW,
        ),
        Declared(
            "stability_window_from_planned",
            "when the window counts from a deployment not yet done: the date it is planned for, on which the window's"
            " date depends",
            _WINDOW,
        ),
        Declared(
            "stability_window_awaits",
            "a deployment the window must count from, planned before the as-at date and not reported done",
            _WINDOW,
        ),
        Declared(
            "stability_window_met_on",
            "the date the stability window is met if no blocking incident occurs",
            _WINDOW,
        ),
        Declared(
            "stability_window_met",
            "whether the stability window has been met by the as-at date",
            _WINDOW,
            Change.DUE_DATES,
        ),
        Declared("first_migration_planned", "the date the first migration is planned for", _MIGRATION),
        Declared(
            "stability_window_margin_days",
            "days from the date the window is met to the planned first migration (0 or less: not before it)",
            (*_WINDOW, *_MIGRATION),
        ),
        Declared(
            "stability_window_ends",
            "the date the window is met if no blocking incident occurs, and how it falls against the planned first"
            " migration",
            (*_WINDOW, *_MIGRATION),
        ),
        Declared("last_deployment", "the last deployment done by the as-at date: what, and when", _WINDOW),
        Declared(
            "incidents_since_deployment",
            "blocking incidents on SMETS1 or SMETS2 from the day of the last deployment done",
            _WINDOW,
        ),
        Declared("incidents_since_deployment_list", "those incidents, each with its date", _WINDOW),
        Declared(
            "stability_not_achieved_declared_on",
            "the date of DCC's latest statement that stability was not achieved, until a deployment follows it",
            _STATEMENTS,
            Change.DUE_DATES,
        ),
        Declared(
            "stability_not_achieved_declared_by",
            "who made that statement",
            _STATEMENTS,
            Change.DUE_DATES,
        ),
        Declared(
            "stability_doubted_by",
            "the Panel's groups whose latest recorded view is that the service is not stable",
            _STATEMENTS[:1],
        ),
        Declared("stability_doubted_on", "the date of the latest of those views", _STATEMENTS[:1]),
        Declared("stability_doubted_note", "what those groups recorded", _STATEMENTS[:1]),
        Declared(
            "milestones_overdue",
            "planned events whose date has passed without them being reported done",
            _PLANNED,
            Change.DUE_DATES,
        ),
        Declared("milestones_overdue_names", "those events, each with its planned date", _PLANNED, Change.DUE_DATES),
        Declared(
            "epcl_postponed",
            "the latest postponement of the capability's addition to the EPCL not yet followed by a decision on it:"
            " who, when, why, and when it is to be considered again",
            _MIGRATION,
        ),
    )

    def __init__(self, pack: EvidencePack, parameters: Parameters, known: Known) -> None:
        super().__init__(pack, parameters, known)
        milestones = pack.milestones
        self._events = known.items(milestones.events if milestones else [], _EVENTS)
        statements = known.items(milestones.stability_statements if milestones else [], _STATEMENTS[0])
        criteria = known.items(milestones.go_live_criteria if milestones else [], _CRITERIA)
        windows = [c for c in criteria if c.kind == CriterionKind.STABILITY_WINDOW]
        self._agreed: GoLiveCriterion | None = _latest(windows)
        self._days = self._agreed.days if self._agreed and self._agreed.days else parameters.stability_window_days
        self._done = [e for e in self._deployments() if e.happened is not None and e.happened <= known.at]
        self._ahead = [e for e in self._deployments() if not _done(e, known.at) and _planned(e) >= known.at]
        self._behind = [e for e in self._deployments() if not _done(e, known.at) and _planned(e) < known.at]
        log, listed = IncidentLog.of(pack, parameters, known), pack.incidents
        # None when the pack lists incidents but none had been reported by the date.
        self._incidents = None if listed is None or (listed and not log.known) else log.known
        self._blocking = log.blocking if self._incidents is not None else ()
        self._resolved = log.resolved
        self._window = self._stability_window() if self._incidents is not None else None
        # DCC's own statement is tested against the deployments after it; a group's view stands until it records
        # another.
        self._statement: StabilityStatement | None = _latest_statement([s for s in statements if _group(s) is None])
        self._views = _latest_views([s for s in statements if _group(s) is not None])
        # Operational acceptance is read from the operations section, whose facts record it if it was not yet known.
        acceptance = pack.operations.acceptance if pack.operations else None
        self._acceptance: OperationalAcceptance | None = (
            acceptance
            if acceptance is not None
            and acceptance.provenance.date <= known.at
            and not acceptance.given
            and acceptance.date is not None
            else None
        )
        migrations = [e for e in self._events if e.event == EventKind.FIRST_MIGRATION]
        self._migration: Event | None = _latest(migrations)

    def _deployments(self) -> list[Event]:
        return [e for e in self._events if e.event == EventKind.DEPLOYMENT]

    def _ended(self, incident: Incident) -> datetime:
        return self._resolved(incident) or incident.opened

    def _stability_window(self) -> _Window:
        """Find what the window counts from and the date it is met, as known at the date."""
        blocking = self._blocking
        if any(self._resolved(i) is None for i in blocking):
            return _Window(None, True, None, None, None)
        starts: list[tuple[datetime, Item, str]] = []
        if blocking:  # of the incidents, only the last to end (the first of those, on a tie) can be what counts
            last = max(blocking, key=self._ended)
            ended = self._ended(last)
            starts.append((ended, last, f"the end of Category {last.category} incident {last.id} on {ended.date()}"))
        for event in self._done:
            assert event.happened is not None
            starts.append((day_end(event.happened), event, f"{_what(event)} on {event.happened.isoformat()}"))
        for event in [*self._ahead, *self._behind]:
            planned = _planned(event)
            starts.append((day_end(planned), event, f"{_what(event)} planned for {planned.isoformat()}"))
        if not starts:
            return _Window(None, False, None, None, None)
        moment, item, text = max(starts, key=lambda s: s[0])
        if isinstance(item, Event) and item in self._behind:
            return _Window(None, True, item, text, item)
        met = shift_moment(moment, timedelta(days=self._days))
        return _Window(_first_day_ending_at_or_after(met), False, item, text, None)

    def facts(self, as_at: date) -> dict[str, Fact]:
        """Derive the milestone facts as at a date: the window met or not, statements standing, dates overdue."""
        found: dict[str, Fact] = {}
        agreed = self._agreed
        if agreed is not None:
            found["stability_window_agreed_by"] = about(agreed.agreed_by, [agreed])
            if agreed.dissent:
                by = _joined(list(dict.fromkeys(d.by for d in agreed.dissent)))
                found["stability_window_dissent_by"] = about(by, [agreed])
                # Each note is named by its group only where more than one group dissented.
                several = len({d.by for d in agreed.dissent}) > 1
                said = "; ".join(f"{d.by}: {d.note}" if several else d.note for d in agreed.dissent)
                found["stability_window_dissent"] = about(said, [agreed])
        found |= self._window_facts(as_at)
        found |= self._statement_facts(as_at)
        found |= self._view_facts()
        overdue = self._overdue(as_at)
        found["milestones_overdue"] = count([item for item, _ in overdue])
        if overdue:
            found["milestones_overdue_names"] = about("; ".join(text for _, text in overdue), [i for i, _ in overdue])
        postponed = self._postponement()
        if postponed is not None:
            found["epcl_postponed"] = postponed
        if self._migration is not None and not _done(self._migration, self.known.at):
            found["first_migration_planned"] = about(_planned(self._migration).isoformat(), [self._migration])
        return found

    def _postponement(self) -> Fact | None:
        """Say who postponed the EPCL addition and why, unless a decision on the addition has followed it."""
        at = self.known.at
        postponed = [e for e in self._events if e.event == EventKind.EPCL_ADDITION_POSTPONED and _done(e, at)]
        latest = max(postponed, key=lambda e: e.happened or date.min, default=None)
        if latest is None or latest.happened is None:
            return None
        considered = [e for e in self._events if e.event == EventKind.EPCL_ADDITION_CONSIDERED]
        if any(_done(e, at) and e.happened is not None and e.happened >= latest.happened for e in considered):
            return None
        ahead = [e for e in considered if not _done(e, at) and e.planned is not None]
        text = f"{latest.by or 'The decision-maker'} postponed adding the capability to the EPCL, as recorded on"
        text += f" {latest.happened.isoformat()}."
        text += f" {latest.note}" if latest.note else ""
        behind = [latest]
        if ahead:
            again = min(ahead, key=_planned)
            text += f" It is to be considered again on {_planned(again).isoformat()}."
            behind.append(again)
        return about(text, behind)

    def _window_facts(self, as_at: date) -> dict[str, Fact]:
        window = self._window
        if window is None:
            return {}
        behind = [self._agreed] if self._agreed else []
        found = {"stability_window_agreed_days": about(self._days, behind)}
        start = [window.start] if window.start else []
        if window.start_text is not None:
            found["stability_window_from"] = about(window.start_text, start)
        if window.awaits is not None:
            found["stability_window_awaits"] = about(window.start_text or "", start)
        elif isinstance(window.start, Event) and window.start in self._ahead:
            # Dated by a deployment still to come, the window's date holds only if it is done as planned.
            found["stability_window_from_planned"] = about(_planned(window.start).isoformat(), start)
        if window.met_on is not None:
            met_on = window.met_on.isoformat()
            found["stability_window_met_on"] = about(met_on, [*start, *behind])
            found["stability_window_ends"] = about(f"on {met_on}", [*start, *behind])
            migration = self._migration
            if migration is not None and not _done(migration, self.known.at):
                margin = (_planned(migration) - window.met_on).days
                found["stability_window_margin_days"] = about(margin, [migration, *start])
                ends = f"on {met_on}, {_against(margin, _planned(migration))}"
                found["stability_window_ends"] = about(ends, [migration, *start, *behind])
        met = not window.held and (window.met_on is None or as_at >= window.met_on)
        found["stability_window_met"] = about(met, [*start, *behind])
        if self._done:
            last = max(self._done, key=lambda e: e.happened or date.min)
            assert last.happened is not None
            done = f"{last.what or 'a deployment'}, deployed on {last.happened.isoformat()}"
            found["last_deployment"] = about(done, [last])
            since = sorted((i for i in self._blocking if i.opened.date() >= last.happened), key=lambda i: i.opened)
            found["incidents_since_deployment"] = count(since)
            if since:
                found["incidents_since_deployment_list"] = about(_incident_list(since), since)
        return found

    def _statement_facts(self, as_at: date) -> dict[str, Fact]:
        statement = self._statement
        if statement is None or statement.achieved:
            return {}
        until = self._superseded_on(statement)
        if until is not None and as_at >= until:
            return {}
        return {
            "stability_not_achieved_declared_on": about(statement.on.isoformat(), [statement]),
            "stability_not_achieved_declared_by": about(statement.by, [statement]),
        }

    def _view_facts(self) -> dict[str, Fact]:
        doubted = [view for view in self._views if not view.achieved]
        if not doubted:
            return {}
        several = len(doubted) > 1
        notes = [f"{view.by}: {view.note}" if several else view.note for view in doubted if view.note]
        return {
            "stability_doubted_by": about(_joined([view.by for view in doubted]), doubted),
            "stability_doubted_on": about(max(view.on for view in doubted).isoformat(), doubted),
            "stability_doubted_note": about("; ".join(notes) or "no reason is recorded.", doubted),
        }

    def _superseded_on(self, statement: StabilityStatement) -> date | None:
        """Return the date of the first deployment after a statement, done or still planned: it restarts the test."""
        dates = [e.happened for e in self._done if e.happened is not None]
        dates += [_planned(e) for e in self._ahead]
        later = [day for day in dates if day > statement.on]
        return min(later) if later else None

    def _overdue(self, as_at: date) -> list[tuple[Item, str]]:
        found: list[tuple[Item, str]] = []
        acceptance = self._acceptance
        if acceptance is not None and acceptance.date is not None and acceptance.date < as_at:
            found.append((acceptance, f"DCC operational acceptance planned for {acceptance.date.isoformat()}"))
        for event in self._events:
            if event.planned is not None and event.planned < as_at and not _done(event, self.known.at):
                found.append((event, f"{_what(event)} planned for {event.planned.isoformat()}"))
        return found

    def change_dates(
        self, after: date, until: date, names: Set[str], reaching: Mapping[str, Iterable[float]]
    ) -> set[date]:
        """Return the date the window is met, the date a deployment follows DCC's statement, and each day after a
        planned date."""
        if not names & self.dated:
            return set()
        found: set[date] = set()
        if self._window is not None and self._window.met_on is not None:
            found.add(self._window.met_on)
        if self._statement is not None and (superseded := self._superseded_on(self._statement)) is not None:
            found.add(superseded)
        planned = [e.planned for e in self._events if e.planned is not None and not _done(e, self.known.at)]
        if self._acceptance is not None and self._acceptance.date is not None:
            planned.append(self._acceptance.date)
        found |= {shift(day, 1) for day in planned}
        return found


def _done(event: Event, at: date) -> bool:
    return event.happened is not None and event.happened <= at


def _planned(event: Event) -> date:
    """The date an event is planned for (an event not yet done always has one)."""
    return event.planned or event.happened or date.min


#: How a finding names an event of each kind other than a deployment.
_EVENT_NAMES = {
    EventKind.FIRST_MIGRATION: "the first migration",
    EventKind.EPCL_ADDITION_REQUESTED: "the request to add the capability to the EPCL",
    EventKind.EPCL_ADDITION_POSTPONED: "the postponement of the capability's addition to the EPCL",
    EventKind.EPCL_ADDITION_CONSIDERED: "the decision on adding the capability to the EPCL",
}


def _what(event: Event) -> str:
    if event.event == EventKind.DEPLOYMENT:
        return f"the deployment of {event.what}" if event.what else "a deployment"
    return _EVENT_NAMES[event.event]


def _against(margin: int, migration: date) -> str:
    """Say how a date ``margin`` days before the planned first migration falls against it."""
    planned = f"the first migration planned for {migration.isoformat()}"
    if margin > 0:
        return f"{margin} day(s) before {planned}"
    if margin == 0:
        return f"the very day of {planned}"
    return f"{-margin} day(s) after {planned}"


def _latest(items: Sequence[_Dated]) -> _Dated | None:
    """The item reported last (the later in the pack of two reported on one date)."""
    return max(reversed(items), key=lambda i: i.provenance.date, default=None)


def _latest_statement(statements: Sequence[StabilityStatement]) -> StabilityStatement | None:
    return max(reversed(statements), key=lambda s: (s.on, s.provenance.date), default=None)


def _group(statement: StabilityStatement) -> Group | None:
    """Return the Panel's group that made a statement, or None for DCC or anyone else."""
    name = statement.by.strip().upper()
    return next((group for group in _GROUPS if group == name), None)


def _latest_views(views: Sequence[StabilityStatement]) -> list[StabilityStatement]:
    """Return each group's latest view, in the order of the groups."""
    latest: dict[Group, StabilityStatement] = {}
    for view in sorted(views, key=lambda s: (s.on, s.provenance.date)):
        group = _group(view)
        if group is not None:
            latest[group] = view
    return [latest[group] for group in _GROUPS if group in latest]


def _joined(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _incident_list(incidents: Sequence[Incident]) -> str:
    named = [f"{i.id} ({i.opened.date().isoformat()})" for i in incidents[:_LISTED]]
    if len(incidents) > _LISTED:
        named.append(f"{len(incidents) - _LISTED} more")
    return _joined(named)


def _first_day_ending_at_or_after(moment: datetime) -> date:
    """Return the first date whose end (``day_end``) is at or after a moment."""
    return shift(shift_moment(moment, -timedelta(days=1, microseconds=1)).date(), 1)
