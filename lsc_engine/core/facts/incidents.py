"""Incident facts (OPSG): blocking incidents in the stability window and the look-backs, and time since the last."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Set
from datetime import date, datetime, timedelta
from itertools import compress
from operator import attrgetter

from lsc_engine.core.days import shift, shift_moment
from lsc_engine.core.evidence import EvidencePack, Incident
from lsc_engine.core.facts.base import (
    Change,
    Declared,
    Fact,
    Parameters,
    Section,
    about,
    count,
    empty_reported_later,
    reached,
    reported_later,
)
from lsc_engine.core.facts.incident_log import IncidentLog, known_from, opened_at
from lsc_engine.core.facts.known import Known, day_end

_INCIDENTS = ("incidents",)
_ON_SERVICE = ("incidents", "statement.service")
_REPORTED = ("incidents", "incidents_reported_to", "statement.date")


class IncidentFacts(Section):
    """Facts of the incidents section: most count incidents in windows that move with the date."""

    declared = (
        Declared("incidents_reported", "number of incidents reported and known at the as-at date", _INCIDENTS),
        Declared(
            "incidents_reported_from",
            "when every incident in the pack was reported after the as-at date: the date the first was;"
            " for an empty list, the date it is reported to (or the statement's) when that is after the as-at date",
            _REPORTED,
        ),
        Declared(
            "incidents_reported_to",
            "the date incident reporting reaches as at the as-at date: the latest incident report's or the pack's"
            " stated date, or for an empty list the statement's",
            _REPORTED,
        ),
        Declared(
            "incidents_unreported_from",
            "the first day after the one incident reporting reaches",
            _REPORTED,
        ),
        Declared(
            "incidents_unreported_days",
            "days from the date incident reporting reaches to the as-at date of the evaluation, which no report covers",
            _REPORTED,
        ),
        Declared("service", "the DCC service the capability runs on", _ON_SERVICE),
        Declared("blocking_categories", "incident categories that block stability, e.g. 1/2", _INCIDENTS),
        Declared(
            "incidents_blocking_unresolved",
            "blocking incidents still unresolved at the as-at date (any service)",
            _INCIDENTS,
        ),
        Declared(
            "incidents_blocking_service_window",
            "blocking incidents on the capability's service in the stability window",
            _ON_SERVICE,
            Change.WINDOWS,
        ),
        Declared(
            "incidents_blocking_service_lookback",
            "blocking incidents on the capability's service in the look-back",
            _ON_SERVICE,
            Change.WINDOWS,
        ),
        Declared(
            "incidents_blocking_other_lookback",
            "blocking incidents on other services in the look-back",
            _ON_SERVICE,
            Change.WINDOWS,
        ),
        Declared(
            "incidents_caused_lookback",
            "incidents caused by the new capability in the look-back",
            _INCIDENTS,
            Change.WINDOWS,
        ),
        Declared(
            "incidents_worst_month",
            "the calendar month with most blocking incidents in the worst-month look-back",
            _INCIDENTS,
            Change.WINDOWS,
        ),
        Declared("incidents_worst_month_blocking", "blocking incidents in that month", _INCIDENTS, Change.WINDOWS),
        Declared(
            "days_since_blocking",
            "whole days since the last blocking incident on the capability's service ended",
            _ON_SERVICE,
            Change.DAILY,
        ),
        Declared(
            "longest_restore_minutes",
            "longest time to restore service for a blocking incident in the look-back",
            _INCIDENTS,
            Change.WINDOWS,
        ),
    )

    def __init__(self, pack: EvidencePack, parameters: Parameters, known: Known) -> None:
        super().__init__(pack, parameters, known)
        self._known_end = known.end  # read for each incident, so kept close at hand
        log = IncidentLog.of(pack, parameters, known)
        self._incidents = log.known  # in the pack's order
        self._resolved = log.resolved
        # Every date facts are asked for is on or after the known date, so an incident that opened longer ago than
        # the longest window before it is never recent: only the others are sorted, by opening, for bisection.
        longest = max(parameters.lookback_days, parameters.worst_month_lookback_days, parameters.stability_window_days)
        oldest = shift_moment(known.end, -timedelta(days=longest))
        opened = map(opened_at, self._incidents)
        self._recent = sorted(compress(self._incidents, map(oldest.__le__, opened)), key=opened_at)
        self._recent_opened = list(map(opened_at, self._recent))
        # The pack may say how far its incident reporting runs; else an empty list speaks for the statement's date.
        stated = pack.incidents_reported_to
        name, listed, empty_on = "incidents_reported_from", pack.incidents, stated or pack.statement.date
        self._late = reported_later(name, listed, self._incidents, known_from) or empty_reported_later(
            name, listed, empty_on, known.at
        )
        # How far the reporting known at the evaluation's date reaches: its latest report, or the date it states.
        reports = [log.latest_report] if log.latest_report is not None else []
        if stated is not None and stated <= known.at:
            reports.append(stated)
        self._reported_to = max(reports, default=empty_on)
        unresolved = [i for i in log.blocking if self._resolved(i) is None]
        self._blocking_unresolved = sorted(unresolved, key=opened_at)  # in opening order, as every list of facts

    def facts(self, as_at: date) -> dict[str, Fact]:
        """Derive the incident facts as at a date: windows and look-backs end with the as-at day."""
        if self.pack.incidents is None:
            return {}
        if self._late:  # not yet reported at the date: no count of them can be read as none
            return dict(self._late)
        p = self.parameters
        end = day_end(as_at)
        service = self.pack.statement.service
        blocking_set = set(p.blocking_categories)
        found = {
            "service": Fact(service.value),
            "blocking_categories": Fact("/".join(str(c) for c in sorted(blocking_set))),
        }
        found["incidents_reported"] = Fact(len(self._incidents))
        # Coverage is measured to the evaluation's as-at date, not to the later dates the path to green probes: a
        # milestone there assumes reporting keeps pace, as it assumes no incident occurs meanwhile.
        reported_to = self._reported_to
        found["incidents_reported_to"] = Fact(reported_to.isoformat())
        found["incidents_unreported_from"] = Fact(shift(reported_to, 1).isoformat())
        found["incidents_unreported_days"] = Fact(max(0, (self.known.at - reported_to).days))
        resolved = self._resolved

        # Unresolved incidents may be of any age; resolved ones only matter inside the longest window.
        longest = max(p.lookback_days, p.worst_month_lookback_days, p.stability_window_days)
        recent = self._recent[bisect_left(self._recent_opened, shift_moment(end, -timedelta(days=longest))) :]
        unresolved = self._blocking_unresolved
        blocking = unresolved + [i for i in recent if i.category in blocking_set and resolved(i) is not None]
        found["incidents_blocking_unresolved"] = count(unresolved)

        window_start = shift_moment(end, -timedelta(days=p.stability_window_days))
        on_service = [i for i in blocking if i.service == service]
        in_window = [i for i in on_service if (resolved(i) or end) > window_start]
        found["incidents_blocking_service_window"] = count(in_window)

        lookback_start = shift_moment(end, -timedelta(days=p.lookback_days))
        found["incidents_blocking_service_lookback"] = count([i for i in on_service if i.opened >= lookback_start])
        found["incidents_blocking_other_lookback"] = count(
            [i for i in blocking if i.service != service and i.opened >= lookback_start]
        )
        found["incidents_caused_lookback"] = count(
            [i for i in recent if i.caused_by_capability and i.opened >= lookback_start]
        )
        restored = [i for i in blocking if i.opened >= lookback_start and resolved(i) is not None]
        if restored:
            slowest = max(restored, key=lambda i: (resolved(i) or i.opened) - i.opened)
            minutes = int(((resolved(slowest) or slowest.opened) - slowest.opened).total_seconds() // 60)
            found["longest_restore_minutes"] = about(minutes, [slowest])

        month_start = shift_moment(end, -timedelta(days=p.worst_month_lookback_days))
        by_month: dict[str, list[Incident]] = defaultdict(list)
        for incident in blocking:
            if incident.opened >= month_start:
                by_month[_month(incident.opened)].append(incident)
        if by_month:
            month = max(sorted(by_month), key=lambda m: len(by_month[m]))
            found["incidents_worst_month"] = about(month, by_month[month])
            found["incidents_worst_month_blocking"] = count(by_month[month])
        else:
            found["incidents_worst_month_blocking"] = Fact(0)

        if on_service and not [i for i in on_service if resolved(i) is None]:
            last = max(on_service, key=lambda i: resolved(i) or i.opened)
            ended = resolved(last) or last.opened
            found["days_since_blocking"] = about(max(0, (end - ended).days), [last])
        return found

    def change_dates(
        self, after: date, until: date, names: Set[str], reaching: Mapping[str, Iterable[float]]
    ) -> set[date]:
        """Return the dates an incident leaves a window or look-back, or the days since one reaches a number."""
        if not names & self.dated:
            return set()
        days_since = reached(reaching.get("days_since_blocking", ()))
        p = self.parameters
        longest = max(p.lookback_days, p.worst_month_lookback_days, p.stability_window_days)
        start = day_end(after)
        # An incident counts in a look-back while it opened no longer ago than the look-back's length: it
        # leaves on the day its opening date plus that length begins, whatever the time of day it opened.
        recent = self._recent[bisect_left(self._recent_opened, shift_moment(start, -timedelta(days=longest))) :]
        opened = {incident.opened.date() for incident in recent}
        spans = {p.lookback_days, p.worst_month_lookback_days, longest}
        found = {shift(day, span) for day in opened for span in spans}
        # It counts in the stability window until it has been over for the window's length, whenever it opened;
        # and the days since the last blocking incident ended count from the end of each.
        lengths = [timedelta(days=days) for days in (p.stability_window_days, *days_since)]
        earliest = shift_moment(start, -max(lengths))
        # The ends known then, picked out in C: a pack may list a hundred thousand incidents.
        ends = filter(self._known_end.__gt__, filter(earliest.__le__, filter(None, map(_resolved_at, self._incidents))))
        for ended in ends:
            found |= {_first_day_ending_at_or_after(shift_moment(ended, length)) for length in lengths}
        return found


#: When an incident was resolved, if it was (read in ``map``).
_resolved_at = attrgetter("resolved")


def _first_day_ending_at_or_after(moment: datetime) -> date:
    """Return the first date whose end (``day_end``) is at or after a moment."""
    return shift(shift_moment(moment, -timedelta(days=1, microseconds=1)).date(), 1)


def _month(moment: datetime) -> str:
    """Return a moment's month as ``strftime("%Y-%m")`` writes it, without the cost of ``strftime``."""
    if moment.year < 1000:  # strftime does not pad such a year to four digits; isoformat does
        return moment.strftime("%Y-%m")
    return moment.isoformat()[:7]
