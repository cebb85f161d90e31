"""Charts as SVG markup: an incident timeline and monthly performance per measure; pure functions, text escaped."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from html import escape

from lsc_engine.core.days import shift_moment
from lsc_engine.core.evidence import EvidencePack, Incident, PerformanceRow
from lsc_engine.core.ruleset import Parameters

#: Days drawn after the as-at date, so that the as-at line does not sit on the edge.
DAYS_AFTER = 7

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _e(text: object) -> str:
    """Escape text for SVG (XML) content and attribute values."""
    return escape(str(text), quote=True)


def _n(value: float) -> str:
    """Format a coordinate compactly."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _day_start(day: date) -> datetime:
    """Return midnight UTC at the start of a day."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def _open_svg(width: int, height: int, label: str, title: str, desc: str, css: str) -> list[str]:
    """Start an accessible SVG document."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" role="img" aria-label="{_e(label)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{_e(title)}</title>",
        f"<desc>{_e(desc)}</desc>",
    ]


def _categories(values: list[int]) -> str:
    """Render incident categories as e.g. 'Category 1/2'."""
    return "Category " + "/".join(str(v) for v in sorted(values))


# -- incidents ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineRange:
    """The span an incident timeline covers and the windows it shades (all instants UTC)."""

    start: datetime
    end: datetime
    as_at: datetime
    lookback_start: datetime
    window_start: datetime


def timeline_range(parameters: Parameters, as_at: date, *, days_after: int = DAYS_AFTER) -> TimelineRange:
    """Return the timeline's span: from the worst-month look-back before the as-at date to a few days after it."""
    as_at_end = shift_moment(_day_start(as_at), timedelta(days=1))
    return TimelineRange(
        start=shift_moment(as_at_end, -timedelta(days=parameters.worst_month_lookback_days)),
        end=shift_moment(as_at_end, timedelta(days=days_after)),
        as_at=as_at_end,
        lookback_start=shift_moment(as_at_end, -timedelta(days=parameters.lookback_days)),
        window_start=shift_moment(as_at_end, -timedelta(days=parameters.stability_window_days)),
    )


def known_incidents(pack: EvidencePack, as_at: date, span: TimelineRange) -> list[Incident]:
    """Return the incidents known at the as-at date that opened within the timeline's span, oldest first."""
    found = [
        incident
        for incident in pack.incidents or []
        if incident.provenance.date <= as_at and span.start <= incident.opened < span.as_at
    ]
    return sorted(found, key=lambda incident: (incident.opened, incident.id))


def _month_starts(start: datetime, end: datetime) -> list[datetime]:
    """Return the first instant of every month that begins within a span."""
    year, month = start.year, start.month
    found: list[datetime] = []
    while year <= date.max.year:
        first = datetime(year, month, 1, tzinfo=UTC)
        if first > end:
            return found
        if first >= start:
            found.append(first)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _near(placed: list[float], x: float) -> int:
    """Count the markers placed within 11 units of ``x``, all of them at or left of it (incidents oldest first).

    Placed in order, they stand in order, and those near ``x`` are the last ones: found by bisection, where counting
    every marker of the lane took time growing with the square of the incidents shown.
    """
    return len(placed) - bisect_left(placed, True, key=lambda other: abs(other - x) < 11)


def _marker(shape: str, x: float, y: float, css: str, tooltip: str) -> str:
    """Draw an incident marker: a circle, or a triangle pointing up."""
    hover = f"<title>{_e(tooltip)}</title>"
    if shape == "circle":
        return f'<circle class="marker {css}" cx="{_n(x)}" cy="{_n(y)}" r="5">{hover}</circle>'
    points = f"{_n(x)},{_n(y - 6)} {_n(x + 6)},{_n(y + 5)} {_n(x - 6)},{_n(y + 5)}"
    return f'<polygon class="marker {css}" points="{points}">{hover}</polygon>'


