"""Evaluation: determinism, missing evidence, conditions and blockers, the path to green, explanations."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings

from bench.gen import generate
from lsc_engine import Rating, Readiness, Ruleset, evaluate, read_pack
from lsc_engine.core.digest import input_digest
from lsc_engine.core.evidence import Group
from lsc_engine.core.facts import Fact
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.matches import Matches
from lsc_engine.core.messages import render, template_values
from lsc_engine.core.model_json import PIECE_RECORDS, model_json_pieces
from lsc_engine.core.path_to_green import waiting_words

from .conftest import FIXTURE_PACKS, FIXTURES
from .helpers import minimal, seed
from .strategies import packs

MDS = FIXTURES / "seed-moc-mds-2020-03.json"
SECURE = FIXTURES / "seed-moc-secure-2020-08.json"


def test_same_inputs_give_byte_identical_output(ruleset: Ruleset) -> None:
    pack = read_pack(SECURE)
    first = evaluate(pack, ruleset, as_at=date(2020, 8, 7)).model_dump_json()
    second = evaluate(read_pack(SECURE), ruleset, as_at=date(2020, 8, 7)).model_dump_json()
    assert first == second


def test_input_digest_ignores_format_but_not_content(ruleset: Ruleset) -> None:
    document = seed()
    as_json = evaluate(parse_pack(json.dumps(document).encode()), ruleset, as_at=date(2020, 3, 6))
    document["incidents"].pop()
    changed = evaluate(parse_pack(json.dumps(document, indent=4).encode()), ruleset, as_at=date(2020, 3, 6))
    reread = evaluate(read_pack(MDS), ruleset, as_at=date(2020, 3, 6))
    assert as_json.input_digest == reread.input_digest != changed.input_digest
    assert as_json.ruleset_digest == ruleset.digest


def test_missing_evidence_is_never_green(ruleset: Ruleset) -> None:
    result = evaluate(parse_pack(json.dumps(minimal()).encode()), ruleset, as_at=date(2021, 5, 4))
    assert {cell.rating for cell in result.ratings} == {Rating.INSUFFICIENT_EVIDENCE}
    assert result.overall == Readiness.NOT_READY
    lsc9 = next(c for c in result.ratings if c.criterion == "LSC9")
    assert [f.rule_id for f in lsc9.findings] == ["LSC9-OPSG-no-plan"]
    assert len(result.blockers.go_live) == len(result.ratings)


def test_secure_stability_rests_on_the_papers_reasoning_not_on_our_counts(ruleset: Ruleset) -> None:
    result = evaluate(read_pack(SECURE), ruleset, as_at=date(2020, 8, 7))
    lsc6 = next(c for c in result.ratings if c.criterion == "LSC6")
    assert lsc6.rating == Rating.RED
    held = {f.rule_id: f for f in lsc6.findings if f.rating != Rating.GREEN}
    assert not [f.rule_id for f in held.values() if f.provisional], "the Red rests on the paper, not on our thresholds"
    since = held["LSC6-OPSG-incidents-since-deployment"]
    assert {"DEP-NDB", "INC-S1-12", "INC-S1-13", "INC-S1-14"} <= set(since.evidence)
    assert "INC-S1-11" not in since.evidence, "an incident before the deployment is not one after it"
    window = held["LSC6-OPSG-stability-window-planned-deployment"]
    assert {"DEP-MOC-SECURE", "GLC-STABILITY", "MIG-FIRST"} <= set(window.evidence)
    assert held["LSC6-OPSG-declared-not-achieved"].evidence == ["STAB-DCC"]


def test_secure_without_an_agreed_window_falls_back_on_the_provisional_counts(ruleset: Ruleset) -> None:
    document = seed("seed-moc-secure-2020-08.json")
    document["milestones"]["go_live_criteria"] = []
    result = evaluate(parse_pack(json.dumps(document).encode()), ruleset, as_at=date(2020, 8, 7))
    lsc6 = next(c for c in result.ratings if c.criterion == "LSC6")
    red = next(f for f in lsc6.findings if f.rule_id == "LSC6-OPSG-lookback-red")
    assert red.message == (
        "5 Category 1/2 SMETS1 incidents in the last 30 days; more than 2 means the service is not stable."
    )
    assert red.evidence == ["INC-S1-10", "INC-S1-11", "INC-S1-12", "INC-S1-13", "INC-S1-14"]
    assert red.provisional, "the look-back count is the ruleset's own, not the Panel's"
    assert "gives way to a stability window agreed for the capability" in red.basis
    assert not any(f.rule_id == "LSC6-OPSG-agreed-window-dissent" for f in lsc6.findings)


def test_secure_testing_exception_is_recorded_but_not_red(ruleset: Ruleset) -> None:
    result = evaluate(read_pack(SECURE), ruleset, as_at=date(2020, 8, 7))
    lsc1 = next(c for c in result.ratings if c.criterion == "LSC1")
    assert lsc1.rating == Rating.GREEN
    exception = next(f for f in lsc1.findings if f.rule_id == "LSC1-TAG-regression-exceptions")
    assert exception.evidence == ["PH-SIT-A", "TI-SEC-017"]
    assert "1 regression failure was accepted by TAG, each as an exception" in exception.message


def test_secure_path_to_green_is_the_window_after_the_deployment(ruleset: Ruleset) -> None:
    pack = read_pack(SECURE)
    path = next(p for p in evaluate(pack, ruleset, as_at=date(2020, 8, 7)).path_to_green if p.criterion == "LSC6")
    # Five days after the deployment of 15 August, and amber, not green: OPSG dissented from the five days.
    assert [(m.rating, m.on) for m in path.milestones] == [(Rating.AMBER, date(2020, 8, 20))]
    assert any("before the first migration planned for 2020-08-24" in action for action in path.actions)
    # Waiting stops at amber: green then needs OPSG's own view, BEIS's decision and OPSG's answer on the window.
    assert path.milestones[0].then_needs == [
        "Put the evidence since 2020-08-07 to OPSG and record whether it now considers the service stable.",
        "Record the decision taken when the addition to the EPCL is considered again.",
        "Have OPSG confirm that 5 days are enough, or agree a longer window.",
    ]
    assert waiting_words(path.milestones).startswith("amber from 2020-08-20, and no further by waiting;")


def test_secure_once_the_deployment_is_reported_the_window_runs_from_it(ruleset: Ruleset) -> None:
    document = seed("seed-moc-secure-2020-08.json")
    deployment = next(e for e in document["milestones"]["events"] if e["id"] == "DEP-MOC-SECURE")
    deployment["happened"] = "2020-08-15"
    deployment["provenance"] = {"source": "DCC deployment notice", "date": "2020-08-16"}
    pack = parse_pack(json.dumps(document).encode())

    def lsc6(day: date) -> Any:
        return next(c for c in evaluate(pack, ruleset, as_at=day).ratings if c.criterion == "LSC6")

    assert lsc6(date(2020, 8, 19)).rating == Rating.RED
    # The window has run, but the last incident report is of 7 August: the days since are not known incident-free.
    uncovered = lsc6(date(2020, 8, 20))
    assert uncovered.rating == Rating.INSUFFICIENT_EVIDENCE
    gap = [f for f in uncovered.findings if f.rating == Rating.INSUFFICIENT_EVIDENCE]
    assert [f.rule_id for f in gap] == ["LSC6-OPSG-incidents-not-covered"]
    assert "reported up to 2020-08-07; nothing covers the 13 days from 2020-08-08" in gap[0].message
    document["incidents_reported_to"] = "2020-08-20"
    pack = parse_pack(json.dumps(document).encode())
    assert lsc6(date(2020, 8, 19)).rating == Rating.RED
    assert lsc6(date(2020, 8, 20)).rating == Rating.AMBER
    said = [f.message for f in lsc6(date(2020, 8, 20)).findings]
    assert any("5 days agreed by DCC and BEIS" in message for message in said)
    assert not any("declared" in message for message in said), "the deployment answers DCC's statement"


def test_secure_as_at_20_august_without_reports_flags_the_passed_dates(ruleset: Ruleset) -> None:
    result = evaluate(read_pack(SECURE), ruleset, as_at=date(2020, 8, 20))
    lsc4 = next(c for c in result.ratings if c.criterion == "LSC4")
    passed = next(f for f in lsc4.findings if f.rule_id == "LSC4-OPSG-planned-dates-passed")
    assert "DCC operational acceptance planned for 2020-08-14" in passed.message
    assert "the deployment of the SMETS1 MOC Secure code planned for 2020-08-15" in passed.message
    lsc6 = next(c for c in result.ratings if c.criterion == "LSC6")
    assert lsc6.rating == Rating.RED
    awaits = next(f for f in lsc6.findings if f.rule_id == "LSC6-OPSG-stability-window-awaits-deployment")
    assert "had not been reported done by the as-at date" in awaits.message


def test_mds_conditions_and_gates(ruleset: Ruleset) -> None:
    result = evaluate(read_pack(MDS), ruleset, as_at=date(2020, 3, 6))
    by_id = {c.id: c for c in result.conditions}
    assert by_id["cio-report-review"].raised_by == "LSC10.6-SSC-cio-pending"
    assert by_id["cio-report-review"].criteria == ["LSC10.6"]
    assert by_id["han-third-party-assurance"].carried_over_from == "EPCL-2019-07-C1"
    assert by_id["han-third-party-assurance"].carried_over_since == date(2019, 7, 12)
    assert "interim IPsec connection to MDS" in by_id["connectivity-transition-reporting"].text
    assert [b.ref for b in result.blockers.go_live] == ["cio-report-review"]


def test_a_green_finding_on_confidential_evidence_is_confidential_too(ruleset: Ruleset) -> None:
    document = seed("synthetic-confidential-item.json")
    document["security"]["independent_assurance"]["status"] = "confirmed"
    document["earlier_conditions"] = []  # an open earlier condition would hold the criterion at amber
    result = evaluate(parse_pack(json.dumps(document).encode()), ruleset, as_at=date(2021, 6, 15))
    cell = next(c for c in result.ratings if c.criterion == "LSC10.4")
    assert cell.rating == Rating.GREEN
    assert [(f.rule_id, f.confidential) for f in cell.findings] == [("LSC10.4-SSC-assured", True)]
    assert "SEC-T3-HAN-ASSURANCE" in result.confidential_evidence


def test_carried_over_condition_no_rule_raises_makes_its_criterion_amber(ruleset: Ruleset) -> None:
    document = seed()
    document["earlier_conditions"].append(
        {
            "id": "EPCL-2019-07-C2",
            "key": "bcdr-annual-test-report",
            "kind": "ongoing_reporting",
            "owner": "OPSG",
            "criteria": ["LSC4"],
            "text": "DCC reports each BCDR test to OPSG.",
            "raised_on": "2019-07-12",
            "provenance": {"source": "Panel letter", "date": "2019-07-12"},
        }
    )
    result = evaluate(parse_pack(json.dumps(document).encode()), ruleset, as_at=date(2020, 3, 6))
    lsc4 = next(c for c in result.ratings if c.criterion == "LSC4")
    assert lsc4.rating == Rating.AMBER
    assert [f.rule_id for f in lsc4.findings if f.rating == Rating.AMBER] == ["carried-over-condition"]
    path = next(p for p in result.path_to_green if p.criterion == "LSC4")
    assert path.milestones == []
    assert "DCC reports each BCDR test to OPSG." in path.actions[0]


def test_evidence_after_as_at_is_reported_and_unused(ruleset: Ruleset) -> None:
    pack = read_pack(MDS)
    result = evaluate(pack, ruleset, as_at=date(2020, 3, 1))
    excluded = {e.id for e in result.excluded_evidence}
    assert {"OA-MDS", "INC-2002-03", "PERF-CPM2-2020-02", "INC-2002-L2"} <= excluded
    lsc4 = next(c for c in result.ratings if c.criterion == "LSC4")
    assert lsc4.rating == Rating.INSUFFICIENT_EVIDENCE


def earlier_condition(key: str, kind: str, owner: str, criteria: list[str]) -> dict[str, object]:
    """Build an earlier open condition."""
    return {
        "id": f"OLD-{key}",
        "key": key,
        "kind": kind,
        "owner": owner,
        "criteria": criteria,
        "text": f"Old condition {key}.",
        "raised_on": "2019-07-12",
        "provenance": {"source": "Panel letter", "date": "2019-07-12"},
    }


def test_a_re_raised_condition_keeps_the_stronger_kind_and_all_criteria(ruleset: Ruleset) -> None:
    document = seed()
    document["earlier_conditions"] = [
        earlier_condition("han-third-party-assurance", "prerequisite_go_live", "SSC", ["LSC10.2", "LSC10.4"])
    ]
    result = evaluate(parse_pack(json.dumps(document).encode()), ruleset, as_at=date(2020, 3, 6))
    merged = next(c for c in result.conditions if c.id == "han-third-party-assurance")
    assert merged.kind.value == "prerequisite_go_live"
    assert merged.criteria == ["LSC10.2", "LSC10.4"]
    assert merged.raised_by == "LSC10.4-SSC-assurance-outstanding"
    assert "han-third-party-assurance" in [b.ref for b in result.blockers.go_live]


def test_a_carried_condition_on_a_parent_criterion_weighs_on_its_sub_criteria(ruleset: Ruleset) -> None:
    document = seed("seed-moc-secure-2020-08.json")
    document["earlier_conditions"] = [earlier_condition("sec-annual-review", "ongoing_reporting", "SSC", ["LSC10"])]
    result = evaluate(parse_pack(json.dumps(document).encode()), ruleset, as_at=date(2020, 8, 7))
    touched = sorted(
        c.criterion for c in result.ratings if any(f.rule_id == "carried-over-condition" for f in c.findings)
    )
    assert touched == ["LSC10.1", "LSC10.2", "LSC10.4", "LSC10.6"]


def test_the_cio_report_is_read_with_sub_criterion_6_after_its_own_findings(ruleset: Ruleset) -> None:
    """The letter states the CIO report condition in LSC 10 right after sub-criterion 6 (recent issues)."""
    result = evaluate(read_pack(MDS), ruleset, as_at=date(2020, 3, 6))
    assert "LSC10.3" not in {c.criterion for c in result.ratings}
    lsc106 = next(c for c in result.ratings if c.criterion == "LSC10.6")
    reasons = [f.message for f in lsc106.findings if f.rating == Rating.AMBER]
    assert len(reasons) == 2
    assert reasons[0].startswith("The capability uses interim connectivity")
    assert reasons[1].startswith(
        "SSC has not accepted the CIO report (its status in the pack: none); SSC must review it"
    )
    assert not any(f.provisional for f in lsc106.findings if f.rating == Rating.AMBER)


@pytest.mark.parametrize(("former", "now", "group"), [("LSC10.3", "LSC10.6", Group.SSC), ("LSC10.5", "RR", Group.SSC)])
def test_a_condition_raised_under_a_former_criterion_id_weighs_on_its_successor(
    ruleset: Ruleset, former: str, now: str, group: Group
) -> None:
    document = seed("seed-moc-mds-2020-03.json")  # its LSC 10.6 and residual risks are Green for SSC
    document["earlier_conditions"] = [earlier_condition("old-ssc-report", "ongoing_reporting", "SSC", [former])]
    result = evaluate(parse_pack(json.dumps(document).encode()), ruleset, as_at=date(2020, 8, 7))
    carried = next(c for c in result.conditions if c.id == "old-ssc-report")
    assert carried.criteria == [now]
    touched = [
        (c.criterion, c.group) for c in result.ratings if any(f.rule_id == "carried-over-condition" for f in c.findings)
    ]
    assert touched == [(now, group)]
    assert next(c for c in result.ratings if (c.criterion, c.group) == (now, group)).rating == Rating.AMBER


def test_a_carried_condition_on_a_criterion_its_owner_does_not_rate_weighs_on_the_real_owner(
    ruleset: Ruleset,
) -> None:
    document = seed("seed-moc-secure-2020-08.json")
    document["earlier_conditions"] = [earlier_condition("odd-owner", "ongoing_reporting", "OPSG", ["LSC10.4"])]
    result = evaluate(parse_pack(json.dumps(document).encode()), ruleset, as_at=date(2020, 8, 7))
    lsc104 = next(c for c in result.ratings if c.criterion == "LSC10.4")
    assert lsc104.rating == Rating.AMBER


def test_complete_phases_without_a_regression_phase_are_green(ruleset: Ruleset) -> None:
    document = seed()
    for phase in document["testing"]["phases"]:
        phase["regression"] = False
    result = evaluate(parse_pack(json.dumps(document).encode()), ruleset, as_at=date(2020, 3, 6))
    assert next(c for c in result.ratings if c.criterion == "LSC1").rating == Rating.GREEN


def test_a_missing_month_of_performance_is_insufficient_not_better(ruleset: Ruleset) -> None:
    document = seed()
    document["performance"] = [row for row in document["performance"] if row["month"] != "2019-12"]
    result = evaluate(parse_pack(json.dumps(document).encode()), ruleset, as_at=date(2020, 3, 6))
    lsc7 = next(c for c in result.ratings if c.criterion == "LSC7")
    assert lsc7.rating == Rating.INSUFFICIENT_EVIDENCE
    assert [f.rule_id for f in lsc7.findings if f.rating != Rating.GREEN] == ["LSC7-OPSG-months-missing"]
    each = "; ".join(f"Code Performance Measure {measure}: no figure for December 2019" for measure in ("CPM2", "CPM3"))
    assert f"({each})" in lsc7.findings[0].message


def test_code_performance_measures_rest_on_h13_and_service_providers_measures_on_the_panels_paper(
    ruleset: Ruleset,
) -> None:
    pack = read_pack(FIXTURES / "synthetic-service-provider-measure.json")
    result = evaluate(pack, ruleset, as_at=pack.statement.date)
    lsc7 = next(c for c in result.ratings if c.criterion == "LSC7")
    bases = {f.rule_id: f.basis for f in lsc7.findings}
    assert list(bases) == ["LSC7-OPSG-pm-below-minimum", "LSC7-OPSG-cpm-below-target"]
    assert bases["LSC7-OPSG-cpm-below-target"].startswith("SEC Section H13 (Code Performance Measures")
    assert "H13" not in bases["LSC7-OPSG-pm-below-minimum"]
    assert "PM2" in bases["LSC7-OPSG-pm-below-minimum"]
    for rule in ruleset.rules:
        if rule.id.startswith("LSC7-OPSG-pm-"):
            assert "H13" not in rule.basis, rule.id
        elif "H13" in rule.basis:
            assert "Code Performance Measures" in rule.basis, rule.id


def test_a_failed_bcdr_test_leaves_no_green_finding(ruleset: Ruleset) -> None:
    document = seed("seed-moc-secure-2020-08.json")  # the August paper reports no BCDR evidence: add some
    stated = {"source": "DCC BCDR test report", "date": "2020-06-19"}
    document["bcdr"] = {
        "plan": {"id": "BCDR-PLAN", "published": True, "covers_providers": ["DCC"], "provenance": stated},
        "tests": [{"id": "BCDR-TEST", "date": "2020-06-13", "result": "failed", "provenance": stated}],
        "required_providers": ["DCC"],
    }
    result = evaluate(parse_pack(json.dumps(document).encode()), ruleset, as_at=date(2020, 8, 7))
    lsc9 = next(c for c in result.ratings if c.criterion == "LSC9")
    assert [(f.rule_id, f.rating.value) for f in lsc9.findings] == [("LSC9-OPSG-test-failed", "red")]


@pytest.mark.parametrize("name", FIXTURE_PACKS)
def test_model_json_in_pieces_is_pydantics_json(name: str) -> None:
    pack = read_pack(FIXTURES / name)
    whole = pack.model_dump_json().encode()
    for piece in (1, 2, 7, PIECE_RECORDS):
        assert b"".join(model_json_pieces(pack, piece=piece)) == whole
    assert input_digest(pack) == "sha256:" + hashlib.sha256(whole).hexdigest()


def test_model_json_of_a_pack_with_long_lists_is_pydantics_json() -> None:
    pack = parse_pack(json.dumps(generate("medium", 3)).encode())
    whole = pack.model_dump_json().encode()
    assert len(list(model_json_pieces(pack))) > 10  # some lists were long enough to come in pieces
    assert b"".join(model_json_pieces(pack)) == whole
    assert b"".join(model_json_pieces(pack, piece=997)) == whole


def first_day_rated(matches: Matches, cell: tuple[str, Group], target: Rating, until: date) -> date | None:
    """Return the first day after as_at on which the cell's rules rate it ``target`` or better, day by day."""
    for offset in range(1, (until - matches.as_at).days + 1):
        day = matches.as_at + timedelta(days=offset)
        if matches.cell_ratings(day)[cell].severity <= target.severity:
            return day
    return None


