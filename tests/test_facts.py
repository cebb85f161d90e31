"""Derived facts: windows relative to the as-at date, counts, streaks, and evidence not yet known."""

from __future__ import annotations

from datetime import date
from typing import Any

from lsc_engine import Ruleset
from lsc_engine.facts import Derivation
from lsc_engine.loading import parse_pack

from .helpers import minimal


def incident(
    ident: str, opened: str, resolved: str | None, category: int = 2, service: str = "SMETS1"
) -> dict[str, Any]:
    """Build an incident item."""
    return {
        "id": ident,
        "category": category,
        "service": service,
        "opened": opened,
        "resolved": resolved,
        "provenance": {"source": "incident log", "date": (resolved or opened)[:10]},
    }


def derive(document: dict[str, Any], ruleset: Ruleset, on: str, known_at: str | None = None) -> Derivation:
    """Prepare a derivation of a pack document."""
    import json

    pack = parse_pack(json.dumps(document).encode())
    return Derivation(pack, ruleset.parameters, known_at=date.fromisoformat(known_at or on))


def test_stability_window_counts_from_resolution(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = [incident("I1", "2021-04-28T10:00:00Z", "2021-04-29T23:00:00Z")]
    derivation = derive(document, ruleset, "2021-05-03")
    assert derivation.facts(date(2021, 5, 3))["incidents_blocking_service_window"].value == 1
    assert derivation.facts(date(2021, 5, 4))["incidents_blocking_service_window"].value == 0
    assert derivation.facts(date(2021, 5, 4))["days_since_blocking"].value == 5


def test_lookback_and_other_services_and_categories(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = [
        incident("I1", "2021-04-05T00:00:00Z", "2021-04-05T02:00:00Z"),
        incident("I2", "2021-04-20T00:00:00Z", "2021-04-20T02:00:00Z", service="SMETS2"),
        incident("I3", "2021-04-21T00:00:00Z", "2021-04-21T02:00:00Z", category=3),
        incident("I4", "2021-03-01T00:00:00Z", "2021-03-01T02:00:00Z"),
    ]
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["incidents_blocking_service_lookback"].value == 1
    assert facts["incidents_blocking_service_lookback"].evidence == ("I1",)
    assert facts["incidents_blocking_other_lookback"].value == 1
    assert facts["incidents_worst_month"].value == "2021-04"
    assert facts["incidents_worst_month_blocking"].value == 2


def test_unresolved_and_later_resolution_count_as_open(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = [
        incident("I1", "2021-01-02T00:00:00Z", None, category=1),
        incident("I2", "2021-05-03T10:00:00Z", "2021-05-06T10:00:00Z"),
    ]
    document["incidents"][1]["provenance"]["date"] = "2021-05-03"
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["incidents_blocking_unresolved"].value == 2
    assert "days_since_blocking" not in facts


def test_evidence_dated_after_as_at_is_left_out(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = [incident("I-LATE", "2021-05-10T00:00:00Z", "2021-05-10T01:00:00Z")]
    derivation = derive(document, ruleset, "2021-05-04")
    assert derivation.facts(date(2021, 5, 4))["incidents_reported"].value == 0
    assert [(e.id, e.path, e.dated) for e in derivation.excluded] == [("I-LATE", "incidents[0]", date(2021, 5, 10))]


def test_missing_sections_give_no_fact_rather_than_zero(ruleset: Ruleset) -> None:
    facts = derive(minimal(), ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert "incidents_reported" not in facts
    assert "defects_open_sev1" not in facts
    assert "performance_latest_month" not in facts
    assert facts["dmcs_in_scope"].value == 1


def performance(measure: str, values: dict[str, float]) -> list[dict[str, Any]]:
    """Build monthly performance rows."""
    return [
        {
            "id": f"{measure}-{month}",
            "measure": measure,
            "month": month,
            "achieved": value,
            "provenance": {"source": "report", "date": f"{month}-28"},
        }
        for month, value in values.items()
    ]


def test_performance_streak_needs_consecutive_months(ruleset: Ruleset) -> None:
    document = minimal()
    document["performance"] = performance("CPM1", {"2021-01": 95.0, "2021-02": 99.5, "2021-03": 95.0, "2021-04": 94.0})
    document["performance"] += performance("CPM2", {"2021-02": 90.0, "2021-04": 90.0})
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["performance_below_minimum_streak"].value == 2
    assert facts["performance_below_minimum_streak_measure"].value == "CPM1"
    assert facts["performance_below_minimum_latest"].value == 2
    assert facts["performance_worst_measure"].value == "CPM2 (2021-04)"
    assert facts["performance_months_stale"].value == 0
    assert derive(document, ruleset, "2021-09-01").facts(date(2021, 9, 1))["performance_months_stale"].value == 4


def test_confidential_items_mark_their_facts(ruleset: Ruleset) -> None:
    document = minimal()
    document["security"] = {
        "recent_issues": [
            {
                "id": "SI-1",
                "description": "Key handling weakness",
                "severity": "high",
                "confidential": True,
                "provenance": {"source": "SSC paper", "date": "2021-04-30"},
            }
        ]
    }
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["security_issues_open_high"].value == 1
    assert facts["security_issues_open_high"].confidential
