"""Performance facts (OPSG): monthly results against target and minimum service levels, gaps and staleness."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Set
from datetime import date

from lsc_engine.core.days import next_month
from lsc_engine.core.evidence import EvidencePack, PerformanceRow
from lsc_engine.core.facts.base import Change, Declared, Fact, Parameters, Section, about, count
from lsc_engine.core.facts.known import Known

_ROWS = ("performance",)


class PerformanceFacts(Section):
    """Facts of the performance section: only how stale the results are changes with the date, monthly."""

    declared = (
        Declared("performance_latest_month", "latest month with performance results", _ROWS),
        Declared(
            "performance_months_stale",
            "whole months between the latest results and the as-at month",
            _ROWS,
            Change.MONTHLY,
        ),
        Declared(
            "performance_months_missing", "months missing between a measure's first and latest reported month", _ROWS
        ),
        Declared("performance_months_missing_measures", "the measures with missing months", _ROWS),
        Declared(
            "performance_below_minimum_streak",
            "longest run of months below minimum, ending at a measure's latest month",
            _ROWS,
        ),
        Declared("performance_below_minimum_streak_measure", "the measure with that run", _ROWS),
        Declared(
            "performance_below_minimum_latest",
            "measures below their minimum service level in their latest month",
            _ROWS,
        ),
        Declared(
            "performance_below_target_latest",
            "measures below target but at or above minimum in their latest month",
            _ROWS,
        ),
        Declared("performance_worst_measure", "the measure furthest below its target in its latest month", _ROWS),
        Declared("performance_worst_achieved", "what that measure achieved (%)", _ROWS),
        Declared("performance_worst_target", "that measure's target (%)", _ROWS),
        Declared("performance_worst_minimum", "that measure's minimum (%)", _ROWS),
    )

    def __init__(self, pack: EvidencePack, parameters: Parameters, known: Known) -> None:
        super().__init__(pack, parameters, known)
        self._rows = known.items(pack.performance, "performance")
        latest_month = max((row.month for row in self._rows), default=None)
        # Everything but the staleness is the same at every date: derive it once.
        self._fixed = self._derive(latest_month) if latest_month is not None else {}
        self._latest = _month_index(latest_month) if latest_month is not None else 0

    def facts(self, as_at: date) -> dict[str, Fact]:
        """Derive the performance facts as at a date: the results grow staler month by month."""
        if not self._rows:
            return {}
        as_at_month = as_at.year * 12 + as_at.month - 1
        return self._fixed | {"performance_months_stale": Fact(max(0, as_at_month - self._latest - 1))}

    def change_dates(
        self, after: date, until: date, names: Set[str], reaching: Mapping[str, Iterable[float]]
    ) -> set[date]:
        """Return the first day of each month after ``after`` up to ``until``: the results grow a month staler."""
        found: set[date] = set()
        if not names & self.dated or not self._rows:
            return found
        month: date | None = date(after.year, after.month, 1)
        while month is not None and month <= until:
            month = next_month(month)
            if month is not None:
                found.add(month)
        return found

    def _derive(self, latest_month: str) -> dict[str, Fact]:
        """Derive the facts that do not change with the date, from the rows known (at least one)."""
        p = self.parameters
        rows = self._rows
        by_measure: dict[str, list[PerformanceRow]] = defaultdict(list)
        for row in rows:
            by_measure[row.measure].append(row)
        found = {"performance_latest_month": Fact(latest_month)}
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
        found["performance_months_missing"] = about(missing, gaps)
        if gaps:
            found["performance_months_missing_measures"] = about(", ".join(r.measure for r in gaps), gaps)
        found["performance_below_minimum_latest"] = count(below_min_latest)
        found["performance_below_target_latest"] = count(below_target_latest)
        found["performance_below_minimum_streak"] = about(streak_best[0], streak_best[2])
        if streak_best[0]:
            found["performance_below_minimum_streak_measure"] = about(streak_best[1], streak_best[2])
        if worst is not None:
            row = worst[1]
            found["performance_worst_measure"] = about(f"{row.measure} ({row.month})", [row])
            found["performance_worst_achieved"] = about(row.achieved, [row])
            found["performance_worst_target"] = Fact(row.target if row.target is not None else p.performance_target)
            found["performance_worst_minimum"] = Fact(row.minimum if row.minimum is not None else p.performance_minimum)
        return found


def _month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1