def incident_timeline(pack: EvidencePack, parameters: Parameters, as_at: date, *, days_after: int = DAYS_AFTER) -> str:
    """Draw the incidents known at a date on a timeline with the look-back and stability windows shaded."""
    span = timeline_range(parameters, as_at, days_after=days_after)
    incidents = known_incidents(pack, as_at, span)
    service = pack.statement.service.value
    blocking = set(parameters.blocking_categories)
    blocking_words = _categories(list(blocking))
    others = [c for c in range(1, 6) if c not in blocking]
    other_words = _categories(others) if others else "Other categories"

    width, height = 960, 250
    left, right, top = 170, 940, 14
    lane_height = 60
    axis_y = top + 2 * lane_height
    seconds = (span.end - span.start).total_seconds()

    def x_of(instant: datetime) -> float:
        return left + (right - left) * (instant - span.start).total_seconds() / seconds

    counts = {
        "blocking_service": sum(1 for i in incidents if i.category in blocking and i.service.value == service),
        "blocking_other": sum(1 for i in incidents if i.category in blocking and i.service.value != service),
    }
    label = (
        f"Incident timeline as at {as_at.isoformat()}: {len(incidents)} incidents from "
        f"{span.start.date().isoformat()}; {counts['blocking_service']} {blocking_words} on {service}, "
        f"{counts['blocking_other']} {blocking_words} on other services."
    )
    desc = (
        f"Each marker is an incident, placed at the time it opened. Filled markers are {blocking_words} incidents, "
        f"which count against stability; hollow markers are {other_words}. Circles are incidents on {service}, "
        f"the capability's service; triangles are incidents on other services. The shaded bands are the "
        f"look-back ({parameters.lookback_days} days) and the stability window "
        f"({parameters.stability_window_days} days), both ending at the as-at line."
    )
    out = _open_svg(width, height, label, f"Incidents up to {as_at.isoformat()}", desc, "timeline")

    # Windows, then the grid, then the lanes.
    out.append(
        f'<rect class="lookback" x="{_n(x_of(span.lookback_start))}" y="{top}" '
        f'width="{_n(x_of(span.as_at) - x_of(span.lookback_start))}" height="{2 * lane_height}"/>'
    )
    out.append(
        f'<rect class="window" x="{_n(x_of(span.window_start))}" y="{top}" '
        f'width="{_n(x_of(span.as_at) - x_of(span.window_start))}" height="{2 * lane_height}"/>'
    )
    for first in _month_starts(span.start, span.end):
        x = x_of(first)
        out.append(f'<line class="grid" x1="{_n(x)}" y1="{top}" x2="{_n(x)}" y2="{axis_y}"/>')
        out.append(f'<line class="axis" x1="{_n(x)}" y1="{axis_y}" x2="{_n(x)}" y2="{axis_y + 5}"/>')
        out.append(
            f'<text class="tick" x="{_n(x)}" y="{axis_y + 18}" text-anchor="middle">'
            f"{MONTH_NAMES[first.month - 1]} {first.year}</text>"
        )
    out.append(f'<line class="grid" x1="{left}" y1="{top + lane_height}" x2="{right}" y2="{top + lane_height}"/>')
    out.append(f'<line class="axis" x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}"/>')
    out.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{axis_y}"/>')
    lanes = {service: top + lane_height / 2, "other": top + 1.5 * lane_height}
    out.append(
        f'<text class="lane" x="{left - 8}" y="{_n(lanes[service] + 4)}" text-anchor="end">{_e(service)} '
        f"(this capability)</text>"
    )
    out.append(
        f'<text class="lane" x="{left - 8}" y="{_n(lanes["other"] + 4)}" text-anchor="end">Other services</text>'
    )

    asat_x = x_of(span.as_at)
    out.append(f'<line class="asat" x1="{_n(asat_x)}" y1="{top - 4}" x2="{_n(asat_x)}" y2="{axis_y}"/>')
    out.append(f'<text class="tick" x="{left}" y="{axis_y + 36}">Date the incident opened</text>')

    placed: dict[str, list[float]] = defaultdict(list)
    offsets = (0, -12, 12, -24, 24)
    for incident in incidents:
        lane = service if incident.service.value == service else "other"
        x = x_of(incident.opened)
        level = _near(placed[lane], x)
        placed[lane].append(x)
        y = lanes[lane] + offsets[level % len(offsets)]
        is_blocking = incident.category in blocking
        resolved = incident.resolved.strftime("%Y-%m-%d %H:%M") if incident.resolved else "not resolved"
        tooltip = (
            f"{incident.id}: Category {incident.category} on {incident.service.value}, opened "
            f"{incident.opened.strftime('%Y-%m-%d %H:%M')} UTC, {resolved}"
        )
        out.append(
            _marker(
                "circle" if lane == service else "triangle",
                x,
                y,
                "blocking" if is_blocking else "other",
                tooltip,
            )
        )

    # Legend: two rows beneath the axis title.
    row1, row2 = axis_y + 62, axis_y + 86
    legend = [
        (left, row1, _marker("circle", left + 6, row1 - 4, "blocking", blocking_words), f"{blocking_words} (blocking)"),
        (left + 220, row1, _marker("circle", left + 226, row1 - 4, "other", other_words), other_words),
        (left + 400, row1, _marker("circle", left + 406, row1 - 4, "key", service), f"On {service}"),
        (left + 520, row1, _marker("triangle", left + 526, row1 - 4, "key", "other"), "On other services"),
    ]
    for x, y, mark, text in legend:
        out.append(mark)
        out.append(f'<text class="legend" x="{x + 18}" y="{y}">{_e(text)}</text>')
    out.append(f'<rect class="lookback" x="{left}" y="{row2 - 11}" width="14" height="14"/>')
    out.append(
        f'<text class="legend" x="{left + 18}" y="{row2}">Look-back: last {parameters.lookback_days} days</text>'
    )
    out.append(f'<rect class="window" x="{left + 220}" y="{row2 - 11}" width="14" height="14"/>')
    out.append(
        f'<text class="legend" x="{left + 238}" y="{row2}">Stability window: last '
        f"{parameters.stability_window_days} days</text>"
    )
    out.append(f'<line class="asat" x1="{left + 527}" y1="{row2 - 12}" x2="{left + 527}" y2="{row2 + 3}"/>')
    out.append(f'<text class="legend" x="{left + 538}" y="{row2}">As at {as_at.isoformat()}</text>')
    out.append("</svg>")
    return "\n".join(out)


