"""The SVG charts: well-formed, accessible, and drawn from exactly the evidence known at the as-at date."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import TypeAdapter

from api.web.charts import (
    incident_timeline,
    known_incidents,
    performance_chart,
    performance_charts,
    timeline_range,
)
from lsc_engine import Ruleset
from lsc_engine.core.evidence import EvidencePack, PerformanceRow
from lsc_engine.core.loading import read_pack

from .conftest import FIXTURES

SVG = "{http://www.w3.org/2000/svg}"
MDS = FIXTURES / "seed-moc-mds-2020-03.json"
SECURE = FIXTURES / "seed-moc-secure-2020-08.json"


def parse(markup: str) -> ET.Element:
    """Parse SVG markup as XML, failing the test if it is not well-formed."""
    return ET.fromstring(markup)


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    """Return every element whose class list includes a name."""
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def expected_incidents(pack: EvidencePack, as_at: date, days: int) -> list[str]:
    """Work out independently which incidents the timeline should show."""
    end = datetime(as_at.year, as_at.month, as_at.day, tzinfo=UTC) + timedelta(days=1)
    return [
        i.id
        for i in pack.incidents or []
        if i.provenance.date <= as_at and end - timedelta(days=days) <= i.opened < end
    ]


def assert_accessible(root: ET.Element) -> None:
    """The chart is an image with a name, a title and a description."""
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label")
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert title.text
    assert desc is not None
    assert desc.text


@pytest.mark.parametrize(
    ("path", "as_at"), [(MDS, date(2020, 3, 6)), (SECURE, date(2020, 8, 7)), (SECURE, date(2020, 8, 20))]
)
def test_timeline_draws_one_marker_per_known_incident_in_range(path: object, as_at: date, ruleset: Ruleset) -> None:
    pack = read_pack(path)  # type: ignore[arg-type]
    parameters = ruleset.parameters
    root = parse(incident_timeline(pack, parameters, as_at))
    assert_accessible(root)
    expected = expected_incidents(pack, as_at, parameters.worst_month_lookback_days)
    markers = [
        e for e in by_class(root, "marker") if "key" not in (e.get("class") or "") and e.find(f"{SVG}title") is not None
    ]
    drawn = [e for e in markers if (e.find(f"{SVG}title").text or "").split(":")[0] in expected]  # type: ignore[union-attr]
    # The legend's two category markers carry a title too, but never an incident id.
    assert len(drawn) == len(expected) > 0
    assert len(markers) == len(expected) + 2
    blocking = set(parameters.blocking_categories)
    incidents = {i.id: i for i in pack.incidents or []}
    for marker in drawn:
        incident = incidents[(marker.find(f"{SVG}title").text or "").split(":")[0]]  # type: ignore[union-attr]
        classes = (marker.get("class") or "").split()
        assert ("blocking" in classes) == (incident.category in blocking)
        assert ("other" in classes) == (incident.category not in blocking)
        on_service = incident.service == pack.statement.service
        assert marker.tag == (f"{SVG}circle" if on_service else f"{SVG}polygon")


def test_timeline_marks_the_windows_ending_at_the_as_at_line(ruleset: Ruleset) -> None:
    pack = read_pack(MDS)
    parameters = ruleset.parameters
    root = parse(incident_timeline(pack, parameters, date(2020, 3, 6)))
    lookback, window = by_class(root, "lookback")[0], by_class(root, "window")[0]
    asat = by_class(root, "asat")[0]
    x = float(asat.get("x1") or 0)
    for band in (lookback, window):
        assert float(band.get("x") or 0) + float(band.get("width") or 0) == pytest.approx(x, abs=0.2)
    ratio = float(window.get("width") or 0) / float(lookback.get("width") or 1)
    assert ratio == pytest.approx(parameters.stability_window_days / parameters.lookback_days, rel=0.02)
    ticks = [e.text for e in by_class(root, "tick")]
    assert {"Jan 2020", "Feb 2020", "Mar 2020"} <= set(ticks)
    legend = " ".join(e.text or "" for e in by_class(root, "legend"))
    assert "Category 1/2 (blocking)" in legend
    assert "Category 3/4/5" in legend
    assert "Look-back: last 30 days" in legend
    assert "Stability window: last 5 days" in legend
    assert "As at 2020-03-06" in legend


def test_timeline_leaves_out_incidents_reported_after_the_as_at_date(ruleset: Ruleset) -> None:
    pack = read_pack(FIXTURES / "synthetic-evidence-after-as-at.json")
    as_at = pack.statement.date
    span = timeline_range(ruleset.parameters, as_at)
    assert known_incidents(pack, as_at, span) == []
    root = parse(incident_timeline(pack, ruleset.parameters, as_at))
    assert "INC-T3-LATE-01" not in ET.tostring(root, encoding="unicode")
    later = date(2021, 6, 20)
    assert [i.id for i in known_incidents(pack, later, timeline_range(ruleset.parameters, later))] == ["INC-T3-LATE-01"]


def test_timeline_spans_the_worst_month_look_back_to_a_few_days_after(ruleset: Ruleset) -> None:
    span = timeline_range(ruleset.parameters, date(2020, 3, 6), days_after=7)
    assert span.start == datetime(2020, 3, 7, tzinfo=UTC) - timedelta(days=ruleset.parameters.worst_month_lookback_days)
    assert span.end == datetime(2020, 3, 14, tzinfo=UTC)


def _row(month: str, achieved: float, target: float | None = None, minimum: float | None = None) -> PerformanceRow:
    return TypeAdapter(PerformanceRow).validate_json(
        json.dumps(
            {
                "id": f"P-{month}",
                "measure": "CPM<1> & co",
                "month": month,
                "achieved": achieved,
                "target": target,
                "minimum": minimum,
                "provenance": {"source": "report", "date": "2021-01-01"},
            }
        )
    )


def _level(root: ET.Element, name: str) -> set[float]:
    line = by_class(root, name)
    polylines = [e for e in line if e.tag == f"{SVG}polyline"]
    assert len(polylines) == 1
    return {float(point.split(",")[1]) for point in (polylines[0].get("points") or "").split()}


def test_performance_chart_draws_target_above_minimum_with_defaults(ruleset: Ruleset) -> None:
    rows = [_row("2020-01", 97.5), _row("2020-02", 98.2), _row("2020-04", 99.4)]
    markup = performance_chart("CPM<1> & co", rows, ruleset.parameters)
    root = parse(markup)
    assert_accessible(root)
    assert "CPM&lt;1&gt; &amp; co" in markup
    target, minimum = _level(root, "target"), _level(root, "minimum")
    assert len(target) == len(minimum) == 1, "constant defaults draw straight lines"
    assert target.pop() < minimum.pop(), "the target (higher) is drawn above the minimum"
    # A gap month splits the achieved line in two; every month has a point.
    assert len([e for e in by_class(root, "series") if e.tag == f"{SVG}polyline"]) == 2
    assert len(by_class(root, "point")) == 3
    ticks = " ".join(e.text or "" for e in by_class(root, "axis-title"))
    assert "Month" in ticks
    assert "Achieved (%)" in ticks


def test_performance_chart_places_lines_by_value(ruleset: Ruleset) -> None:
    explicit = parse(
        performance_chart(
            "M", [_row("2020-01", 97.0, 99.0, 96.0), _row("2020-02", 98.0, 99.0, 96.0)], ruleset.parameters
        )
    )
    default = parse(performance_chart("M", [_row("2020-01", 97.0), _row("2020-02", 98.0)], ruleset.parameters))
    assert _level(explicit, "target") == _level(default, "target")
    assert _level(explicit, "minimum") == _level(default, "minimum")
    points = {float(e.get("cy") or 0) for e in by_class(explicit, "point")}
    (target,), (minimum,) = _level(explicit, "target"), _level(explicit, "minimum")
    assert all(target < y < minimum for y in points), "97% and 98% lie between the minimum and the target"
    stepped = parse(
        performance_chart(
            "M", [_row("2020-01", 97.0, 99.0, 95.0), _row("2020-02", 98.0, 98.5, 96.0)], ruleset.parameters
        )
    )
    assert len(_level(stepped, "target")) == 2
    assert len(_level(stepped, "minimum")) == 2


def test_performance_charts_cover_each_measure_known_at_the_date(ruleset: Ruleset) -> None:
    pack = read_pack(MDS)
    charts = performance_charts(pack, ruleset.parameters, date(2020, 3, 6))
    assert [measure for measure, _ in charts] == ["CPM2", "CPM3"]
    for _, markup in charts:
        assert_accessible(parse(markup))
    earlier = performance_charts(pack, ruleset.parameters, date(2019, 1, 1))
    assert earlier == []


def test_a_measure_without_results_is_refused(ruleset: Ruleset) -> None:
    with pytest.raises(ValueError, match="no performance results"):
        performance_chart("M", [], ruleset.parameters)
