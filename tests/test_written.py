"""How a pack writes dates and times: text only, never a number read as seconds; every timestamp in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from lsc_engine.core.days import FIRST_MOMENT, LAST_MOMENT
from lsc_engine.core.written import as_utc, written_as_a_date, written_as_a_time


@pytest.mark.parametrize("value", ["2020-03-06", "2020-03-06T10:00", date(2020, 3, 6), datetime(2020, 3, 6, 10)])
def test_a_date_written_as_text_or_given_as_a_date_is_taken_as_it_is(value: object) -> None:
    assert written_as_a_date(value) is value


@pytest.mark.parametrize("value", [20200306, 1583452800.0, "1583452800", "-2020", None, True])
def test_a_number_or_anything_but_text_is_not_a_date(value: object) -> None:
    with pytest.raises(ValueError, match="write a date as YYYY-MM-DD; a number is not a date"):
        written_as_a_date(value)


@pytest.mark.parametrize("value", ["2020-03-06T10:00", "2020-03-06 10:00Z", "2020-03-06t10:00", datetime(2020, 3, 6)])
def test_a_time_written_with_its_time_of_day_is_taken_as_it_is(value: object) -> None:
    assert written_as_a_time(value) is value


@pytest.mark.parametrize("value", ["2020-03-06", "20200306T1000", "2020", 1583452800, date(2020, 3, 6), None])
def test_a_date_alone_or_a_number_is_not_a_time(value: object) -> None:
    with pytest.raises(ValueError, match="write a time as YYYY-MM-DDTHH:MM"):
        written_as_a_time(value)


def test_every_timestamp_is_expressed_in_utc_and_held_within_the_calendar() -> None:
    assert as_utc(datetime(2020, 3, 6, 10)) == datetime(2020, 3, 6, 10, tzinfo=UTC)
    moved = as_utc(datetime(2020, 3, 6, 10, tzinfo=timezone(timedelta(hours=1))))
    assert (moved, moved.tzinfo) == (datetime(2020, 3, 6, 9, tzinfo=UTC), UTC)
    assert as_utc(datetime.min.replace(tzinfo=timezone(timedelta(hours=1)))) == FIRST_MOMENT
    assert as_utc(datetime.max.replace(tzinfo=timezone(timedelta(hours=-1)))) == LAST_MOMENT
