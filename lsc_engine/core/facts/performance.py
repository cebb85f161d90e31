"""Performance facts (OPSG): monthly results against target and minimum service levels, and the months missing.

Each measure is due for every month from its first reported one, a number of days (``performance_reporting_lag_days``)
after the month ends. A month due and not reported is missing for that measure; a measure missing its latest due
month has stopped reporting, and is not rated on the last value it reported.

Code Performance Measures (set by SEC Section H13) and service providers' Performance Measures are counted apart,
so that a rule can rest each on its own basis, and every fact names a measure by its kind as well as its name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from datetime import date
from typing import Final

from lsc_engine.core.days import next_month, shift
from lsc_engine.core.evidence import EvidencePack, MeasureKind, PerformanceRow, measure_kind
from lsc_engine.core.facts.base import (
    Change,
    Declared,
    Fact,
    Parameters,
    Section,
    about,
    count,
    not_yet_reported,
)
from lsc_engine.core.facts.known import Known

_ROWS = ("performance",)
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

#: Each kind's part of the names of the facts that count measures of that kind.
_KIND_FACT_NAMES = {MeasureKind.CODE: "code", MeasureKind.SERVICE_PROVIDER: "provider"}


class _Measure:  # a plain class: a dataclass's generated __init__ runs as Python
    """One measure's reported months and what its latest result says, the same at every date."""

    def __init__(
        self,
        name: str,
        kind: MeasureKind,
        months: tuple[int, ...],
        latest: PerformanceRow,
        target: float,
        minimum: float,
        streak: tuple[PerformanceRow, ...],
        year: tuple[PerformanceRow, ...],
    ) -> None:
        self.name: Final = name
        self.kind: Final = kind
        self.months: Final = months  # distinct month indices reported, in order
        self.latest: Final = latest
        self.target: Final = target
        self.minimum: Final = minimum
        self.streak: Final = streak  # the run of months below minimum that ends with the latest
        self.year: Final = year  # the rows of the twelve months that end with the latest, as reported

    def year_below_target(self) -> str | None:
        """Say that the measure missed its target in each of the twelve months to its latest, if it did."""
        if len(self.year) < 12 or any(row.achieved >= self._level(row.target, self.target) for row in self.year):
            return None
        at_minimum = sum(1 for row in self.year if row.achieved >= self._level(row.minimum, self.minimum))
        return (
            f"{self.label}: below its target service level in each of the 12 months to "
            f"{_month_text(_month_index(self.latest.month))}, and at or above its minimum in {at_minimum} of them"
        )

    @staticmethod
    def _level(stated: float | None, default: float) -> float:
        return stated if stated is not None else default

    @property
    def label(self) -> str:
        """Name the measure with its kind, e.g. "service-provider performance measure PM2"."""
        return self.kind.label(self.name)

    def result(self) -> str:
        """Say what the measure achieved in its latest month against its levels."""
        row = self.latest
        return (
            f"{self.label}, {percent(row.achieved)}% in {_month_text(_month_index(row.month))} "
            f"(target {percent(self.target)}%, minimum {percent(self.minimum)}%)"
        )

    def missing(self, due_through: int) -> list[tuple[int, int]]:
        """Return the runs (first, last) of months due by ``due_through`` that the measure has not reported."""
        runs = []
        expected = self.months[0]
        for month in self.months:
            if month > due_through:
                break
            if month > expected:
                runs.append((expected, month - 1))
            expected = month + 1
        if expected <= due_through:
            runs.append((expected, due_through))
        return runs