@pytest.mark.parametrize("offset", [0, 7, 30])
@pytest.mark.parametrize("name", FIXTURE_PACKS)
def test_milestones_are_the_first_days_a_day_by_day_search_finds(ruleset: Ruleset, name: str, offset: int) -> None:
    pack = read_pack(FIXTURES / name)
    as_at = pack.statement.date + timedelta(days=offset)
    result = evaluate(pack, ruleset, as_at=as_at)
    matches = Matches(pack, ruleset, as_at)
    until = as_at + timedelta(days=ruleset.parameters.path_to_green_horizon_days)
    for path in result.path_to_green:
        for milestone in path.milestones:
            assert milestone.on == first_day_rated(matches, (path.criterion, path.group), milestone.rating, until)


@settings(max_examples=40, deadline=None)
@given(drawn=packs())
def test_a_milestone_is_the_day_a_rating_is_reached(ruleset: Ruleset, drawn: tuple[dict[str, Any], date]) -> None:
    document, as_at = drawn
    pack = parse_pack(json.dumps(document).encode())
    matches = Matches(pack, ruleset, as_at)
    for path in evaluate(pack, ruleset, as_at=as_at).path_to_green:
        cell = (path.criterion, path.group)
        for milestone in path.milestones:
            assert matches.cell_ratings(milestone.on)[cell].severity <= milestone.rating.severity
            assert matches.cell_ratings(milestone.on - timedelta(days=1))[cell].severity > milestone.rating.severity


