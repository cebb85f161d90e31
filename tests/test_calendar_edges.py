"""Dates at the calendar's first and last days evaluate, chart and answer like any others, never overflow."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.web.charts import incident_timeline
from lsc_engine import Ruleset
from lsc_engine.core.days import FIRST_MOMENT, LAST_MOMENT, next_month, shift, shift_moment
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evaluation import Readiness
from lsc_engine.core.loading import parse_pack

from .helpers import seed

FIRST, LAST = date.min, date.max


def every_date(document: Any, day: str, moment: str) -> Any:
    """The document with every date and timestamp in it replaced (months are left as they are).

    An earlier condition's origin may be dated by its month alone, and must agree with the day the condition
    was raised, so it takes that day too.
    """
    if isinstance(document, dict):
        return {
            key: day if key == "on" and isinstance(value, str) else every_date(value, day, moment)
            for key, value in document.items()
        }
    if isinstance(document, list):
        return [every_date(value, day, moment) for value in document]
    if isinstance(document, str) and len(document) == 10 and document[4] == document[7] == "-":
        return day
    if isinstance(document, str) and len(document) >= 19 and document[4] == "-" and document[10] == "T":
        return moment
    return document


def test_shifting_past_either_end_of_the_calendar_holds_there() -> None:
    assert shift(date(2020, 1, 31), 1) == date(2020, 2, 1)
    assert shift(LAST, 1) == LAST
    assert shift(FIRST, -30) == FIRST
    assert shift_moment(LAST_MOMENT - timedelta(days=1), timedelta(days=2)) == LAST_MOMENT
    assert shift_moment(FIRST_MOMENT, -timedelta(days=1)) == FIRST_MOMENT
    assert next_month(date(2020, 12, 15)) == date(2021, 1, 1)
    assert next_month(date(9999, 12, 1)) is None


@pytest.mark.parametrize("as_at", [FIRST, LAST])
def test_a_pack_evaluates_as_at_either_end_of_the_calendar(as_at: date, ruleset: Ruleset) -> None:
    pack = parse_pack(json.dumps(seed()).encode())
    result = evaluate(pack, ruleset, as_at=as_at)
    assert result.as_at == as_at
    if as_at == FIRST:  # nothing had been written yet
        assert result.overall is Readiness.NOT_READY
        assert len(result.excluded_evidence) > 0
    else:  # everything is known, and every window has long closed
        assert result.excluded_evidence == []
        assert result.overall in set(Readiness)


@pytest.mark.parametrize(
    ("day", "moment"),
    [
        ("0001-01-01", "0001-01-01T00:00:00Z"),
        ("9999-12-31", "9999-12-31T23:59:59Z"),
        ("0001-01-01", "0001-01-01T00:30:00+01:00"),  # before the first moment once in UTC
        ("9999-12-31", "9999-12-31T23:30:00-01:00"),  # after the last one
    ],
)
def test_a_pack_dated_at_either_end_evaluates_and_charts(day: str, moment: str, ruleset: Ruleset) -> None:
    pack = parse_pack(json.dumps(every_date(seed(), day, moment)).encode())
    opened = (pack.incidents or [])[0].opened
    assert opened.tzinfo is UTC
    assert opened in {FIRST_MOMENT, LAST_MOMENT} or opened.year in (1, 9999)
    result = evaluate(pack, ruleset, as_at=pack.statement.date)
    assert result.as_at == date.fromisoformat(day)
    chart = ET.fromstring(incident_timeline(pack, ruleset.parameters, pack.statement.date))
    assert chart.tag.endswith("svg")


@pytest.mark.parametrize("as_at", ["0001-01-01", "9999-12-31"])
def test_the_service_self_checks_as_at_either_end(as_at: str, client: TestClient) -> None:
    response = client.post("/v1/self-check", content=json.dumps(seed()).encode(), params={"as_at": as_at})
    assert response.status_code == 200, response.text
    assert response.json()["as_at"] == as_at


def test_a_timestamp_past_the_calendar_in_utc_is_held_at_its_edge() -> None:
    document = seed()
    document["incidents"][0]["opened"] = "0001-01-01T00:30:00+01:00"
    document["incidents"][0]["resolved"] = "0001-01-01T05:00:00Z"
    pack = parse_pack(json.dumps(document).encode())
    assert (pack.incidents or [])[0].opened == FIRST_MOMENT == datetime.min.replace(tzinfo=UTC)
