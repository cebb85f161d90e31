"""A capability's timeline as SVG markup: a lane per kind of moment, a mark per date; a pure function, text escaped."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from lsc_engine.committee.timeline import Lane, Moment
from lsc_engine.core.words import day_words

LANE_NAMES = {
    Lane.EVIDENCE: "DCC's evidence",
    Lane.COMMITTEES: "Committees",
    Lane.CONDITIONS: "Conditions",
    Lane.MILESTONES: "Milestones",
}
WIDTH, LEFT, RIGHT, TOP, LANE_HEIGHT, AXIS = 900, 130, 20, 16, 40, 34
#: A gap longer than this many days between moments breaks the axis; a break takes this many pixels.
GAP_DAYS, BREAK = 120, 24
#: The fewest days a stretch of the axis is drawn as spanning, and the pixels a month needs to be named.
MIN_SPAN_DAYS, MONTH_ROOM = 30, 34
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _month_starts(first: date, last: date) -> list[date]:
    """Return the first day of every month from ``first``'s month through ``last``."""
    day, found = first.replace(day=1), []
    while day <= last:
        found.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return found


@dataclass(frozen=True)
class _Stretch:
    """A run of dates with no long gap, drawn on its own part of the axis."""

    first: date
    last: date
    left: float
    right: float

    def x(self, day: date) -> float:
        """Place a day within the stretch."""
        return self.left + (self.right - self.left) * (day - self.first).days / max(1, (self.last - self.first).days)


def _stretches(days: list[date]) -> list[_Stretch]:
    """Split the axis where the dates leave a long gap (evidence from one year, records from another).

    Each stretch gets width in proportion to the days it spans, but never less than a month's worth, so that a
    short burst of moments stays legible beside a long one.
    """
    runs: list[list[date]] = []
    for day in sorted(set(days)):
        if runs and (day - runs[-1][-1]).days <= GAP_DAYS:
            runs[-1].append(day)
        else:
            runs.append([day])
    bounds = [(run[0] - timedelta(days=3), run[-1] + timedelta(days=3)) for run in runs]
    spans = [max(MIN_SPAN_DAYS, (last - first).days) for first, last in bounds]
    room = WIDTH - LEFT - RIGHT - BREAK * (len(runs) - 1)
    total = sum(spans)
    found, left = [], float(LEFT)
    for (first, last), span in zip(bounds, spans, strict=True):
        right = left + room * span / total
        found.append(_Stretch(first, last, left, right))
        left = right + BREAK
    return found


def timeline_svg(moments: list[Moment], marked: date | None = None) -> str:
    """Draw moments on a time axis, one lane per kind; planned ones hollow; ``marked`` as a dashed line.

    Where the moments leave a gap of months (a 2020 decision recorded years later), the axis is broken and each
    side drawn at its own scale, so that neither cluster is squeezed to a point.
    """
    if not moments:
        return ""
    stretches = _stretches([*(m.on for m in moments), *([marked] if marked else [])])
    lanes = list(Lane)
    height = TOP + LANE_HEIGHT * len(lanes) + AXIS

    firsts = [stretch.first for stretch in stretches]

    def x(day: date) -> float:
        # The stretches stand in order and apart (their days more than GAP_DAYS apart, each padded by 3): a day's is
        # the last to start by it, found by bisection, where trying each in turn took time growing with the square
        # of the moments.
        stretch = stretches[bisect_right(firsts, day) - 1]
        if not stretch.first <= day <= stretch.last:
            raise ValueError(f"{day} lies on no stretch of the axis")
        return stretch.x(day)

    first, last = stretches[0].first, stretches[-1].last
    label = f"Timeline from {day_words(first)} to {day_words(last)}"
    if len(stretches) > 1:
        label += ", the axis broken where months pass without a moment"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart timeline-chart" role="img" aria-label="{_e(label)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">',
        f"<title>{_e(label)}</title>",
        "<desc>Each mark is a dated moment, listed in full in the table below; hollow marks are planned or "
        "projected dates.</desc>",
    ]
    bottom = TOP + LANE_HEIGHT * len(lanes)
    for stretch in stretches:
        drawn = [month for month in _month_starts(stretch.first, stretch.last) if month >= stretch.first]
        # Name every month when there is room; otherwise only each January, and the stretch's first month.
        roomy = (stretch.right - stretch.left) / max(1, len(drawn)) >= MONTH_ROOM
        for month in drawn:
            if not (roomy or month.month == 1 or month == drawn[0]):
                continue
            at = f"{stretch.x(month):.1f}"
            parts.append(f'<line class="grid" x1="{at}" y1="{TOP}" x2="{at}" y2="{bottom}"/>')
            # The year is written on the first month drawn in a stretch and on every January.
            name = MONTHS[month.month - 1] + (f" {month.year}" if month.month == 1 or month == drawn[0] else "")
            parts.append(f'<text class="tick" x="{at}" y="{bottom + 16}" text-anchor="middle">{_e(name)}</text>')
    for index, lane in enumerate(lanes):
        middle = TOP + LANE_HEIGHT * index + LANE_HEIGHT / 2
        for stretch in stretches:
            ends = f'x1="{stretch.left:.1f}" x2="{stretch.right:.1f}"'
            parts.append(f'<line class="axis" {ends} y1="{middle:.1f}" y2="{middle:.1f}"/>')
        parts.append(
            f'<text class="lane" x="{LEFT - 8}" y="{middle + 4:.1f}" text-anchor="end">{_e(LANE_NAMES[lane])}</text>'
        )
    for before in stretches[:-1]:
        gap = before.right + BREAK / 2
        parts.append(f'<line class="break" x1="{gap - 4:.1f}" y1="{bottom + 4}" x2="{gap + 4:.1f}" y2="{TOP}"/>')
    if marked is not None:
        at = f"{x(marked):.1f}"
        parts.append(f'<line class="as-at" x1="{at}" y1="{TOP}" x2="{at}" y2="{bottom}"/>')
    stacked: dict[tuple[Lane, date], list[Moment]] = defaultdict(list)
    for moment in moments:
        stacked[(moment.lane, moment.on)].append(moment)
    for (lane, day), here in sorted(stacked.items(), key=lambda item: (lanes.index(item[0][0]), item[0][1])):
        middle = TOP + LANE_HEIGHT * lanes.index(lane) + LANE_HEIGHT / 2
        planned = all(m.planned for m in here)
        css = f"mark mark-{lane.value}" + (" mark-planned" if planned else "")
        says = f"{day_words(day)}: " + "; ".join(m.title for m in here)
        radius = 6 if len(here) == 1 else 8
        parts.append(
            f'<circle class="{css}" cx="{x(day):.1f}" cy="{middle:.1f}" r="{radius}"><title>{_e(says)}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)
