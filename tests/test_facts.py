"""Derived facts: windows relative to the as-at date, counts, streaks, and evidence not yet known."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from lsc_engine import Ruleset
from lsc_engine.core.compiled import core_compiled
from lsc_engine.core.evidence import MeasureKind, measure_kind
from lsc_engine.core.facts import DAILY, SECTIONS, TIME_DEPENDENT, Derivation, Fact, incidents
from lsc_engine.core.facts.known import Known
from lsc_engine.core.loading import parse_pack
from lsc_engine.errors import InvalidPack

from .conftest import FIXTURE_PACKS, FIXTURES
from .helpers import minimal
from .strategies import packs


def test_a_fact_is_a_value_equal_to_any_fact_of_the_same_fields() -> None:
    fact = Fact(3, ("D1", "D2"), 2, True)
    assert fact == Fact(3.0, ("D1", "D2"), 2, True)
    assert hash(fact) == hash(Fact(3.0, ("D1", "D2"), 2, True))
    assert fact != Fact(3, ("D1", "D2"), 2)
    assert fact != Fact(3, ("D1",), 2, True)
    assert fact != (3, ("D1", "D2"), 2, True)
    assert Fact("x") == Fact("x", (), 0, False)
    assert repr(fact) == "Fact(value=3, evidence=('D1', 'D2'), evidence_count=2, confidential=True)"
    assert pickle.loads(pickle.dumps(fact)) == fact
    assert copy.deepcopy(fact) == fact


@pytest.mark.skipif(not core_compiled(), reason="only mypy keeps the sources' facts unchanged")
def test_the_compiled_fact_cannot_be_changed() -> None:
    fact = Fact(3)
    with pytest.raises(AttributeError, match="not writable"):
        fact.value = 4  # type: ignore[misc]
    assert fact.value == 3


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
    pack = parse_pack(json.dumps(document).encode())
    return Derivation(pack, ruleset.parameters, known_at=date.fromisoformat(known_at or on))


def test_stability_window_counts_from_resolution(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = [incident("I1", "2021-04-28T10:00:00Z", "2021-04-29T23:00:00Z")]
    derivation = derive(document, ruleset, "2021-05-03")
    assert derivation.facts(date(2021, 5, 3))["incidents_blocking_service_window"].value == 1
    assert derivation.facts(date(2021, 5, 4))["incidents_blocking_service_window"].value == 0
    assert derivation.facts(date(2021, 5, 4))["days_since_blocking"].value == 5


def event(
    ident: str, kind: str = "deployment", *, planned: str | None = None, happened: str | None = None
) -> dict[str, Any]:
    """Build a milestone event reported on 2021-05-01."""
    found: dict[str, Any] = {"id": ident, "event": kind, "provenance": {"source": "plan", "date": "2021-05-01"}}
    if kind == "deployment":
        found["what"] = f"release {ident}"
    return found | {k: v for k, v in {"planned": planned, "happened": happened}.items() if v is not None}


def test_the_window_counts_from_the_later_of_the_last_incident_and_the_last_deployment(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = [incident("I1", "2021-04-28T10:00:00Z", "2021-04-29T23:00:00Z", service="SMETS2")]
    document["milestones"] = {"events": [event("D1", happened="2021-04-27"), event("D2", planned="2021-05-10")]}
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["stability_window_from"].value == "the deployment of release D2 planned for 2021-05-10"
    assert facts["stability_window_met_on"].value == "2021-05-15"  # the default 5 days after the planned deployment
    assert facts["stability_window_met"].value is False
    assert facts["last_deployment"].value == "release D1, deployed on 2021-04-27"
    assert facts["incidents_since_deployment"].evidence == ("I1",)  # on SMETS2: it counts all the same
    later = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 15))
    assert later["stability_window_met"].value is True

    # Known on 12 May, the deployment planned for 10 May and not reported holds the window, and is overdue.
    held = derive(document, ruleset, "2021-05-12").facts(date(2021, 5, 12))
    assert held["stability_window_awaits"].value == "the deployment of release D2 planned for 2021-05-10"
    assert "stability_window_met_on" not in held
    assert held["milestones_overdue_names"].value == "the deployment of release D2 planned for 2021-05-10"


def test_an_agreed_window_and_the_first_migration_date_it(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = [incident("I1", "2021-04-28T10:00:00Z", "2021-04-29T23:00:00Z")]
    criterion = {
        "id": "W",
        "kind": "stability_window",
        "days": 10,
        "description": "10 days",
        "agreed_by": "OPSG",
        "dissent": [{"by": "TAG", "note": "too short"}, {"by": "SSC", "note": "too long"}],
        "provenance": {"source": "minutes", "date": "2021-04-01"},
    }
    document["milestones"] = {
        "events": [event("M1", "first_migration", planned="2021-05-08")],
        "go_live_criteria": [criterion],
    }
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["stability_window_agreed_days"].value == 10
    assert facts["stability_window_met_on"].value == "2021-05-09"  # ended at 23:00 on 29 April: 10 days later
    assert facts["stability_window_margin_days"].value == -1  # not before the first migration on 8 May
    assert facts["stability_window_dissent_by"].value == "TAG and SSC"
    assert facts["stability_window_dissent"].value == "TAG: too short; SSC: too long"


def test_dccs_statement_stands_until_a_deployment_follows_it(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = []
    statement = {
        "id": "S",
        "achieved": False,
        "on": "2021-04-30",
        "provenance": {"source": "DCC", "date": "2021-04-30"},
    }
    document["milestones"] = {"events": [event("D1", planned="2021-05-10")], "stability_statements": [statement]}
    derivation = derive(document, ruleset, "2021-05-04")
    assert derivation.facts(date(2021, 5, 9))["stability_not_achieved_declared_on"].value == "2021-04-30"
    assert "stability_not_achieved_declared_on" not in derivation.facts(date(2021, 5, 10))
    document["milestones"]["stability_statements"].append(
        statement | {"id": "S2", "achieved": True, "on": "2021-05-02"}
    )
    assert "stability_not_achieved_declared_on" not in derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))


def test_a_groups_view_that_the_service_is_not_stable_stands_until_it_records_another(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = []
    view = {
        "id": "V1",
        "achieved": False,
        "on": "2021-04-28",
        "by": "OPSG",
        "note": "January was the worst month yet.",
        "provenance": {"source": "OPSG minutes", "date": "2021-04-28"},
    }
    document["milestones"] = {"events": [event("D1", happened="2021-04-30")], "stability_statements": [view]}
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    # A group's view is not DCC's statement, and a deployment after it does not set it aside.
    assert "stability_not_achieved_declared_on" not in facts
    assert [facts[name].value for name in ("stability_doubted_by", "stability_doubted_on")] == ["OPSG", "2021-04-28"]
    assert facts["stability_doubted_note"] == Fact("January was the worst month yet.", ("V1",), 1)
    document["milestones"]["stability_statements"].append(view | {"id": "V2", "achieved": True, "on": "2021-05-02"})
    assert "stability_doubted_by" not in derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))


def test_operational_acceptance_not_given_by_its_date_is_overdue(ruleset: Ruleset) -> None:
    document = minimal()
    document["operations"] = {
        "acceptance": {
            "id": "OA",
            "given": False,
            "date": "2021-05-03",
            "provenance": {"source": "x", "date": "2021-05-01"},
        }
    }
    assert derive(document, ruleset, "2021-05-03").facts(date(2021, 5, 3))["milestones_overdue"].value == 0
    overdue = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert overdue["milestones_overdue_names"].value == "DCC operational acceptance planned for 2021-05-03"


def test_an_agreed_defect_tolerance_replaces_the_default(ruleset: Ruleset) -> None:
    document = minimal()
    provenance = {"source": "defect log", "date": "2021-05-01"}
    defects = [
        {"id": f"D{n}", "severity": 3, "status": "open", "user_impact": False, "provenance": provenance}
        for n in range(3)
    ]
    document["testing"] = {"phases": [], "defects": defects}
    tolerance = {
        "id": "T3",
        "kind": "defect_tolerance",
        "severity": 3,
        "max_open": 2,
        "description": "at most 2",
        "agreed_by": "TAG",
        "provenance": {"source": "test approach", "date": "2021-03-01"},
    }
    document["milestones"] = {"go_live_criteria": [tolerance]}
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["defects_agreed_max_sev3"].value == 2
    assert facts["defects_over_agreed_tolerance"].value == 1
    assert facts["defects_over_agreed_tolerance_detail"].value == "Severity 3: 3 open, at most 2 agreed"
    assert "defects_agreed_max_sev1" not in facts  # no tolerance agreed for it: the default stands


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
    # Every incident came later: at the date the section had not been reported, which is not the same as none.
    facts = derivation.facts(date(2021, 5, 4))
    assert "incidents_reported" not in facts
    assert facts["incidents_reported_from"] == Fact("2021-05-10", ("I-LATE",), 1)
    assert [(e.id, e.path, e.dated) for e in derivation.excluded] == [("I-LATE", "incidents[0]", date(2021, 5, 10))]
    document["incidents"].append(incident("I-EARLY", "2021-03-10T00:00:00Z", "2021-03-10T01:00:00Z", category=4))
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["incidents_reported"].value == 1
    assert "incidents_reported_from" not in facts


def coverage(facts: Mapping[str, Fact]) -> tuple[object, ...]:
    """Return how far incident reporting reaches, the day after, and the days from it to the as-at date."""
    names = ("incidents_reported_to", "incidents_unreported_from", "incidents_unreported_days")
    return tuple(facts[name].value if name in facts else None for name in names)


def test_incident_reporting_reaches_the_latest_report_or_the_date_the_pack_states(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = [incident("I-1", "2021-04-20T10:00:00Z", "2021-04-20T12:00:00Z")]
    # Reported on 20 April: as at 4 May the fourteen days since are covered by no report.
    assert coverage(derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))) == ("2021-04-20", "2021-04-21", 14)
    # A later report that lists no new incident says so by the date it covers.
    document["incidents_reported_to"] = "2021-05-03"
    assert coverage(derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))) == ("2021-05-03", "2021-05-04", 1)
    # A date the evaluation's as-at date has not reached was not yet known.
    assert coverage(derive(document, ruleset, "2021-05-01").facts(date(2021, 5, 1))) == ("2021-04-20", "2021-04-21", 11)


def test_the_days_no_report_covers_are_counted_at_the_evaluations_date_only(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = [incident("I-1", "2021-04-20T10:00:00Z", "2021-04-20T12:00:00Z")]
    derivation = derive(document, ruleset, "2021-05-04")
    # Later dates the path to green probes assume reporting keeps pace, as they assume no new incident.
    assert coverage(derivation.facts(date(2021, 6, 30))) == ("2021-04-20", "2021-04-21", 14)


def test_an_empty_list_speaks_for_its_statements_date(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = []
    document["consumer_risks"] = []
    document["statement"]["date"] = "2021-05-10"
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    # Before the statement the empty lists had not been given: no count that reads as none.
    assert facts["incidents_reported_from"] == Fact("2021-05-10")
    assert facts["consumer_risks_reported_from"] == Fact("2021-05-10")
    assert "incidents_reported" not in facts
    assert "consumer_risks" not in facts
    facts = derive(document, ruleset, "2021-05-12").facts(date(2021, 5, 12))
    assert "incidents_reported_from" not in facts
    assert "consumer_risks_reported_from" not in facts
    assert facts["incidents_reported"].value == 0
    assert coverage(facts) == ("2021-05-10", "2021-05-11", 2)
    # The date the pack says its incident reporting covers speaks for the empty list instead.
    document["incidents_reported_to"] = "2021-05-03"
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert "incidents_reported_from" not in facts
    assert coverage(facts) == ("2021-05-03", "2021-05-04", 1)


#: Each list section's fact for "not reported at the as-at date", and a count it gives once it is reported.
EMPTIED = {
    "defects_reported_from": "defects_open_sev1",
    "testing_issues_reported_from": "testing_issues_open_unexcepted",
    "service_providers_reported_from": "service_providers_not_ready",
    "security_issues_reported_from": "security_issues_open",
    "residual_risks_reported_from": "residual_risks",
    "consumer_risks_reported_from": "consumer_risks",
    "incidents_reported_from": "incidents_reported",
}


def test_every_empty_list_speaks_for_its_statements_date(ruleset: Ruleset) -> None:
    document = minimal()
    document["statement"]["date"] = "2021-05-10"
    phase = {
        "id": "P1",
        "name": "SIT-A",
        "status": "complete",
        "entry_criteria_met": True,
        "exit_criteria_met": True,
        "completed_on": "2021-04-30",
        "provenance": {"source": "completion report", "date": "2021-04-30"},
    }
    document["testing"] = {"phases": [phase], "defects": [], "issues": []}
    document["operations"] = {"service_providers": []}
    document["security"] = {"recent_issues": []}
    for name in ("performance", "residual_risks", "consumer_risks", "incidents"):
        document[name] = []
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    # Before the statement no empty list had been given: each reads as not reported, none as a count of none.
    expected = dict.fromkeys([*EMPTIED, "performance_reported_from"], "2021-05-10")
    assert {name: fact.value for name, fact in facts.items() if name.endswith("_reported_from")} == expected
    assert [name for name in EMPTIED.values() if name in facts] == []
    facts = derive(document, ruleset, "2021-05-10").facts(date(2021, 5, 10))
    assert [name for name in facts if name.endswith("_reported_from")] == []
    assert {name: facts[name].value for name in EMPTIED.values()} == dict.fromkeys(EMPTIED.values(), 0)
    # So does an empty list of test phases, which leaves the testing issues unread.
    document["testing"]["phases"] = []
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["test_phases_reported_from"].value == "2021-05-10"
    assert "test_phases" not in facts


def test_a_list_whose_every_item_came_later_is_unreported_in_each_section(ruleset: Ruleset) -> None:
    document = minimal()
    later = {"source": "later report", "date": "2021-05-20"}
    document["scope"]["dmcs"][0]["provenance"] = later
    document["testing"] = {
        "phases": [
            {
                "id": "P1",
                "name": "SIT-A",
                "status": "complete",
                "entry_criteria_met": True,
                "exit_criteria_met": True,
                "completed_on": "2021-04-30",
                "provenance": later,
            }
        ],
        "defects": [{"id": "D1", "severity": 3, "status": "open", "user_impact": False, "provenance": later}],
    }
    document["consumer_risks"] = [
        {"id": "CR1", "description": "Top-up delay", "likelihood": "low", "provenance": later}
    ]
    document["residual_risks"] = [
        {"id": "RR1", "description": "Slow wave", "likelihood": "low", "impact": "low", "provenance": later}
    ]
    document["security"] = {
        "recent_issues": [{"id": "SI1", "description": "Late alert", "severity": "low", "provenance": later}]
    }
    document["operations"] = {"service_providers": [{"id": "SP1", "name": "DSP", "ready": True, "provenance": later}]}
    document["performance"] = performance("CPM1", {"2021-04": 99.5})
    document["performance"][0]["provenance"] = later
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    reported_from = {name: fact.value for name, fact in facts.items() if name.endswith("_reported_from")}
    assert reported_from == {
        name: "2021-05-20"
        for name in (
            "dmcs_reported_from",
            "test_phases_reported_from",
            "defects_reported_from",
            "consumer_risks_reported_from",
            "residual_risks_reported_from",
            "security_issues_reported_from",
            "service_providers_reported_from",
            "performance_reported_from",
        )
    }
    # None of those sections gives a count that could be read as "none".
    for name in ("dmcs_in_scope", "test_phases", "defects_open_sev1", "consumer_risks", "residual_risks"):
        assert name not in facts
    for name in ("security_issues_open", "service_providers_not_ready", "performance_latest_month"):
        assert name not in facts
    # Known a day after the last of them, every section reads as reported.
    facts = derive(document, ruleset, "2021-05-20").facts(date(2021, 5, 20))
    assert [name for name in facts if name.endswith("_reported_from")] == []
    assert facts["dmcs_in_scope"].value == 1


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
    assert facts["performance_below_minimum_streak_measure"].value == "Code Performance Measure CPM1"
    assert facts["performance_below_minimum_latest"].value == 2
    assert facts["performance_below_minimum_code"].value == 2
    assert facts["performance_below_minimum_code_measures"].value == (
        "Code Performance Measure CPM1, 94% in April 2021 (target 99%, minimum 96%); "
        "Code Performance Measure CPM2, 90% in April 2021 (target 99%, minimum 96%)"
    )
    assert facts["performance_below_minimum_provider"].value == 0
    assert "performance_below_minimum_provider_measures" not in facts
    # March was due 30 days after it ended; CPM2 reported February and April only.
    assert facts["performance_months_missing"].value == 1
    assert (
        facts["performance_months_missing_measures"].value == "Code Performance Measure CPM2: no figure for March 2021"
    )


def test_a_measure_that_stops_reporting_is_missing_months_and_not_rated_on_its_last_value(ruleset: Ruleset) -> None:
    document = minimal()
    document["performance"] = performance("CPM1", {f"2021-{m:02d}": 99.5 for m in range(1, 7)})
    document["performance"] += performance("PM2", {"2021-01": 92.0, "2021-02": 92.5, "2021-03": 91.0})
    derivation = derive(document, ruleset, "2021-08-01")
    facts = derivation.facts(date(2021, 8, 1))  # June was due on 30 July: PM2 misses April to June
    assert facts["performance_months_missing"].value == 3
    assert facts["performance_months_missing_measures"].value == (
        "service-provider performance measure PM2: no figures for April to June 2021"
    )
    assert facts["performance_months_missing_measures"].evidence == ("PM2-2021-03",)
    assert facts["performance_below_minimum_latest"].value == 0  # PM2's March result is not its current one
    assert facts["performance_below_minimum_streak"].value == 0
    assert facts["performance_below_minimum_provider"].value == 0
    # A month is missing from the day after it is due, for every measure that has not reported it.
    assert derivation.facts(date(2021, 8, 30))["performance_months_missing"].value == 3
    later = derivation.facts(date(2021, 8, 31))
    assert later["performance_months_missing"].value == 5
    assert later["performance_months_missing_measures"].value == (
        "Code Performance Measure CPM1: no figure for July 2021; "
        "service-provider performance measure PM2: no figures for April to July 2021"
    )
    # Known at a date when PM2's March was its latest due month, it is rated on it.
    facts = derive(document, ruleset, "2021-05-01").facts(date(2021, 5, 1))
    assert facts["performance_months_missing"].value == 0
    assert facts["performance_below_minimum_streak"].value == 3
    assert facts["performance_below_minimum_streak_measure"].value == "service-provider performance measure PM2"
    assert facts["performance_below_minimum_provider_measures"].value == (
        "service-provider performance measure PM2, 91% in March 2021 (target 99%, minimum 96%)"
    )


@pytest.mark.parametrize(
    ("measure", "kind", "named"),
    [
        ("CPM4", None, "Code Performance Measure CPM4"),
        ("cpm4", None, "Code Performance Measure cpm4"),
        ("PM7", None, "service-provider performance measure PM7"),
        ("FW-TRT", None, "service-provider performance measure FW-TRT"),
        ("PM7", "code", "Code Performance Measure PM7"),
        ("CPM4", "service_provider", "service-provider performance measure CPM4"),
    ],
)
def test_a_measure_is_named_by_its_kind_the_pack_says_or_its_name_implies(
    ruleset: Ruleset, measure: str, kind: str | None, named: str
) -> None:
    document = minimal()
    document["performance"] = performance(measure, {"2021-03": 97.0, "2021-04": 97.0})
    if kind is not None:
        document["performance"][-1]["kind"] = kind  # its latest month says, which is enough
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    code = named.startswith("Code")
    assert facts["performance_below_target_code" if code else "performance_below_target_provider"].value == 1
    assert facts["performance_below_target_provider" if code else "performance_below_target_code"].value == 0
    listed = facts["performance_below_target_code_measures" if code else "performance_below_target_provider_measures"]
    assert listed.value == f"{named}, 97% in April 2021 (target 99%, minimum 96%)"


@pytest.mark.parametrize(
    ("accepted_by", "excepted"),
    [("TAG", 1), ("Testing Advisory Group", 1), ("DCC; TAG", 1), ("DCC", 0), ("DCC Test Manager", 0), ("TAGS", 0)],
)
def test_only_tag_makes_a_testing_issue_an_exception(ruleset: Ruleset, accepted_by: str, excepted: int) -> None:
    document = minimal()
    provenance = {"source": "test report", "date": "2021-04-30"}
    document["testing"] = {
        "phases": [
            {
                "id": "REG",
                "name": "Regression",
                "status": "complete",
                "entry_criteria_met": True,
                "exit_criteria_met": True,
                "regression": True,
                "executed": 100,
                "passed": 99,
                "completed_on": "2021-04-30",
                "provenance": provenance,
            }
        ],
        "issues": [
            {
                "id": "TI-1",
                "severity": 4,
                "phase_id": "REG",
                "user_impact": False,
                "description": "One regression failure",
                "exception": {"accepted_by": accepted_by, "accepted_on": "2021-04-30", "rationale": "No user impact"},
                "provenance": provenance,
            }
        ],
    }
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["testing_issues_excepted"].value == excepted
    assert facts["regression_failures_excepted"].value == excepted
    assert facts["testing_issues_exception_requested"].value == 1 - excepted
    assert facts["regression_failures_requested"].value == 1 - excepted
    assert facts["testing_issues_open_unexcepted"].value == 0
    assert facts["regression_failures_unexcepted"].value == 0
    who = "regression_exceptions_accepted_by" if excepted else "regression_exceptions_requested_by"
    assert facts[who].value == accepted_by
    if not excepted:
        assert facts["testing_issues_exception_requested_by"].value == accepted_by


@pytest.mark.parametrize(
    ("accepted_by", "awaiting", "who"),
    [
        ("DCC; TAG; OPSG; SSC", {"tag": 0, "opsg": 0, "ssc": 0}, None),
        ("DCC", {"tag": 1, "opsg": 1, "ssc": 1}, "DCC"),
        ("DCC; SSC", {"tag": 1, "opsg": 1, "ssc": 0}, "DCC and SSC"),
        ("DCC; supported by OPSG and TAG", {"tag": 0, "opsg": 0, "ssc": 1}, "DCC, supported by OPSG and TAG"),
        (
            "DCC, Security Sub-Committee subject to its LSC 10 conditions",
            {"tag": 1, "opsg": 1, "ssc": 0},
            "DCC and Security Sub-Committee subject to its LSC 10 conditions",
        ),
        ("DCC and the SSC chair's office", {"tag": 1, "opsg": 1, "ssc": 1}, "DCC and the SSC chair's office"),
        ("TAGS", {"tag": 1, "opsg": 1, "ssc": 1}, "TAGS"),
    ],
)
def test_each_group_accepts_the_residual_risks_for_itself(
    ruleset: Ruleset, accepted_by: str, awaiting: dict[str, int], who: str | None
) -> None:
    document = minimal()
    document["residual_risks"] = [
        {
            "id": "RR-1",
            "description": "Slower recovery after a failed migration",
            "likelihood": "low",
            "impact": "medium",
            "mitigation": "Recovery runbook",
            "accepted_by": accepted_by,
            "provenance": {"source": "statement of readiness", "date": "2021-04-30"},
        }
    ]
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["residual_risks_unaccepted"].value == 0
    for group, pending in awaiting.items():
        assert facts[f"residual_risks_awaiting_{group}"].value == pending, group
        named = facts.get(f"residual_risks_awaiting_{group}_accepted_by")
        assert (named.value if named is not None else None) == ((who or accepted_by) if pending else None), group


def test_a_residual_risk_nobody_accepted_awaits_no_group_but_is_unaccepted(ruleset: Ruleset) -> None:
    document = minimal()
    document["residual_risks"] = [
        {
            "id": "RR-1",
            "description": "Slower recovery after a failed migration",
            "likelihood": "low",
            "impact": "low",
            "provenance": {"source": "statement of readiness", "date": "2021-04-30"},
        }
    ]
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["residual_risks_unaccepted"].value == 1
    assert [facts[f"residual_risks_awaiting_{g}"].value for g in ("tag", "opsg", "ssc")] == [0, 0, 0]


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


def test_an_incident_opened_after_known_at_is_left_out_as_of_its_opening(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = [
        incident("I-OLD", "2021-04-01T00:00:00Z", "2021-04-01T01:00:00Z"),
        incident("I-NEW", "2021-05-06T09:00:00Z", None),
    ]
    document["incidents"][1]["provenance"]["date"] = "2021-05-01"  # reported before it opened
    derivation = derive(document, ruleset, "2021-05-04")
    assert derivation.facts(date(2021, 5, 4))["incidents_reported"].value == 1
    assert [(e.id, e.path, e.dated) for e in derivation.excluded] == [("I-NEW", "incidents[1]", date(2021, 5, 6))]


def daily_operands(ruleset: Ruleset) -> dict[str, list[float]]:
    """Return what the rules compare each day-counting fact with."""
    operands: dict[str, list[float]] = {}
    for rule in ruleset.rules:
        for clause in rule.when:
            value = ruleset.parameters.value(clause.param) if clause.param is not None else clause.value
            if clause.fact in DAILY and isinstance(value, int | float):
                operands.setdefault(clause.fact, []).append(value)
    return operands


def observed(facts: Mapping[str, Fact], operands: Mapping[str, list[float]]) -> dict[str, object]:
    """What rules can tell of the facts: every value, and of a day count only where it stands to each operand."""
    seen: dict[str, object] = {}
    for name, fact in facts.items():
        value = fact.value
        if name in DAILY:
            assert isinstance(value, int)
            seen[name] = [(value > v, value >= v, value == v) for v in operands.get(name, [])]
        else:
            seen[name] = value
    return seen


def grew_by_a_day(name: str, before: Mapping[str, Fact], now: Mapping[str, Fact]) -> bool:
    """Whether a day-counting fact is there both days and one more than the day before."""
    if name not in before or name not in now:
        return name not in before and name not in now
    earlier, later = before[name].value, now[name].value
    assert isinstance(earlier, int)
    assert isinstance(later, int)
    return later == earlier + 1


#: Dates long after an as-at date, to the calendar's last day, on which a fact declared as never changing is read.
FAR_OFFSETS = [365, 3650]


def unlisted_changes(document: dict[str, Any], ruleset: Ruleset, as_at: date) -> list[tuple[date, list[str]]]:
    """Return each date on which a fact changes that its declaration or its section's change dates do not allow.

    Over the horizon, day by day: a fact declared as never changing must keep its value; one that changes with
    the date may change only on a date its section lists for it alone (and one that counts days, otherwise only
    grow by one). A fact declared as never changing is also read at a few dates far beyond.
    """
    pack = parse_pack(json.dumps(document).encode())
    derivation = Derivation(pack, ruleset.parameters, known_at=as_at)
    sections = [kind(pack, ruleset.parameters, Known(as_at)) for kind in SECTIONS]

    def derived(day: date) -> dict[str, Fact]:
        """Ask every section itself: the derivation asks those it is told never change only once."""
        found = {name: fact for section in sections for name, fact in section.facts(day).items()}
        assert derivation.facts(day) == found
        return found

    operands = daily_operands(ruleset)
    until = as_at + timedelta(days=ruleset.parameters.path_to_green_horizon_days)
    listed = derivation.change_dates(as_at, until, TIME_DEPENDENT, operands)
    assert listed == sorted(set(listed))
    assert all(as_at < day <= until for day in listed)
    each = {name: derivation.change_dates(as_at, until, {name}, operands) for name in TIME_DEPENDENT}
    assert all(set(dates) <= set(listed) for dates in each.values())
    missed = []
    first = derived(as_at)
    facts, before = first, observed(first, operands)
    for offset in range(1, (until - as_at).days + 1):
        day = as_at + timedelta(days=offset)
        facts_now = derived(day)
        now = observed(facts_now, operands)
        changed = {name for name in before.keys() | now.keys() if before.get(name) != now.get(name)}
        unlisted = {name for name in changed if name not in TIME_DEPENDENT or day not in each[name]}
        unlisted |= {name for name in DAILY if day not in each[name] and not grew_by_a_day(name, facts, facts_now)}
        if unlisted:
            missed.append((day, sorted(unlisted)))
        facts, before = facts_now, now
    for day in [*(as_at + timedelta(days=offset) for offset in FAR_OFFSETS), date.max]:
        later = derived(day)
        changed = {name for name in first.keys() | later.keys() if first.get(name) != later.get(name)}
        if changed - TIME_DEPENDENT:
            missed.append((day, sorted(changed - TIME_DEPENDENT)))
    return missed


@pytest.mark.parametrize("offset", [-20, 0, 10, 60])
@pytest.mark.parametrize("name", FIXTURE_PACKS)
def test_change_dates_list_every_day_a_fixture_fact_changes(ruleset: Ruleset, name: str, offset: int) -> None:
    path = FIXTURES / name
    document = yaml.safe_load(path.read_text())
    as_at = parse_pack(path.read_bytes()).statement.date + timedelta(days=offset)
    assert unlisted_changes(document, ruleset, as_at) == []


@settings(max_examples=60, deadline=None)
@given(drawn=packs())
def test_change_dates_list_every_day_a_fact_changes(ruleset: Ruleset, drawn: tuple[dict[str, Any], date]) -> None:
    document, as_at = drawn
    assert unlisted_changes(document, ruleset, as_at) == []


def test_change_dates_of_a_pack_without_time_bound_evidence_are_none(ruleset: Ruleset) -> None:
    derivation = derive(minimal(), ruleset, "2021-05-04")
    assert derivation.change_dates(date(2021, 5, 4), date(2021, 11, 1), TIME_DEPENDENT, {}) == []


def test_change_dates_of_each_kind_of_time_bound_evidence(ruleset: Ruleset) -> None:
    document = minimal()
    document["incidents"] = [incident("I1", "2021-04-28T10:00:00Z", "2021-05-02T23:00:00Z")]
    document["performance"] = performance("CPM1", {"2021-03": 99.5, "2021-04": 99.6})
    document["consumer_risks"] = [
        {
            "id": "CR-1",
            "description": "Prepayment top-ups may fail",
            "likelihood": "medium",
            "mitigation": "Retry queue",
            "mitigation_due": "2021-06-10",
            "provenance": {"source": "risk log", "date": "2021-05-01"},
        }
    ]
    provenance = {"source": "BCDR test report", "date": "2020-06-02"}
    document["bcdr"] = {"tests": [{"id": "BT-1", "date": "2020-06-01", "result": "passed", "provenance": provenance}]}
    as_at = date(2021, 5, 4)
    derivation = derive(document, ruleset, "2021-05-04")

    def dates(*names: str) -> list[date]:
        return derivation.change_dates(as_at, date(2021, 10, 31), names, daily_operands(ruleset))

    listed = dates(*TIME_DEPENDENT)
    max_age = ruleset.parameters.value("bcdr_test_max_age_days")
    assert date(2021, 5, 4) not in listed
    assert date(2021, 5, 7) in dates("incidents_blocking_service_window")  # I1 leaves the 5-day stability window
    assert date(2021, 5, 28) in dates("incidents_blocking_service_lookback")  # and the 30-day look-back
    # Each month falls due 30 days after it ends; a measure without it is missing it from the next day.
    assert dates("performance_months_missing") == [
        date(2021, 5, 31),
        date(2021, 7, 1),
        date(2021, 7, 31),
        date(2021, 8, 31),
        date(2021, 10, 1),
        date(2021, 10, 31),
    ]
    assert dates("consumer_risks_overdue") == [date(2021, 6, 11)]  # the mitigation becomes overdue
    # The last BCDR test's age reaches the most a rule allows, and then passes it.
    assert dates("bcdr_last_test_age_days") == [date(2020, 6, 1) + timedelta(days=max_age + n) for n in (0, 1)]
    assert set(listed) == {day for name in TIME_DEPENDENT for day in dates(name)}  # the dates of each, together
    # A fact declared as never changing has no dates, though it comes from evidence that others date by.
    assert dates("incidents_reported", "performance_latest_month", "consumer_risks", "bcdr_last_test_result") == []
    assert unlisted_changes(document, ruleset, as_at) == []


def aim(ident: str, measure: str, level: float, **against: object) -> dict[str, Any]:
    """Build an aim for a measure to reach a level by October 2021, reported on 2021-05-01."""
    source = {"source": "OPSG minutes", "date": "2021-05-01"}
    return {"id": ident, "measure": measure, "aim": level, "by_month": "2021-10", "provenance": source} | against


def test_an_aim_below_the_minimum_is_an_aim_not_a_result(ruleset: Ruleset) -> None:
    document = minimal()
    document["performance_aims"] = [
        aim("A-PM2", "PM2", 92.0, below_minimum=True),
        aim("A-CPM1", "CPM1", 97.0, minimum=96.0),
    ]
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["performance_aims_below_minimum"] == Fact(1, ("A-PM2",), 1)
    assert facts["performance_aims_below_minimum_list"].value == (
        "service-provider performance measure PM2: 92% aimed for by October 2021, below its minimum service level,"
        " and no monthly result for it is reported"
    )
    # An aim gives no month's figure: the measure has still reported nothing.
    assert "performance_latest_month" not in facts
    document["performance_aims"][1] |= {"minimum": 98.0}
    facts = derive(document, ruleset, "2021-05-04").facts(date(2021, 5, 4))
    assert facts["performance_aims_below_minimum_measures"].value == "PM2 and CPM1"


@pytest.mark.parametrize(
    ("against", "problem"),
    [({}, "gives the minimum service level"), ({"minimum": 96.0, "below_minimum": False}, "contradicts")],
)
def test_an_aim_must_say_how_it_stands_against_the_minimum(against: dict[str, object], problem: str) -> None:
    document = minimal()
    document["performance_aims"] = [aim("A-PM2", "PM2", 92.0, **against)]
    with pytest.raises(InvalidPack) as caught:
        parse_pack(json.dumps(document).encode())
    [found] = caught.value.problems
    assert found.path == "performance_aims[0]"
    assert problem in found.message


def _kind_before(measure: str, rows: list[Any]) -> MeasureKind:
    """A measure's kind as it was read before: the rows sorted by month, the last that says."""
    stated = [row.kind for row in sorted(rows, key=lambda r: r.month) if row.kind is not None]
    return stated[-1] if stated else MeasureKind.of_name(measure)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["CPM1", "PM2", "cpm3"]),
    st.lists(
        st.builds(
            SimpleNamespace,
            month=st.sampled_from(["2020-01", "2020-02", "2020-12", "2021-01"]),
            kind=st.sampled_from([None, MeasureKind.CODE, MeasureKind.SERVICE_PROVIDER]),
        ),
        max_size=8,
    ),
)
def test_a_measures_kind_is_read_as_it_was(measure: str, rows: list[Any]) -> None:
    assert measure_kind(measure, rows) is _kind_before(measure, rows)


@settings(max_examples=500, deadline=None)
@given(st.datetimes(timezones=st.one_of(st.none(), st.just(UTC))))
def test_an_incident_s_month_is_written_as_strftime_writes_it(moment: datetime) -> None:
    assert incidents._month(moment) == moment.strftime("%Y-%m")