@settings(max_examples=25, deadline=None)
@given(drawn=packs())
def test_a_cells_own_rules_rate_it_as_the_whole_ruleset_does(
    ruleset: Ruleset, drawn: tuple[dict[str, Any], date]
) -> None:
    document, as_at = drawn
    pack = parse_pack(json.dumps(document).encode())
    matches = Matches(pack, ruleset, as_at)
    for day in (as_at, as_at + timedelta(days=3), as_at + timedelta(days=45)):
        whole = matches.cell_ratings(day)
        assert {cell: matches.cell_rating(day, cell) for cell in whole} == whole


@pytest.mark.parametrize(
    ("value", "landmarks", "shown"),
    [
        (91.666666, {80.0}, "91.67"),  # two places are enough
        (50.0, {80.0}, "50"),
        (97.996, {98.0}, "97.996"),  # "98" would read as meeting the target it misses
        (98.004, {98.0}, "98.004"),  # and "98" as only just meeting it
        (98.0, {98.0}, "98"),
        (99.4999, {99.5}, "99.4999"),  # "99.5" at two and at three places
        (99.51, {99.505}, "99.51"),  # a landmark with three places: two still stand on the right side
        (99.503, {99.505}, "99.5"),  # rounded towards it, not past it
        (99.5046, {99.5045}, "99.505"),  # "99.5" would fall below the landmark it is above
        (1e-05, set(), "1e-05"),
    ],
)
def test_a_measured_number_is_rounded_but_never_across_what_it_is_compared_with(
    value: float, landmarks: set[float], shown: str
) -> None:
    values = template_values({"x": Fact(value)}, {}, {"x": frozenset(landmarks)})
    assert values["x"] == shown


