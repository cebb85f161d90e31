"""Derived facts: what the rules match, computed from a pack as at a date, each with the evidence behind it."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from typing import Any, Protocol, TypeVar

from lsc_engine.core.days import next_month, shift, shift_moment
from lsc_engine.core.evidence import (
    EvidencePack,
    Incident,
    Item,
    PerformanceRow,
    SecurityTestingStatus,
)

FactValue = str | int | float | bool

#: Every fact a rule may name, with what it means. A fact that cannot be derived is absent, not zero.
FACTS: dict[str, str] = {
    # testing (TAG)
    "test_phases": "number of test phases reported",
    "test_phases_incomplete": "test phases not yet complete",
    "test_phases_incomplete_names": "names of the test phases not yet complete",
    "test_phases_criteria_unmet": "complete test phases whose entry or exit criteria were not met",
    "regression_pass_rate": "lowest pass rate (%) of a regression phase",
    "regression_failures_unexcepted": "regression failures not covered by an accepted exception",
    "regression_failures_excepted": "regression failures accepted as exceptions",
    "defects_open_sev1": "open Severity 1 defects",
    "defects_open_sev2": "open Severity 2 defects",
    "defects_open_sev3": "open Severity 3 defects",
    "defects_open_sev3_undated": "open Severity 3 defects without a fix date",
    "defects_open_sev4": "open Severity 4 defects",
    "testing_issues_open_unexcepted": "open testing issues not accepted as exceptions",
    "testing_issues_excepted": "testing issues accepted as exceptions",
    # migration
    "rehearsals": "number of migration rehearsals",
    "rehearsal_success_rate": "success rate (%) of the latest migration rehearsal",
    "rehearsal_largest_volume": "most migrations attempted in one rehearsal",
    "planned_daily_volume": "migrations planned per day",
    "scale_shortfall": "how far the planned daily volume exceeds the largest rehearsal",
    "dmcs_in_scope": "DMCs in scope of the statement",
    "exclusions": "parts of the cohort held back",
    # operations
    "operational_acceptance_given": "whether DCC operational acceptance has been given",
    "operational_acceptance_date": "date operational acceptance was given or is planned",
    "service_providers_not_ready": "service providers not ready",
    "service_providers_not_ready_names": "names of the service providers not ready",
    "user_readiness_percent": "share (%) of surveyed Service Users who say they are ready",
    "user_communications": "notices sent to Service Users",
    # incidents (OPSG)
    "incidents_reported": "number of incidents reported and known at the as-at date",
    "service": "the DCC service the capability runs on",
    "blocking_categories": "incident categories that block stability, e.g. 1/2",
    "incidents_blocking_unresolved": "blocking incidents still unresolved at the as-at date (any service)",
    "incidents_blocking_service_window": "blocking incidents on the capability's service in the stability window",
    "incidents_blocking_service_lookback": "blocking incidents on the capability's service in the look-back",
    "incidents_blocking_other_lookback": "blocking incidents on other services in the look-back",
    "incidents_caused_lookback": "incidents caused by the new capability in the look-back",
    "incidents_worst_month": "the calendar month with most blocking incidents in the worst-month look-back",
    "incidents_worst_month_blocking": "blocking incidents in that month",
    "days_since_blocking": "whole days since the last blocking incident on the capability's service ended",
    "longest_restore_minutes": "longest time to restore service for a blocking incident in the look-back",
    # performance (OPSG)
    "performance_latest_month": "latest month with performance results",
    "performance_months_stale": "whole months between the latest results and the as-at month",
    "performance_months_missing": "months missing between a measure's first and latest reported month",
    "performance_months_missing_measures": "the measures with missing months",
    "performance_below_minimum_streak": "longest run of months below minimum, ending at a measure's latest month",
    "performance_below_minimum_streak_measure": "the measure with that run",
    "performance_below_minimum_latest": "measures below their minimum service level in their latest month",
    "performance_below_target_latest": "measures below target but at or above minimum in their latest month",
    "performance_worst_measure": "the measure furthest below its target in its latest month",
    "performance_worst_achieved": "what that measure achieved (%)",
    "performance_worst_target": "that measure's target (%)",
    "performance_worst_minimum": "that measure's minimum (%)",
    # consumers (OPSG)
    "consumer_risks": "consumer-impact risks identified",
    "consumer_risks_unmitigated": "consumer-impact risks with no mitigation",
    "consumer_risks_pending": "consumer-impact risks whose mitigation is still to be delivered",
    "consumer_risks_pending_due": "latest due date of a pending mitigation",
    "consumer_risks_overdue": "consumer-impact risks whose mitigation is past its due date",
    # BCDR (OPSG)
    "bcdr_plan_published": "whether the BCDR plan is published",
    "bcdr_plan_revision_pending": "whether a promised revision of the plan is unpublished",
    "bcdr_plan_revision": "the promised revision",
    "bcdr_uncovered_providers": "required providers the published plan does not cover",
    "bcdr_uncovered_provider_names": "their names",
    "bcdr_last_test_result": "result of the latest BCDR test",
    "bcdr_last_test_age_days": "days since the latest BCDR test",
    # security (SSC)
    "security_architecture_status": "security architecture approval: approved, pending or rejected",
    "security_testing_status": "security testing: not_started, in_progress or complete",
    "security_testing_open_high": "open high-severity security test findings",
    "assurance_status": "independent assurance: none, in_progress, reported or confirmed",
    "cio_report_status": "CIO report: none, submitted, reviewed or accepted",
    "connectivity_arrangement": "connectivity: interim or target",
    "connectivity_description": "the connectivity in use",
    "connectivity_target": "the target connectivity",
    "security_issues_open": "recent security issues still open",
    "security_issues_open_high": "recent high-severity security issues still open",
    # residual risks
    "residual_risks": "residual risks stated",
    "residual_risks_high_unmitigated": "high-likelihood or high-impact residual risks with no mitigation",
    "residual_risks_unaccepted": "residual risks nobody has accepted",
    "residual_risks_high": "high-likelihood or high-impact residual risks",
}

#: Facts whose value can change with the as-at date alone (windows, ages, due dates); the rest cannot.
TIME_DEPENDENT = frozenset(
    name
    for name in FACTS
    if name.startswith(("incidents_", "performance_", "consumer_risks_", "bcdr_last_test_"))
    or name in ("days_since_blocking", "longest_restore_minutes")
)

#: Facts that count days: each grows by one a day while the evidence it counts from stays the same.
DAILY = frozenset({"days_since_blocking", "bcdr_last_test_age_days"})

#: Evidence ids kept per fact; counts stay exact, the id list is a sample.
MAX_EVIDENCE_IDS = 25


@dataclass(frozen=True, slots=True)
class Fact:
    """A derived value and the ids of the evidence behind it."""

    value: FactValue
    evidence: tuple[str, ...] = ()
    evidence_count: int = 0
    confidential: bool = False


@dataclass(frozen=True, slots=True)
class Excluded:
    """An evidence item left out because it did not exist yet at the as-at date."""

    id: str
    path: str
    dated: date


class _Parameters(Protocol):
    """What the derivation needs of the ruleset's parameters."""

    @property
    def stability_window_days(self) -> int: ...
    @property
    def blocking_categories(self) -> list[int]: ...
    @property
    def lookback_days(self) -> int: ...
    @property
    def worst_month_lookback_days(self) -> int: ...
    @property
    def performance_target(self) -> float: ...
    @property
    def performance_minimum(self) -> float: ...


