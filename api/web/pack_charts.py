"""The charts a page shows for a pack as at a date: the incident timeline and monthly performance, with figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from api.web import charts
from lsc_engine.core.evidence import EvidencePack, Incident, measure_kind
from lsc_engine.core.ruleset import Ruleset


@dataclass(frozen=True)
class Charts:
    """The charts of a pack as at a date, with the figures behind them."""

    timeline: Markup | None
    incidents: list[Incident]
    blocking: list[int]
    service: str
    performance: list[tuple[str, Markup]]
    measures: dict[str, list[tuple[str, float, float, float]]]
    named: dict[str, str]


def chart_set(pack: EvidencePack, ruleset: Ruleset, as_at: date) -> Charts:
    """Draw the incident timeline and the performance charts of a pack as at a date."""
    parameters = ruleset.parameters
    timeline = None
    incidents: list[Incident] = []
    if pack.incidents is not None:
        timeline = Markup(charts.incident_timeline(pack, parameters, as_at))
        incidents = charts.known_incidents(pack, as_at, charts.timeline_range(parameters, as_at))
    series = charts.performance_series(pack, as_at)
    measures = {
        measure: [
            (
                row.month,
                row.achieved,
                row.target if row.target is not None else parameters.performance_target,
                row.minimum if row.minimum is not None else parameters.performance_minimum,
            )
            for row in rows
        ]
        for measure, rows in series.items()
    }
    # Each measure is captioned with its kind: a Code Performance Measure or a service provider's.
    named = {measure: measure_kind(measure, rows).label(measure) for measure, rows in series.items()}
    performance = [
        (measure, Markup(charts.performance_chart(named[measure], rows, parameters)))
        for measure, rows in series.items()
    ]
    return Charts(
        timeline=timeline,
        incidents=incidents,
        blocking=list(parameters.blocking_categories),
        service=pack.statement.service.value,
        performance=performance,
        measures=measures,
        named=named,
    )