def test_messages_show_percentages_rounded(ruleset: Ruleset) -> None:
    result = evaluate(read_pack(FIXTURES / "seed-moc-mds-2020-03.json"), ruleset, as_at=date(2020, 3, 6))
    messages = [finding.message for rating in result.ratings for finding in rating.findings]
    assert any(message.startswith("91.67% of surveyed Service Users are ready") for message in messages)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("1 residual risk(s) not yet accepted", "1 residual risk not yet accepted"),
        ("3 Category 1/2 incident(s) on SMETS1 or SMETS2", "3 Category 1/2 incidents on SMETS1 or SMETS2"),
        ("1 Category 2 incident(s) are open", "1 Category 2 incident is open"),  # the category is not the count
        ("2 Severity 1 defect(s) have no fix date", "2 Severity 1 defects have no fix date"),
        ("1 notice(s) were sent", "1 notice was sent"),
        (
            "0 consumer-impact risk(s) assessed; all are mitigated.",
            "0 consumer-impact risks assessed; all are mitigated.",
        ),
        ("met on 2020-08-20, 1 day(s) before", "met on 2020-08-20, 1 day before"),  # a date is not a count
        ("98.5% of 1 provider(s)", "98.5% of 1 provider"),
        ("2 found. The provider(s) named", "2 found. The provider(s) named"),  # no count in its own clause
        ("1 risk(s); 2 issue(s) were open: 1 day(s)", "1 risk; 2 issues were open: 1 day"),  # each in its clause
        ("1 high-impact risk(s), 2 -risk(s)", "1 high-impact risk, 2 -risks"),  # a noun may hold a hyphen
    ],
)
def test_a_noun_agrees_with_the_count_before_it_in_its_clause(written: str, read: str) -> None:
    assert render(written, {}) == read