# -- performance -------------------------------------------------------------------------------------


def _month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def _month_label(index: int) -> str:
    return f"{MONTH_NAMES[index % 12]} {index // 12}"


def performance_series(pack: EvidencePack, as_at: date) -> dict[str, list[PerformanceRow]]:
    """Return the performance rows known at the as-at date, by measure (sorted), each oldest month first."""
    series: dict[str, list[PerformanceRow]] = defaultdict(list)
    for row in pack.performance or []:
        if row.provenance.date <= as_at:
            series[row.measure].append(row)
    return {measure: sorted(rows, key=lambda r: (r.month, r.id)) for measure, rows in sorted(series.items())}


def _ticks(low: float, high: float) -> tuple[float, float, list[float]]:
    """Choose a round step and tick values spanning low to high with at most six ticks."""
    for step in (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 25.0):
        bottom = math.floor(low / step) * step
        top = math.ceil(high / step) * step
        if (top - bottom) / step <= 6:
            break
    count = round((top - bottom) / step)
    return bottom, top, [bottom + i * step for i in range(count + 1)]


def performance_chart(measure: str, rows: list[PerformanceRow], parameters: Parameters) -> str:
    """Draw one measure's monthly achieved % with its target (dashed) and minimum (dotted) lines."""
    if not rows:
        raise ValueError(f"no performance results for {measure}")
    rows = sorted(rows, key=lambda r: (r.month, r.id))
    targets = [r.target if r.target is not None else parameters.performance_target for r in rows]
    minimums = [r.minimum if r.minimum is not None else parameters.performance_minimum for r in rows]
    first, last = _month_index(rows[0].month), _month_index(rows[-1].month)
    months = last - first + 1

    width, height = 460, 270
    left, right, top, bottom = 64, 444, 34, 208
    values = [r.achieved for r in rows] + targets + minimums
    low, high, ticks = _ticks(max(0.0, min(values) - 0.5), min(100.0, max(values) + 0.2))
    step = (right - left) / months

    def x_of(index: int) -> float:
        return left + (index - first + 0.5) * step

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * (value - low) / (high - low)

    latest = rows[-1]
    latest_target, latest_minimum = targets[-1], minimums[-1]
    label = (
        f"{measure}: monthly achieved service level from {rows[0].month} to {latest.month}; latest "
        f"{latest.achieved:g}% against a target of {latest_target:g}% and a minimum of {latest_minimum:g}%."
    )
    desc = (
        "The solid line joins the percentage achieved each month; the dashed line is the target and the "
        "dotted line the minimum service level. Gaps in the line are months with no result."
    )
    out = _open_svg(width, height, label, f"{measure}: achieved each month", desc, "performance")

    for tick in ticks:
        y = y_of(tick)
        out.append(f'<line class="grid" x1="{left}" y1="{_n(y)}" x2="{right}" y2="{_n(y)}"/>')
        out.append(f'<text class="tick" x="{left - 6}" y="{_n(y + 4)}" text-anchor="end">{tick:g}</text>')
    out.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>')
    out.append(f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    every = max(1, math.ceil(months * 60 / (right - left)))
    for index in range(first, last + 1, every):
        out.append(
            f'<text class="tick" x="{_n(x_of(index))}" y="{bottom + 16}" text-anchor="middle">'
            f"{_month_label(index)}</text>"
        )
    out.append(
        f'<text class="axis-title" x="{_n((left + right) / 2)}" y="{bottom + 36}" text-anchor="middle">Month</text>'
    )
    out.append(
        f'<text class="axis-title" x="14" y="{_n((top + bottom) / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_n((top + bottom) / 2)})">Achieved (%)</text>'
    )

    def steps(levels: list[float]) -> str:
        points = []
        for row, level in zip(rows, levels, strict=True):
            x = x_of(_month_index(row.month))
            points += [f"{_n(x - step / 2)},{_n(y_of(level))}", f"{_n(x + step / 2)},{_n(y_of(level))}"]
        return " ".join(points)

    out.append(f'<polyline class="target" fill="none" points="{steps(targets)}"/>')
    out.append(f'<polyline class="minimum" fill="none" points="{steps(minimums)}"/>')

    runs: list[list[PerformanceRow]] = []
    for row in rows:
        if runs and _month_index(row.month) == _month_index(runs[-1][-1].month) + 1:
            runs[-1].append(row)
        elif not runs or row.month != runs[-1][-1].month:
            runs.append([row])
    for run in runs:
        points = " ".join(f"{_n(x_of(_month_index(r.month)))},{_n(y_of(r.achieved))}" for r in run)
        out.append(f'<polyline class="series" fill="none" points="{points}"/>')
    for row, target, minimum in zip(rows, targets, minimums, strict=True):
        tooltip = f"{row.month}: {row.achieved:g}% (target {target:g}%, minimum {minimum:g}%)"
        out.append(
            f'<circle class="point" cx="{_n(x_of(_month_index(row.month)))}" cy="{_n(y_of(row.achieved))}" r="3">'
            f"<title>{_e(tooltip)}</title></circle>"
        )

    # Legend along the top.
    out.append(f'<line class="series" x1="{left}" y1="14" x2="{left + 24}" y2="14"/>')
    out.append(f'<text class="legend" x="{left + 30}" y="18">Achieved</text>')
    out.append(f'<line class="target" x1="{left + 110}" y1="14" x2="{left + 134}" y2="14"/>')
    out.append(f'<text class="legend" x="{left + 140}" y="18">Target ({latest_target:g}%)</text>')
    out.append(f'<line class="minimum" x1="{left + 240}" y1="14" x2="{left + 264}" y2="14"/>')
    out.append(f'<text class="legend" x="{left + 270}" y="18">Minimum ({latest_minimum:g}%)</text>')
    out.append("</svg>")
    return "\n".join(out)


def performance_charts(pack: EvidencePack, parameters: Parameters, as_at: date) -> list[tuple[str, str]]:
    """Return (measure, SVG) for every performance measure with results known at the as-at date."""
    return [
        (measure, performance_chart(measure, rows, parameters))
        for measure, rows in performance_series(pack, as_at).items()
    ]
