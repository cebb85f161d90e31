"""How a pack writes its dates and times: checked before pydantic parses them, and timestamps held in UTC.

pydantic calls these for every date and time a pack holds (a small pack has about 180), so they are compiled with
the core: a compiled function costs pydantic's validator less to call than a Python one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from lsc_engine.core.days import FIRST_MOMENT, LAST_MOMENT


def written_as_a_date(value: object) -> object:
    """Take a date or time only as written text: pydantic would read 2020, or "2020", as seconds after 1970."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or "-" not in value[1:]:
        raise ValueError("write a date as YYYY-MM-DD; a number is not a date")
    return value


def written_as_a_time(value: object) -> object:
    """Take a moment only as written text with its time of day, as strict parsing did: a date alone is not one."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or len(value) < 11 or value[10] not in "Tt _" or "-" not in value[1:]:
        raise ValueError("write a time as YYYY-MM-DDTHH:MM, with an offset such as Z or +01:00 if it is not UTC")
    return value


def as_utc(value: datetime) -> datetime:
    """Read a timestamp without an offset as UTC, and express every timestamp in UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)  # even at offset zero: comparing datetimes that share one tzinfo is much faster
    except OverflowError:  # an offset that takes it past the calendar's first or last moment: held there
        return FIRST_MOMENT if value.year == 1 else LAST_MOMENT