@pytest.mark.parametrize(
    "template",
    ["{{risk}} stays {risk}", "{risk!r}", "{risk:>8}", "{risk[0]}", "{risk} and {count} day(s)", "plain", ""],
)
def test_a_template_is_filled_as_format_map_fills_it(template: str) -> None:
    values = {"risk": "amber", "count": "1"}
    expected = template.format_map(values).replace("1 day(s)", "1 day")
    assert render(template, values) == expected


@pytest.mark.parametrize("template", ["{}", "{0}", "{", "}", "{risk", "{risk!}"])
def test_a_template_that_format_map_refuses_is_refused_with_its_message(template: str) -> None:
    with pytest.raises(ValueError, match=r".") as expected:
        template.format_map({"risk": "amber"})
    with pytest.raises(ValueError, match=r".") as found:
        render(template, {"risk": "amber"})
    assert str(found.value) == str(expected.value)


def test_conditions_are_numbered_as_the_letters_number_them(ruleset: Ruleset) -> None:
    result = evaluate(read_pack(FIXTURES / "seed-moc-mds-2020-03.json"), ruleset, as_at=date(2020, 3, 6))
    # By kind, reporting before the pause it goes with, as the Panel's letter states them; then by key.
    assert [c.id for c in result.conditions] == [
        "cio-report-review",
        "han-third-party-assurance",
        "connectivity-transition-reporting",
        "connectivity-pause",
    ]
