"""A capability's timeline as SVG markup: a lane per kind of moment, a mark per date; a pure function, text escaped."""

from __future__ import annotations

from collections import defaultdict
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


def timeline_svg(moments: list[Moment], marked: date | None = None) -> str:
    """Draw moments on a time axis, one lane per kind; planned ones hollow; ``marked`` as a dashed line."""
    if not moments:
        return ""
    first = min(m.on for m in moments) - timedelta(days=3)
    last = max([*(m.on for m in moments), *([marked] if marked else [])]) + timedelta(days=3)
    span = max(1, (last - first).days)
    lanes = list(Lane)
    height = TOP + LANE_HEIGHT * len(lanes) + AXIS

    def x(day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - first).days / span

    label = f"Timeline from {day_words(first)} to {day_words(last)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart timeline-chart" role="img" aria-label="{_e(label)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">',
        f"<title>{_e(label)}</title>",
        "<desc>Each mark is a dated moment, listed in full in the table below; hollow marks are planned or "
        "projected dates.</desc>",
    ]
    bottom = TOP + LANE_HEIGHT * len(lanes)
    drawn = [month for month in _month_starts(first, last) if month >= first]
    for month in drawn:
        at = f"{x(month):.1f}"
        parts.append(f'<line class="grid" x1="{at}" y1="{TOP}" x2="{at}" y2="{bottom}"/>')
        # The year is written on the first month drawn and on every January.
        name = MONTHS[month.month - 1] + (f" {month.year}" if month.month == 1 or month == drawn[0] else "")
        parts.append(f'<text class="tick" x="{at}" y="{bottom + 16}" text-anchor="middle">{_e(name)}</text>')
    for index, lane in enumerate(lanes):
        middle = TOP + LANE_HEIGHT * index + LANE_HEIGHT / 2
        parts.append(f'<line class="axis" x1="{LEFT}" y1="{middle:.1f}" x2="{WIDTH - RIGHT}" y2="{middle:.1f}"/>')
        parts.append(
            f'<text class="lane" x="{LEFT - 8}" y="{middle + 4:.1f}" text-anchor="end">{_e(LANE_NAMES[lane])}</text>'
        )
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