def _about(value: FactValue, items: Iterable[Item]) -> Fact:
    listed = list(items)
    sample = tuple(item.id for item in listed[:MAX_EVIDENCE_IDS])
    return Fact(value, sample, len(listed), any(item.confidential for item in listed))


def _count(items: Sequence[Item]) -> Fact:
    return _about(len(items), items)


def _day_end(day: date) -> datetime:
    """The first instant after a day (UTC), so that 'as at a day' includes the whole day."""
    return shift_moment(datetime.combine(day, time(0), tzinfo=UTC), timedelta(days=1))


def _first_day_ending_at_or_after(moment: datetime) -> date:
    """Return the first date whose end (``_day_end``) is at or after a moment."""
    return shift(shift_moment(moment, -timedelta(days=1, microseconds=1)).date(), 1)


def _reached(operands: Iterable[float]) -> set[int]:
    """Return the whole values at which a whole-number fact compared with these operands may change the outcome."""
    return {bound for operand in operands for bound in (math.ceil(operand), math.floor(operand) + 1)}


def _month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


_I = TypeVar("_I", bound=Item)


class Derivation:
    """A pack prepared for fact derivation as at any date, with only the evidence known at ``known_at``."""

    def __init__(self, pack: EvidencePack, parameters: _Parameters, *, known_at: date) -> None:
        self.pack = pack
        self.parameters = parameters
        self.known_at = known_at
        self.excluded: list[Excluded] = []
        self._known_end = _day_end(known_at)
        self._incidents = sorted(self._known_incidents(pack.incidents or []), key=attrgetter("opened"))
        self._opened = [incident.opened for incident in self._incidents]
        blocking = set(parameters.blocking_categories)
        self._blocking_unresolved = [i for i in self._incidents if i.category in blocking and self._resolved(i) is None]
        self._rows = self._known_list(pack.performance, "performance")
        self._risks = self._known_list(pack.consumer_risks, "consumer_risks")
        self._plan = self._known(pack.bcdr.plan, "bcdr.plan") if pack.bcdr else None
        self._bcdr_tests = self._known_list(pack.bcdr.tests, "bcdr.tests") if pack.bcdr else []
        self.earlier_conditions = self._known_list(pack.earlier_conditions, "earlier_conditions")
        self._fixed = self._testing() | self._migration() | self._operations() | self._security() | self._residual()
        self.excluded.sort(key=lambda e: (e.dated, e.path))

    def _resolved(self, incident: Incident) -> datetime | None:
        """When an incident ended, as far as was known at ``known_at`` (None: still open then)."""
        if incident.resolved is None or incident.resolved >= self._known_end:
            return None
        return incident.resolved

    def _known(self, item: _I | None, path: str) -> _I | None:
        if item is None:
            return None
        if item.provenance.date > self.known_at:
            self.excluded.append(Excluded(item.id, path, item.provenance.date))
            return None
        return item

    def _known_list(self, items: Sequence[_I] | None, path: str) -> list[_I]:
        known_at = self.known_at
        items = items or []
        late = [index for index, item in enumerate(items) if item.provenance.date > known_at]
        return self._without(items, late, path, [items[index].provenance.date for index in late])

    def _known_incidents(self, incidents: Sequence[Incident]) -> list[Incident]:
        """Keep the incidents known at ``known_at``: reported by then, and opened by then."""
        known_at, known_end = self.known_at, self._known_end
        late = [
            i
            for i, incident in enumerate(incidents)
            if incident.provenance.date > known_at or incident.opened >= known_end
        ]
        # Dated by its evidence, or by its opening when that is later (and so after known_at too).
        dated = [max(incidents[i].provenance.date, incidents[i].opened.date()) for i in late]
        return self._without(incidents, late, "incidents", dated)

    def _without(self, items: Sequence[_I], late: list[int], path: str, dated: list[date]) -> list[_I]:
        """Return the items but those at the ``late`` positions, recording each of those as excluded."""
        if not late:  # the usual case, and for a large pack the only one worth making fast
            return list(items)
        for index, day in zip(late, dated, strict=True):
            self.excluded.append(Excluded(items[index].id, f"{path}[{index}]", day))
        skipped = set(late)
        return [item for index, item in enumerate(items) if index not in skipped]

    def facts(self, as_at: date) -> dict[str, Fact]:
        """Derive every fact the known evidence supports, as at a date no earlier than ``known_at``."""
        found = dict(self._fixed)
        found |= self._incident_facts(as_at)
        found |= self._performance(as_at)
        found |= self._consumers(as_at)
        found |= self._bcdr(as_at)
        return found

    def change_dates(
        self, after: date, until: date, facts: Iterable[str], reaching: Mapping[str, Iterable[float]]
    ) -> list[date]:
        """List in order the dates in (after, until] on which any of these facts may differ from the day before.

        A fact in ``DAILY`` differs every day; for it the dates listed are those on which it reaches one of
        ``reaching[fact]`` (the values rules compare it with), and those on which what it counts from may
        change. The list may hold dates on which nothing changes after all, but misses none on which
        something does (given no evidence after ``known_at``).
        """
        names = set(facts)
        found: set[date] = set()
        if names & _INCIDENT_FACTS:
            found |= self._incident_changes(after, _reached(reaching.get("days_since_blocking", ())))
        if names & _PERFORMANCE_FACTS and self._rows:  # how stale the results are changes with the month
            month: date | None = date(after.year, after.month, 1)
            while month is not None and month <= until:
                month = next_month(month)
                if month is not None:
                    found.add(month)
        if names & _CONSUMER_FACTS:  # a mitigation is overdue from the day after it was due
            found |= {shift(r.mitigation_due, 1) for r in self._risks if r.mitigation_due is not None}
        if "bcdr_last_test_age_days" in names and self._bcdr_tests:
            last = max(self._bcdr_tests, key=lambda t: (t.date, t.id)).date
            found |= {shift(last, age) for age in _reached(reaching.get("bcdr_last_test_age_days", ()))}
        return sorted(day for day in found if after < day <= until)

    def _incident_changes(self, after: date, days_since: set[int]) -> set[date]:
        """Return the dates an incident leaves a window or look-back, or a day count since one reaches a value."""
        p = self.parameters
        longest = max(p.lookback_days, p.worst_month_lookback_days, p.stability_window_days)
        start = _day_end(after)
        # An incident counts in a look-back while it opened no longer ago than the look-back's length: it
        # leaves on the day its opening date plus that length begins, whatever the time of day it opened.
        recent = self._incidents[bisect_left(self._opened, shift_moment(start, -timedelta(days=longest))) :]
        opened = {incident.opened.date() for incident in recent}
        spans = {p.lookback_days, p.worst_month_lookback_days, longest}
        found = {shift(day, span) for day in opened for span in spans}
        # It counts in the stability window until it has been over for the window's length, whenever it opened;
        # and the days since the last blocking incident ended count from the end of each.
        lengths = [timedelta(days=days) for days in (p.stability_window_days, *days_since)]
        earliest = shift_moment(start, -max(lengths))
        for incident in self._incidents:
            ended = incident.resolved
            if ended is not None and earliest <= ended < self._known_end:  # ended as far as was known then
                found |= {_first_day_ending_at_or_after(shift_moment(ended, length)) for length in lengths}
        return found

    # -- testing -----------------------------------------------------------------------------------

    def _testing(self) -> dict[str, Fact]:
        testing = self.pack.testing
        if testing is None:
            return {}
        phases = self._known_list(testing.phases, "testing.phases")
        issues = self._known_list(testing.issues, "testing.issues")
        found = {"test_phases": _count(phases)}
        if testing.defects is not None:
            found |= self._defects(self._known_list(testing.defects, "testing.defects"))
        if not phases:
            return found
        incomplete = [p for p in phases if p.status != "complete" or (p.completed_on or self.known_at) > self.known_at]
        found["test_phases_incomplete"] = _count(incomplete)
        if incomplete:
            found["test_phases_incomplete_names"] = _about(", ".join(p.name for p in incomplete), incomplete)
        unmet = [p for p in phases if p.status == "complete" and not (p.entry_criteria_met and p.exit_criteria_met)]
        found["test_phases_criteria_unmet"] = _count(unmet)
        excepted_issues = [i for i in issues if i.exception is not None and i.exception.accepted_on <= self.known_at]
        excepted_ids = {i.id for i in excepted_issues}
        found["testing_issues_excepted"] = _count(excepted_issues)
        found["testing_issues_open_unexcepted"] = _count(
            [i for i in issues if not i.resolved and i.id not in excepted_ids]
        )
        found |= self._regression(phases, excepted_issues)
        return found

    def _regression(self, phases: Sequence[Any], excepted: Sequence[Any]) -> dict[str, Fact]:
        measured = [p for p in phases if p.regression and p.executed]
        if not measured:
            return {}
        excepted_by_phase = Counter(issue.phase_id for issue in excepted)
        rate = (
            min(100.0 * p.passed / p.executed for p in measured if p.passed is not None)
            if any(p.passed is not None for p in measured)
            else None
        )
        unexcepted = 0
        covered = 0
        for phase in measured:
            failures = phase.executed - (phase.passed if phase.passed is not None else 0)
            covered_here = min(failures, excepted_by_phase[phase.id])
            covered += covered_here
            unexcepted += failures - covered_here
        found = {
            "regression_failures_unexcepted": _about(unexcepted, measured),
            "regression_failures_excepted": _about(
                covered, [i for i in excepted if i.phase_id in {p.id for p in measured}]
            ),
        }
        if rate is not None:
            found["regression_pass_rate"] = _about(rate, measured)
        return found

    def _defects(self, defects: Sequence[Any]) -> dict[str, Fact]:
        by_severity: dict[int, list[Any]] = defaultdict(list)
        for defect in defects:
            if defect.status == "open":
                by_severity[defect.severity].append(defect)
        found = {f"defects_open_sev{s}": _count(by_severity[s]) for s in (1, 2, 3, 4)}
        found["defects_open_sev3_undated"] = _count([d for d in by_severity[3] if d.fix_due is None])
        return found

    # -- migration and operations ------------------------------------------------------------------

    def _migration(self) -> dict[str, Fact]:
        dmcs = self._known_list(self.pack.scope.dmcs, "scope.dmcs")
        exclusions = self._known_list(self.pack.scope.exclusions, "scope.exclusions")
        found = {"dmcs_in_scope": _count(dmcs), "exclusions": _count(exclusions)}
        migration = self.pack.migration
        if migration is None:
            return found
        rehearsals = sorted(
            self._known_list(migration.rehearsals, "migration.rehearsals"), key=lambda r: (r.date, r.id)
        )
        found["rehearsals"] = _count(rehearsals)
        if rehearsals:
            latest = rehearsals[-1]
            rate = 100.0 * latest.succeeded / latest.attempted if latest.attempted else 0.0
            found["rehearsal_success_rate"] = _about(rate, [latest])
            largest = max(rehearsals, key=lambda r: r.attempted)
            found["rehearsal_largest_volume"] = _about(largest.attempted, [largest])
        if migration.planned_daily_volume is not None:
            found["planned_daily_volume"] = Fact(migration.planned_daily_volume)
            if rehearsals:
                shortfall = max(0, migration.planned_daily_volume - largest.attempted)
                found["scale_shortfall"] = _about(shortfall, [largest])
        return found

    def _operations(self) -> dict[str, Fact]:
        found: dict[str, Fact] = {}
        operations = self.pack.operations
        if operations is not None:
            acceptance = self._known(operations.acceptance, "operations.acceptance")
            if acceptance is not None:
                given = acceptance.given and (acceptance.date is None or acceptance.date <= self.known_at)
                found["operational_acceptance_given"] = _about(given, [acceptance])
                if acceptance.date is not None:
                    found["operational_acceptance_date"] = _about(acceptance.date.isoformat(), [acceptance])
            providers = self._known_list(operations.service_providers, "operations.service_providers")
            not_ready = [p for p in providers if not p.ready]
            found["service_providers_not_ready"] = _count(not_ready)
            if not_ready:
                found["service_providers_not_ready_names"] = _about(", ".join(p.name for p in not_ready), not_ready)
        users = self.pack.service_users
        if users is not None:
            readiness = self._known(users.readiness, "service_users.readiness")
            if readiness is not None and readiness.surveyed:
                share = 100.0 * readiness.ready / readiness.surveyed
                found["user_readiness_percent"] = _about(share, [readiness])
            found["user_communications"] = _count(
                self._known_list(users.communications, "service_users.communications")
            )
        return found

    # -- incidents ---------------------------------------------------------------------------------

    def _incident_facts(self, as_at: date) -> dict[str, Fact]:
        if self.pack.incidents is None:
            return {}
        p = self.parameters
        end = _day_end(as_at)
        service = self.pack.statement.service
        blocking_set = set(p.blocking_categories)
        found = {
            "service": Fact(service.value),
            "blocking_categories": Fact("/".join(str(c) for c in sorted(blocking_set))),
        }
        found["incidents_reported"] = Fact(len(self._incidents))
        resolved = self._resolved

        # Unresolved incidents may be of any age; resolved ones only matter inside the longest window.
        longest = max(p.lookback_days, p.worst_month_lookback_days, p.stability_window_days)
        recent = self._incidents[bisect_left(self._opened, shift_moment(end, -timedelta(days=longest))) :]
        unresolved = self._blocking_unresolved
        blocking = unresolved + [i for i in recent if i.category in blocking_set and resolved(i) is not None]
        found["incidents_blocking_unresolved"] = _count(unresolved)

        window_start = shift_moment(end, -timedelta(days=p.stability_window_days))
        on_service = [i for i in blocking if i.service == service]
        in_window = [i for i in on_service if (resolved(i) or end) > window_start]
        found["incidents_blocking_service_window"] = _count(in_window)

        lookback_start = shift_moment(end, -timedelta(days=p.lookback_days))
        found["incidents_blocking_service_lookback"] = _count([i for i in on_service if i.opened >= lookback_start])
        found["incidents_blocking_other_lookback"] = _count(
            [i for i in blocking if i.service != service and i.opened >= lookback_start]
        )
        found["incidents_caused_lookback"] = _count(
            [i for i in recent if i.caused_by_capability and i.opened >= lookback_start]
        )
        restored = [i for i in blocking if i.opened >= lookback_start and resolved(i) is not None]
        if restored:
            slowest = max(restored, key=lambda i: (resolved(i) or i.opened) - i.opened)
            minutes = int(((resolved(slowest) or slowest.opened) - slowest.opened).total_seconds() // 60)
            found["longest_restore_minutes"] = _about(minutes, [slowest])

        month_start = shift_moment(end, -timedelta(days=p.worst_month_lookback_days))
        by_month: dict[str, list[Incident]] = defaultdict(list)
        for incident in blocking:
            if incident.opened >= month_start:
                by_month[incident.opened.strftime("%Y-%m")].append(incident)
        if by_month:
            month = max(sorted(by_month), key=lambda m: len(by_month[m]))
            found["incidents_worst_month"] = _about(month, by_month[month])
            found["incidents_worst_month_blocking"] = _count(by_month[month])
        else:
            found["incidents_worst_month_blocking"] = Fact(0)

        if on_service and not [i for i in on_service if resolved(i) is None]:
            last = max(on_service, key=lambda i: resolved(i) or i.opened)
            ended = resolved(last) or last.opened
            found["days_since_blocking"] = _about(max(0, (end - ended).days), [last])
        return found

    # -- performance -------------------------------------------------------------------------------

    def _performance(self, as_at: date) -> dict[str, Fact]:
        if self.pack.performance is None:
            return {}
        rows = self._rows
        if not rows:
            return {}
        p = self.parameters
        by_measure: dict[str, list[PerformanceRow]] = defaultdict(list)
        for row in rows:
            by_measure[row.measure].append(row)
        latest_month = max(row.month for row in rows)
        as_at_month = as_at.year * 12 + as_at.month - 1
        found = {
            "performance_latest_month": Fact(latest_month),
            "performance_months_stale": Fact(max(0, as_at_month - _month_index(latest_month) - 1)),
        }
        below_min_latest: list[PerformanceRow] = []
        below_target_latest: list[PerformanceRow] = []
        gaps: list[PerformanceRow] = []
        missing = 0
        streak_best: tuple[int, str, list[PerformanceRow]] = (0, "", [])
        worst: tuple[float, PerformanceRow] | None = None
        for measure in sorted(by_measure):
            series = sorted(by_measure[measure], key=lambda r: r.month)
            latest = series[-1]
            span = _month_index(latest.month) - _month_index(series[0].month) + 1
            if span > len({row.month for row in series}):
                missing += span - len({row.month for row in series})
                gaps.append(latest)
            target = latest.target if latest.target is not None else p.performance_target
            minimum = latest.minimum if latest.minimum is not None else p.performance_minimum
            if latest.achieved < minimum:
                below_min_latest.append(latest)
            elif latest.achieved < target:
                below_target_latest.append(latest)
            shortfall = target - latest.achieved
            if shortfall > 0 and (worst is None or shortfall > worst[0]):
                worst = (shortfall, latest)
            streak: list[PerformanceRow] = []
            for row in reversed(series):
                row_minimum = row.minimum if row.minimum is not None else p.performance_minimum
                expected = _month_index(latest.month) - len(streak)
                if row.achieved >= row_minimum or _month_index(row.month) != expected:
                    break
                streak.append(row)
            if len(streak) > streak_best[0]:
                streak_best = (len(streak), measure, streak)
        found["performance_months_missing"] = _about(missing, gaps)
        if gaps:
            found["performance_months_missing_measures"] = _about(", ".join(r.measure for r in gaps), gaps)
        found["performance_below_minimum_latest"] = _count(below_min_latest)
        found["performance_below_target_latest"] = _count(below_target_latest)
        found["performance_below_minimum_streak"] = _about(streak_best[0], streak_best[2])
        if streak_best[0]:
            found["performance_below_minimum_streak_measure"] = _about(streak_best[1], streak_best[2])
        if worst is not None:
            row = worst[1]
            found["performance_worst_measure"] = _about(f"{row.measure} ({row.month})", [row])
            found["performance_worst_achieved"] = _about(row.achieved, [row])
            found["performance_worst_target"] = Fact(row.target if row.target is not None else p.performance_target)
            found["performance_worst_minimum"] = Fact(row.minimum if row.minimum is not None else p.performance_minimum)
        return found

    # -- consumers, BCDR, security, residual risks ---------------------------------------------------

    def _consumers(self, as_at: date) -> dict[str, Fact]:
        if self.pack.consumer_risks is None:
            return {}
        risks = self._risks
        open_risks = [r for r in risks if not r.mitigated]
        unmitigated = [r for r in open_risks if not r.mitigation]
        planned = [r for r in open_risks if r.mitigation]
        overdue = [r for r in planned if r.mitigation_due is not None and r.mitigation_due < as_at]
        pending = [r for r in planned if r not in overdue]
        found = {
            "consumer_risks": _count(risks),
            "consumer_risks_unmitigated": _count(unmitigated),
            "consumer_risks_pending": _count(pending),
            "consumer_risks_overdue": _count(overdue),
        }
        due = [r.mitigation_due for r in pending if r.mitigation_due is not None]
        if due:
            found["consumer_risks_pending_due"] = _about(max(due).isoformat(), pending)
        return found

    def _bcdr(self, as_at: date) -> dict[str, Fact]:
        bcdr = self.pack.bcdr
        if bcdr is None:
            return {}
        found: dict[str, Fact] = {}
        plan = self._plan
        if plan is not None:
            found["bcdr_plan_published"] = _about(plan.published, [plan])
            found["bcdr_plan_revision_pending"] = _about(plan.pending_revision is not None, [plan])
            if plan.pending_revision is not None:
                found["bcdr_plan_revision"] = _about(plan.pending_revision, [plan])
            covered = {name.casefold() for name in plan.covers_providers} if plan.published else set()
            missing = [name for name in bcdr.required_providers if name.casefold() not in covered]
            found["bcdr_uncovered_providers"] = _about(len(missing), [plan])
            if missing:
                found["bcdr_uncovered_provider_names"] = _about(", ".join(missing), [plan])
        tests = self._bcdr_tests
        if tests:
            last = max(tests, key=lambda t: (t.date, t.id))
            found["bcdr_last_test_result"] = _about(last.result.value, [last])
            found["bcdr_last_test_age_days"] = _about((as_at - last.date).days, [last])
        return found

    def _security(self) -> dict[str, Fact]:
        security = self.pack.security
        if security is None:
            return {}
        found: dict[str, Fact] = {}
        architecture = self._known(security.architecture, "security.architecture")
        if architecture is not None:
            found["security_architecture_status"] = _about(architecture.status.value, [architecture])
        testing = self._known(security.testing, "security.testing")
        if testing is not None:
            found["security_testing_status"] = _about(testing.status.value, [testing])
            high = testing.open_high_findings if testing.status != SecurityTestingStatus.NOT_STARTED else 0
            found["security_testing_open_high"] = _about(high, [testing])
        assurance = self._known(security.independent_assurance, "security.independent_assurance")
        if assurance is not None:
            found["assurance_status"] = _about(assurance.status.value, [assurance])
        cio = self._known(security.cio_report, "security.cio_report")
        if cio is not None:
            found["cio_report_status"] = _about(cio.status.value, [cio])
        link = self._known(security.connectivity, "security.connectivity")
        if link is not None:
            found["connectivity_arrangement"] = _about(link.arrangement.value, [link])
            found["connectivity_description"] = _about(link.description, [link])
            if link.target_description:
                found["connectivity_target"] = _about(link.target_description, [link])
        if security.recent_issues is not None:
            issues = self._known_list(security.recent_issues, "security.recent_issues")
            unresolved = [i for i in issues if not i.resolved]
            found["security_issues_open"] = _count(unresolved)
            found["security_issues_open_high"] = _count([i for i in unresolved if i.severity == "high"])
        return found

    def _residual(self) -> dict[str, Fact]:
        if self.pack.residual_risks is None:
            return {}
        risks = self._known_list(self.pack.residual_risks, "residual_risks")
        high = [r for r in risks if "high" in (r.likelihood, r.impact)]
        return {
            "residual_risks": _count(risks),
            "residual_risks_high": _count(high),
            "residual_risks_high_unmitigated": _count([r for r in high if not r.mitigation]),
            "residual_risks_unaccepted": _count([r for r in risks if not r.accepted_by]),
        }


_INCIDENT_FACTS = frozenset(
    name
    for name in FACTS
    if name.startswith("incidents_") or name in ("days_since_blocking", "longest_restore_minutes")
)
_PERFORMANCE_FACTS = frozenset(name for name in FACTS if name.startswith("performance_"))
_CONSUMER_FACTS = frozenset(name for name in FACTS if name.startswith("consumer_risks"))


def fact_values(facts: Mapping[str, Fact]) -> dict[str, FactValue]:
    """Return just the values of a set of facts."""
    return {name: fact.value for name, fact in facts.items()}