class PerformanceFacts(Section):
    """Facts of the performance section: they change as each month's results fall due."""

    declared = (
        Declared("performance_latest_month", "latest month with performance results", _ROWS),
        Declared(
            "performance_reported_from",
            "when every performance result in the pack was reported after the as-at date: the date the first was",
            _ROWS,
        ),
        Declared(
            "performance_months_missing",
            "months due by the as-at date and not reported, over every measure, from each one's first reported month",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared(
            "performance_months_missing_measures",
            "each measure with months missing, and which months",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared(
            "performance_below_minimum_streak",
            "longest run of months below minimum, ending at the latest month of a measure still reporting",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared("performance_below_minimum_streak_measure", "the measure with that run", _ROWS, Change.DUE_DATES),
        Declared(
            "performance_year_below_target_code",
            "Code Performance Measures below target in each of the 12 months to their latest",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared(
            "performance_year_below_target_code_measures",
            "each of those measures, with the months at or above its minimum",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared(
            "performance_below_minimum_latest",
            "measures still reporting that are below their minimum service level in their latest month",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared(
            "performance_below_target_latest",
            "measures still reporting that are below target but at or above minimum in their latest month",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared(
            "performance_below_minimum_code",
            "Code Performance Measures still reporting that are below minimum in their latest month",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared(
            "performance_below_minimum_code_measures",
            "each of those Code Performance Measures, with its latest result, target and minimum",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared(
            "performance_below_minimum_provider",
            "service-provider measures still reporting that are below minimum in their latest month",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared(
            "performance_below_minimum_provider_measures",
            "each of those service-provider performance measures, with its latest result, target and minimum",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared(
            "performance_below_target_code",
            "Code Performance Measures still reporting that are below target, not minimum, in their latest month",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared(
            "performance_below_target_code_measures",
            "each of those Code Performance Measures, with its latest result, target and minimum",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared(
            "performance_below_target_provider",
            "service-provider measures still reporting that are below target, not minimum, in their latest month",
            _ROWS,
            Change.DUE_DATES,
        ),
        Declared(
            "performance_below_target_provider_measures",
            "each of those service-provider performance measures, with its latest result, target and minimum",
            _ROWS,
            Change.DUE_DATES,
        ),
    )

    def __init__(self, pack: EvidencePack, parameters: Parameters, known: Known) -> None:
        super().__init__(pack, parameters, known)
        rows = known.items(pack.performance, "performance")
        statement = pack.statement.date
        self._late = not_yet_reported("performance_reported_from", pack.performance, rows, statement, known.at)
        by_measure: dict[str, list[PerformanceRow]] = defaultdict(list)
        for row in rows:
            by_measure[row.measure].append(row)
        self._measures = [_measure(name, by_measure[name], parameters) for name in sorted(by_measure)]
        latest = max((row.month for row in rows), default=None)
        self._latest = {"performance_latest_month": Fact(latest)} if latest is not None else {}
        # Many dates share the months due by them: the facts are derived once for each such month.
        self._by_due: dict[int, dict[str, Fact]] = {}

    def facts(self, as_at: date) -> dict[str, Fact]:
        """Derive the performance facts as at a date: the months due by then, and the measures still reporting."""
        if self._late:
            return dict(self._late)
        if not self._measures:
            return {}
        due_through = _due_through(as_at, self.parameters.performance_reporting_lag_days)
        found = self._by_due.get(due_through)
        if found is None:
            found = self._by_due[due_through] = self._latest | self._derive(due_through)
        return dict(found)

    def change_dates(
        self, after: date, until: date, names: Set[str], reaching: Mapping[str, Iterable[float]]
    ) -> set[date]:
        """Return the day after each month's results fall due, from ``after`` to ``until``."""
        found: set[date] = set()
        if not names & self.dated or not self._measures:
            return found
        lag = self.parameters.performance_reporting_lag_days
        month = max(_due_through(after, lag) + 1, 12)  # no month before year 1 has a first day
        first: date | None = date(month // 12, month % 12 + 1, 1)
        while first is not None:
            following = next_month(first)
            if following is None:  # the calendar's last month: its results are never due
                break
            day = shift(following, lag)  # the month's last day, plus the lag, plus the day after
            if day > until:
                break
            found.add(day)
            first = following
        return found

    def _derive(self, due_through: int) -> dict[str, Fact]:
        """Derive the facts for the months due through a month: gaps for every measure, values for those current."""
        found: dict[str, Fact] = {}
        missing = 0
        gaps: list[str] = []
        gap_rows: list[PerformanceRow] = []
        current: list[_Measure] = []
        for measure in self._measures:
            runs = measure.missing(due_through)
            if runs:
                months = sum(last - first + 1 for first, last in runs)
                missing += months
                noun = "figure" if months == 1 else "figures"
                months_text = _listed([text for run in runs for text in _run_text(run)])
                gaps.append(f"{measure.label}: no {noun} for {months_text}")
                gap_rows.append(measure.latest)
            if measure.months[-1] >= due_through:  # its latest due month is reported
                current.append(measure)
        found["performance_months_missing"] = about(missing, gap_rows)
        if gaps:
            found["performance_months_missing_measures"] = about("; ".join(gaps), gap_rows)
        below_minimum = [m.latest for m in current if m.latest.achieved < m.minimum]
        below_target = [m.latest for m in current if m.minimum <= m.latest.achieved < m.target]
        found["performance_below_minimum_latest"] = count(below_minimum)
        found["performance_below_target_latest"] = count(below_target)
        longest = max(current, key=lambda m: len(m.streak), default=None)  # the first measure of the longest runs
        streak = longest.streak if longest is not None else ()
        found["performance_below_minimum_streak"] = about(len(streak), streak)
        if longest is not None and streak:
            found["performance_below_minimum_streak_measure"] = about(longest.label, streak)
        year = [(m, text) for m in current if m.kind is MeasureKind.CODE and (text := m.year_below_target())]
        found["performance_year_below_target_code"] = count([m.latest for m, _ in year])
        if year:
            rows = [row for m, _ in year for row in m.year]
            found["performance_year_below_target_code_measures"] = about("; ".join(t for _, t in year), rows)
        levels = {
            "minimum": [m for m in current if m.latest.achieved < m.minimum],
            "target": [m for m in current if m.minimum <= m.latest.achieved < m.target],
        }
        for level, measures in levels.items():
            for kind, name in _KIND_FACT_NAMES.items():
                of_kind = [m for m in measures if m.kind is kind]
                found[f"performance_below_{level}_{name}"] = count([m.latest for m in of_kind])
                if of_kind:
                    results = "; ".join(m.result() for m in of_kind)
                    found[f"performance_below_{level}_{name}_measures"] = about(results, [m.latest for m in of_kind])
        return found


def _measure(name: str, rows: Sequence[PerformanceRow], parameters: Parameters) -> _Measure:
    """Summarise one measure's rows: its months, latest result, levels, and the run below minimum it ends."""
    series = sorted(rows, key=lambda r: r.month)
    indices = [_month_index(row.month) for row in series]  # each row's month, read once
    latest = series[-1]
    streak: list[PerformanceRow] = []
    for row, index in zip(reversed(series), reversed(indices), strict=True):
        row_minimum = row.minimum if row.minimum is not None else parameters.performance_minimum
        expected = indices[-1] - len(streak)
        if row.achieved >= row_minimum or index != expected:
            break
        streak.append(row)
    first = indices[-1] - 11
    return _Measure(
        year=tuple(row for row, index in zip(series, indices, strict=True) if index >= first),
        name=name,
        kind=measure_kind(name, series),
        months=tuple(sorted(set(indices))),
        latest=latest,
        target=latest.target if latest.target is not None else parameters.performance_target,
        minimum=latest.minimum if latest.minimum is not None else parameters.performance_minimum,
        streak=tuple(streak),
    )


def _due_through(as_at: date, lag_days: int) -> int:
    """Return the last month whose results were due before a date: due ``lag_days`` after it ended, so missing after."""
    day = shift(as_at, -(lag_days + 1))  # the months that ended by this day were due before the as-at date
    following = next_month(day)
    last_day = shift(following, -1) if following is not None else date.max
    index = day.year * 12 + day.month - 1
    return index if day == last_day else index - 1


def percent(value: float) -> str:
    """Write a percentage without trailing zeros: 92, 97.9."""
    return f"{value:g}"


def month_words(month: str) -> str:
    """Write a month (YYYY-MM) for people: "October 2020"."""
    return _month_text(_month_index(month))


def _month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def _month_text(index: int) -> str:
    return f"{_MONTH_NAMES[index % 12]} {index // 12}"


def _run_text(run: tuple[int, int]) -> list[str]:
    """Write a run of months for people: "June 2020"; two months each; "April to June 2020" from three."""
    first, last = run
    if last - first < 2:
        return [_month_text(month) for month in range(first, last + 1)]
    if first // 12 == last // 12:
        return [f"{_MONTH_NAMES[first % 12]} to {_month_text(last)}"]
    return [f"{_month_text(first)} to {_month_text(last)}"]


def _listed(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
