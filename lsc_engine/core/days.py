"""Date and time arithmetic that stays inside the calendar: a result past its first or last day is held there.

A pack may carry any date Python can hold (0001-01-01 to 9999-12-31), and windows, look-backs and horizons reach
hundreds of days either side of the dates they start from. Held at the calendar's end instead of overflowing, a
window simply reaches back to its first day, and a date past its last never comes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

FIRST_MOMENT = datetime.min.replace(tzinfo=UTC)
LAST_MOMENT = datetime.max.replace(tzinfo=UTC)


def shift(day: date, days: int) -> date:
    """The day so many days after (or, negative, before) another, held within the calendar."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def shift_moment(moment: datetime, by: timedelta) -> datetime:
    """The moment so long after (or before) another, held within the calendar (in UTC)."""
    try:
        return moment + by
    except OverflowError:
        return LAST_MOMENT if by > timedelta(0) else FIRST_MOMENT


def next_month(month: date) -> date | None:
    """The first day of the month after the one a day is in; None after the calendar's last month."""
    if (month.year, month.month) == (date.max.year, 12):
        return None
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)
