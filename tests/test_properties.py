"""Property-based tests of evaluate(): any valid pack, missing evidence, monotonicity, evidence from the future.

The packs come from tests/strategies.py as JSON-able documents and go through ``parse_pack`` (the real entry
point); the strategies draw only valid packs, so a refusal fails the test. The last tests keep the engine
bugs these properties found as plain regression tests on minimal packs.

Evidence dated after as_at (property 4) is added only where the pack already reports that kind of evidence.
Turning an absent section (not reported) into a list that holds only later items makes it "reported, none
known" to the engine, e.g. LSC6 goes from insufficient evidence to green; whether that is right is a question
of what as_at means for a whole section, so it is not asserted here.
"""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeGuard

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from lsc_engine import Evaluation, EvidencePack, Rating, Readiness, evaluate, load_ruleset, parse_pack
from lsc_engine.core.evaluation import CellRating
from lsc_engine.core.evidence import ConditionKind
from lsc_engine.errors import InvalidPack

from .conftest import RULES
from .helpers import minimal
from .strategies import (
    Context,
    Doc,
    blocking_incident_in_window,
    consumer_risk,
    continuing,
    dated_on_or_before,
    earlier_condition,
    end_of,
    incident,
    packs,
    performance_row,
    phase,
    residual_risk,
)

RULESET = load_ruleset(RULES)
PARAMETERS = RULESET.parameters
CELLS = [(criterion.id, group.value) for criterion, group in RULESET.catalogue.cells]
GREEN_RULES = {
    key: {r.id for r in RULESET.rules if (r.criterion, r.group.value) == key and r.rating == Rating.GREEN}
    for key in CELLS
}
RULE_IDS = {rule.id for rule in RULESET.rules}
BLOCKING = (Rating.RED, Rating.INSUFFICIENT_EVIDENCE)
HORIZON = timedelta(days=PARAMETERS.path_to_green_horizon_days)


def parse(document: Doc) -> EvidencePack:
    """Parse a drawn document as a client would send it; the strategies only draw valid packs."""
    try:
        return parse_pack(json.dumps(document).encode())
    except InvalidPack as error:  # a strategy bug, or the loader refusing a valid pack
        raise AssertionError(f"a valid pack was refused: {error.problems}") from None


def run(document: Doc, as_at: date) -> Evaluation:
    return evaluate(parse(document), RULESET, as_at=as_at)


def cell(result: Evaluation, criterion: str, group: str) -> CellRating:
    return next(c for c in result.ratings if c.criterion == criterion and c.group.value == group)


def severity(result: Evaluation, criterion: str, group: str) -> int:
    return cell(result, criterion, group).rating.severity


def rule_ids(result: Evaluation, criterion: str, group: str) -> list[str]:
    return [finding.rule_id for finding in cell(result, criterion, group).findings]


def worst(ratings: list[Rating]) -> Rating:
    return max(ratings, key=lambda rating: rating.severity, default=Rating.GREEN)


def known(item: Doc | None, as_at: date) -> TypeGuard[Doc]:
    """Whether an item is in the pack and dated on or before as_at."""
    return item is not None and date.fromisoformat(item["provenance"]["date"]) <= as_at


def instant(text: str) -> datetime:
    """Read a timestamp as the pack model does: without an offset it is UTC, and it is expressed in UTC."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def items_with_paths(value: Any, path: str = "") -> list[tuple[str, Doc]]:
    """Every evidence item in a document with its JSON path, as the engine writes paths."""
    found: list[tuple[str, Doc]] = []
    if isinstance(value, dict):
        if "id" in value and "provenance" in value:
            found.append((path, value))
        for key, child in value.items():
            if key not in ("provenance", "exception"):
                found += items_with_paths(child, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += items_with_paths(child, f"{path}[{index}]")
    return found


def expected_exclusions(document: Doc, as_at: date) -> set[tuple[str, str, date]]:
    """(id, path, date) of every item not yet known at as_at: dated later, or an incident opened later."""
    day_end = end_of(as_at)
    expected = set()
    for path, item in items_with_paths(document):
        dated = date.fromisoformat(item["provenance"]["date"])
        if path.startswith("incidents[") and instant(item["opened"]) >= day_end:
            dated = max(dated, instant(item["opened"]).date())
        if dated > as_at:
            expected.add((item["id"], path, dated))
    return expected


# -- 1. any valid pack gives a consistent, deterministic evaluation --------------------------------------------


def check_consistent(result: Evaluation, document: Doc, as_at: date) -> None:
    """Everything the README promises about the shape of an evaluation."""
    assert result.as_at == as_at
    assert result.ruleset_digest == RULESET.digest
    assert [(c.criterion, c.group.value) for c in result.ratings] == CELLS

    for rated in result.ratings:
        assert rated.findings, rated.criterion
        assert rated.rating == worst([f.rating for f in rated.findings])
        assert [f.rating.severity for f in rated.findings] == sorted(
            (f.rating.severity for f in rated.findings), reverse=True
        )

    by_criterion = {criterion.id: criterion for criterion in RULESET.catalogue.criteria}
    assert [c.criterion for c in result.criteria] == list(by_criterion)
    for rated_criterion in result.criteria:
        own = [c.rating for c in result.ratings if rated_criterion.criterion in (c.criterion, c.parent)]
        assert rated_criterion.rating == worst(own)
        assert rated_criterion.provisional == by_criterion[rated_criterion.criterion].provisional

    ratings = [c.rating for c in result.ratings]
    if any(r in BLOCKING for r in ratings):
        assert result.overall == Readiness.NOT_READY
    elif Rating.AMBER in ratings or result.conditions:
        assert result.overall == Readiness.READY_WITH_CONDITIONS
    else:
        assert result.overall == Readiness.READY

    blocking_cells = [("rating", f"{c.criterion}/{c.group.value}") for c in result.ratings if c.rating in BLOCKING]
    kinds = {c.id: c.kind for c in result.conditions}
    go_live = blocking_cells + [("condition", i) for i, k in kinds.items() if k == ConditionKind.PREREQUISITE_GO_LIVE]
    migration = blocking_cells + [
        ("condition", i)
        for i, k in kinds.items()
        if k in (ConditionKind.PREREQUISITE_GO_LIVE, ConditionKind.PREREQUISITE_MIGRATION)
    ]
    assert sorted((b.kind, b.ref) for b in result.blockers.go_live) == sorted(go_live)
    assert sorted((b.kind, b.ref) for b in result.blockers.migration) == sorted(migration)
    assert len(kinds) == len(result.conditions), "condition ids are unique"
    assert all(c.kind != ConditionKind.CARRIED_OVER for c in result.conditions)

    not_green = [(c.criterion, c.group.value, c.rating) for c in result.ratings if c.rating != Rating.GREEN]
    assert [(p.criterion, p.group.value, p.rating) for p in result.path_to_green] == not_green
    for path in result.path_to_green:
        assert path.actions, path.criterion
        for milestone in path.milestones:
            assert milestone.rating.severity < path.rating.severity
            assert as_at < milestone.on <= as_at + HORIZON
        dates = {m.rating: m.on for m in path.milestones}
        if Rating.AMBER in dates and Rating.GREEN in dates:
            assert dates[Rating.AMBER] <= dates[Rating.GREEN]

    assert all(e.dated > as_at for e in result.excluded_evidence)
    confidential = sorted(item["id"] for _, item in items_with_paths(document) if item.get("confidential"))
    assert result.confidential_evidence == confidential


@settings(max_examples=100, deadline=None)
@given(packs())
def test_any_valid_pack_gives_a_consistent_deterministic_evaluation(drawn: tuple[Doc, date]) -> None:
    document, as_at = drawn
    data = json.dumps(document).encode()
    pack = parse(document)
    result = evaluate(pack, RULESET, as_at=as_at)
    assert isinstance(result, Evaluation)
    dumped = result.model_dump_json()
    assert Evaluation.model_validate_json(dumped) == result
    assert Evaluation.model_validate_json(dumped).model_dump_json() == dumped
    assert evaluate(parse_pack(data), RULESET, as_at=as_at).model_dump_json() == dumped
    check_consistent(result, document, as_at)
    event(f"overall {result.overall.value}")


# -- 2. missing evidence is never green -------------------------------------------------------------------------


def unconfirmable(document: Doc, as_at: date) -> dict[tuple[str, str], str]:
    """The cells whose evidence is absent (or not yet known at as_at), with what is missing."""
    missing: dict[tuple[str, str], str] = {}

    def lacks(cells: list[tuple[str, str]], what: str) -> None:
        for key in cells:
            missing.setdefault(key, what)

    def none_known(items: list[Doc] | None) -> bool:
        return not any(known(item, as_at) for item in items or [])

    testing = document.get("testing")
    if testing is None:
        lacks([("LSC1", "TAG"), ("LSC2", "TAG")], "testing")
    else:
        if none_known(testing.get("phases")):
            lacks([("LSC1", "TAG")], "testing.phases")
        if "defects" not in testing:
            lacks([("LSC2", "TAG")], "testing.defects")
    lsc3 = [("LSC3", "TAG"), ("LSC3", "OPSG")]
    migration = document.get("migration")
    if migration is None:
        lacks(lsc3, "migration")
    else:
        if none_known(migration.get("rehearsals")):
            lacks(lsc3, "migration.rehearsals")
        if migration.get("planned_daily_volume") is None:
            lacks([("LSC3", "OPSG")], "migration.planned_daily_volume")
    operations = document.get("operations") or {}
    if not known(operations.get("acceptance"), as_at):
        lacks([("LSC4", "OPSG")], "operations.acceptance")
    users = document.get("service_users") or {}
    readiness = users.get("readiness")
    if not known(readiness, as_at) or readiness["surveyed"] == 0:
        lacks([("LSC5", "OPSG")], "service_users.readiness")
    if none_known(users.get("communications")):
        lacks([("LSC5", "OPSG")], "service_users.communications")
    if "incidents" not in document:
        lacks([("LSC6", "OPSG")], "incidents")
    if none_known(document.get("performance")):
        lacks([("LSC7", "OPSG")], "performance")
    if "consumer_risks" not in document:
        lacks([("LSC8", "OPSG")], "consumer_risks")
    bcdr = document.get("bcdr") or {}
    if not known(bcdr.get("plan"), as_at):
        lacks([("LSC9", "OPSG")], "bcdr.plan")
    if none_known(bcdr.get("tests")):
        lacks([("LSC9", "OPSG")], "bcdr.tests")
    security = document.get("security") or {}
    for criterion, name in [
        ("LSC10.1", "architecture"),
        ("LSC10.2", "testing"),
        ("LSC10.6", "cio_report"),  # the CIO report is read with sub-criterion 6, as the Panel's letter states it
        ("LSC10.4", "independent_assurance"),
    ]:
        if not known(security.get(name), as_at):
            lacks([(criterion, "SSC")], f"security.{name}")
    if security.get("recent_issues") is None:
        lacks([("LSC10.6", "SSC")], "security.recent_issues")
    # Every group assesses the residual risks, a top-level section of their own.
    if "residual_risks" not in document:
        lacks([("RR", "TAG"), ("RR", "OPSG"), ("RR", "SSC")], "residual_risks")
    return missing


@settings(max_examples=100, deadline=None)
@given(packs())
def test_missing_evidence_is_never_green(drawn: tuple[Doc, date]) -> None:
    document, as_at = drawn
    result = run(document, as_at)
    for (criterion, group), what in unconfirmable(document, as_at).items():
        assert cell(result, criterion, group).rating != Rating.GREEN, f"{criterion}/{group} green without {what}"
    for rated in result.ratings:
        confirming = GREEN_RULES[(rated.criterion, rated.group.value)]
        if rated.rating == Rating.GREEN:
            assert all(f.rule_id in confirming for f in rated.findings), rated.criterion
        if not any(f.rule_id in confirming for f in rated.findings):
            assert rated.rating != Rating.GREEN
        if not any(f.rule_id in RULE_IDS for f in rated.findings):  # no rule rated it (carried conditions aside)
            assert rated.rating == Rating.INSUFFICIENT_EVIDENCE, rated.criterion


def test_the_smallest_pack_is_insufficient_everywhere() -> None:
    result = run(minimal(), date(2021, 5, 4))
    assert all(c.rating == Rating.INSUFFICIENT_EVIDENCE for c in result.ratings)
    assert set(unconfirmable(minimal(), date(2021, 5, 4))) == set(CELLS)


# -- 3. monotonicity ----------------------------------------------------------------------------------------------


def _with(document: Doc, path: tuple[str, ...], item: Doc) -> Doc:
    """A copy of the document with the item appended to the list at ``path`` (created if absent)."""
    changed = deepcopy(document)
    holder = changed
    for key in path[:-1]:
        holder = holder.setdefault(key, {})
    holder.setdefault(path[-1], []).append(item)
    return changed


#: The rules that say the stability window is not met, one of which a blocking incident inside it must fire.
WINDOW_NOT_MET = {
    "LSC6-OPSG-stability-window",
    "LSC6-OPSG-stability-window-planned-deployment",
    "LSC6-OPSG-default-window",
    "LSC6-OPSG-default-window-planned-deployment",
    "LSC6-OPSG-stability-window-after-migration",
    "LSC6-OPSG-stability-window-awaits-deployment",
    "LSC6-OPSG-blocking-unresolved",
}


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_blocking_incident_in_the_stability_window_never_improves_lsc6(data: st.DataObject) -> None:
    document, as_at = data.draw(packs())
    ctx = continuing(data.draw, document, as_at, allow_future=False)
    service = document["statement"].get("service", "SMETS1")
    added = blocking_incident_in_window(ctx, service, PARAMETERS.stability_window_days)
    before = run(document, as_at)
    after = run(_with(document, ("incidents",), added), as_at)
    assert severity(after, "LSC6", "OPSG") >= severity(before, "LSC6", "OPSG")
    # Some rule says the window is not met: from its last incident, from a deployment it awaits, or not started.
    assert set(rule_ids(after, "LSC6", "OPSG")) & WINDOW_NOT_MET


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_an_open_severity_1_defect_never_improves_lsc2(data: st.DataObject) -> None:
    document, as_at = data.draw(packs())
    ctx = continuing(data.draw, document, as_at, allow_future=False)
    added = ctx.item("DEF", severity=1, status="open", user_impact=ctx(st.booleans()))
    dated_on_or_before(ctx, added, as_at)
    before = run(document, as_at)
    after = run(_with(document, ("testing", "defects"), added), as_at)
    assert severity(after, "LSC2", "TAG") >= severity(before, "LSC2", "TAG")
    assert cell(after, "LSC2", "TAG").rating != Rating.GREEN


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_high_unmitigated_residual_risk_never_improves_any_groups_residual_risks(data: st.DataObject) -> None:
    document, as_at = data.draw(packs())
    ctx = continuing(data.draw, document, as_at, allow_future=False)
    added = residual_risk(ctx) | {"likelihood": "high", "impact": "high", "mitigation": None}
    dated_on_or_before(ctx, added, as_at)
    before = run(document, as_at)
    after = run(_with(document, ("residual_risks",), added), as_at)
    for group in ("TAG", "OPSG", "SSC"):
        assert severity(after, "RR", group) >= severity(before, "RR", group)
        assert cell(after, "RR", group).rating == Rating.RED


def reported_to(document: Doc, day: date) -> EvidencePack:
    """The pack as it would stand had incident reporting gone on to ``day`` with no incident to report.

    "Nothing new happens" means no new incident, not that reporting stops: days no report covers are rated
    insufficient on their own (and a drawn pack that already states a later reach keeps it).
    """
    stated = document.get("incidents_reported_to")
    if stated is not None and date.fromisoformat(stated) >= day:
        return parse(document)
    return parse({**document, "incidents_reported_to": day.isoformat()})


@settings(max_examples=60, deadline=None)
@given(packs(allow_future=False), st.integers(1, 200))
def test_time_passing_without_new_evidence_never_worsens_lsc6(drawn: tuple[Doc, date], days: int) -> None:
    document, as_at = drawn
    pack = parse(document)
    now = evaluate(pack, RULESET, as_at=as_at)
    later = evaluate(reported_to(document, as_at + timedelta(days=days)), RULESET, as_at=as_at + timedelta(days=days))
    assert now.excluded_evidence == later.excluded_evidence == []  # nothing new to learn
    assert severity(later, "LSC6", "OPSG") <= severity(now, "LSC6", "OPSG")
    if set(rule_ids(later, "LSC6", "OPSG")) & WINDOW_NOT_MET:
        assert set(rule_ids(now, "LSC6", "OPSG")) & WINDOW_NOT_MET
    # The path to green's dates for LSC6 are exact when nothing new happens: met on the day, not the day before.
    path = next((p for p in now.path_to_green if p.criterion == "LSC6"), None)
    for milestone in path.milestones if path else []:
        event(f"LSC6 {milestone.rating.value} milestone checked")
        on_the_day = evaluate(reported_to(document, milestone.on), RULESET, as_at=milestone.on)
        assert severity(on_the_day, "LSC6", "OPSG") <= milestone.rating.severity
        if milestone.on - timedelta(days=1) > as_at:
            before = milestone.on - timedelta(days=1)
            day_before = evaluate(reported_to(document, before), RULESET, as_at=before)
            assert severity(day_before, "LSC6", "OPSG") > milestone.rating.severity


# -- 4. evidence dated after as_at is left out --------------------------------------------------------------------


Addition = tuple[tuple[str, ...], Doc, bool]  # where, the item, and whether it goes into a list


def future_items(ctx: Context, document: Doc) -> list[Addition]:
    """Items dated after as_at for the places this pack can take them: lists that exist, single items absent."""

    def later(item: Doc) -> Doc:
        item["provenance"]["date"] = (ctx.as_at + timedelta(days=ctx(st.integers(1, 400)))).isoformat()
        return item

    def listed(path: tuple[str, ...], item: Doc) -> None:
        candidates.append((path, later(item), True))

    def single(path: tuple[str, ...], prefix: str, **fields: Any) -> None:
        if document[path[0]].get(path[1]) is None:
            candidates.append((path, later(ctx.item(prefix, **fields)), False))

    candidates: list[Addition] = []
    if "incidents" in document:  # an absent section stays absent (see the module's docstring)
        listed(("incidents",), incident(ctx))
    listed(("earlier_conditions",), earlier_condition(ctx, ctx(st.sampled_from(["a", "cio-report-review"]))))
    listed(("scope", "dmcs"), ctx.item("DMC", name="late", installation_type="active"))
    month = ctx.as_at.year * 12 + ctx.as_at.month - 1
    if "performance" in document:
        listed(("performance",), performance_row(ctx, "CPM1", month))
    if "consumer_risks" in document:
        listed(("consumer_risks",), consumer_risk(ctx))
    if "residual_risks" in document:
        listed(("residual_risks",), residual_risk(ctx))
    if "testing" in document:
        testing = document["testing"]
        listed(("testing", "phases"), phase(ctx))
        if "defects" in testing:
            listed(("testing", "defects"), ctx.item("DEF", severity=1, status="open", user_impact=True))
        if testing.get("phases"):
            phase_id = testing["phases"][0]["id"]
            listed(
                ("testing", "issues"), ctx.item("TI", severity=1, phase_id=phase_id, user_impact=True, description="x")
            )
    if "migration" in document:
        listed(("migration", "rehearsals"), ctx.item("REH", date=ctx.as_at.isoformat(), attempted=10, succeeded=1))
    if "operations" in document:
        listed(("operations", "service_providers"), ctx.item("SP", name="late", ready=False))
        single(("operations", "acceptance"), "OA", given=False)
    if "service_users" in document:
        single(("service_users", "readiness"), "UR", surveyed=10, ready=1)
        listed(("service_users", "communications"), ctx.item("COM", date=ctx.as_at.isoformat(), audience="all"))
    if "bcdr" in document:
        single(("bcdr", "plan"), "BCDR", published=False)
        listed(("bcdr", "tests"), ctx.item("BT", date=ctx.as_at.isoformat(), result="failed"))
    if "security" in document:
        single(("security", "architecture"), "ARCH", status="rejected")
        single(("security", "testing"), "SECT", status="in_progress", open_high_findings=2)
        single(("security", "independent_assurance"), "IA", status="none")
        single(("security", "cio_report"), "CIO", status="none")
        single(("security", "connectivity"), "CONN", arrangement="interim", description="late")
        if document["security"].get("recent_issues") is not None:
            listed(("security", "recent_issues"), ctx.item("SI", description="late", severity="high"))
    return candidates


#: Lists whose items, all reported after as_at, leave their section unreported at as_at; and the rule that says so.
REPORTED_LATE: dict[tuple[str, ...], tuple[str, str, str]] = {
    ("incidents",): ("LSC6", "OPSG", "LSC6-OPSG-incidents-reported-late"),
    ("scope", "dmcs"): ("LSC3", "TAG", "LSC3-TAG-dmcs-reported-late"),
    ("performance",): ("LSC7", "OPSG", "LSC7-OPSG-reported-late"),
    ("consumer_risks",): ("LSC8", "OPSG", "LSC8-OPSG-risks-reported-late"),
    ("residual_risks",): ("RR", "SSC", "RR-SSC-reported-late"),
    ("testing", "phases"): ("LSC1", "TAG", "LSC1-TAG-phases-reported-late"),
    ("testing", "defects"): ("LSC2", "TAG", "LSC2-TAG-defects-reported-late"),
    ("testing", "issues"): ("LSC2", "TAG", "LSC2-TAG-issues-reported-late"),
    ("operations", "service_providers"): ("LSC4", "OPSG", "LSC4-OPSG-providers-reported-late"),
    ("security", "recent_issues"): ("LSC10.6", "SSC", "LSC10.6-SSC-issues-reported-late"),
}


def holds_known(document: Doc, path: tuple[str, ...], as_at: date) -> bool:
    """Whether the list at a path holds an item known at as_at."""
    holder: Any = document
    for key in path:
        holder = holder.get(key) if isinstance(holder, dict) else None
    late = {item_id for item_id, _, _ in expected_exclusions(document, as_at)}
    return any(item["id"] not in late for item in holder or [])


def _unchanged_part(result: Evaluation) -> dict[str, Any]:
    """The evaluation without what names every item of the pack (excluded, confidential, the input digest)."""
    whole: dict[str, Any] = json.loads(result.model_dump_json())
    for key in ("excluded_evidence", "confidential_evidence", "input_digest"):
        whole.pop(key)
    return whole


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_evidence_dated_after_as_at_changes_no_rating_and_is_listed(data: st.DataObject) -> None:
    document, as_at = data.draw(packs())
    ctx = continuing(data.draw, document, as_at, allow_future=True)
    # A list with nothing known at as_at would become one reported only later: see the next property.
    candidates = [
        c for c in future_items(ctx, document) if c[0] not in REPORTED_LATE or holds_known(document, c[0], as_at)
    ]
    chosen = data.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=6, unique_by=lambda c: c[1]["id"]))
    changed = deepcopy(document)
    for path, item, into_list in chosen:
        holder = changed
        for key in path[:-1]:
            holder = holder[key]
        if into_list:
            holder.setdefault(path[-1], []).append(item)
        else:
            holder[path[-1]] = item
    for path, _, _ in chosen:
        event(f"added to {'.'.join(path)}")
    before = run(document, as_at)
    after = run(changed, as_at)
    assert _unchanged_part(after) == _unchanged_part(before)
    assert {(e.id, e.path, e.dated) for e in before.excluded_evidence} == expected_exclusions(document, as_at)
    assert {(e.id, e.path, e.dated) for e in after.excluded_evidence} == expected_exclusions(changed, as_at)
    assert {item["id"] for _, item, _ in chosen} <= {e.id for e in after.excluded_evidence}


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_list_reported_only_after_as_at_is_missing_evidence_not_an_empty_one(data: st.DataObject) -> None:
    document, as_at = data.draw(packs())
    ctx = continuing(data.draw, document, as_at, allow_future=True)
    candidates = [
        c
        for c in future_items(ctx, document)
        if c[0] in REPORTED_LATE
        and not holds_known(document, c[0], as_at)
        # testing issues are read only beside test phases known at as_at
        and (c[0] != ("testing", "issues") or holds_known(document, ("testing", "phases"), as_at))
    ]
    assume(candidates)
    path, item, _ = data.draw(st.sampled_from(candidates))
    event(f"added to {'.'.join(path)}")
    changed = deepcopy(document)
    holder = changed
    for key in path[:-1]:
        holder = holder[key]
    holder.setdefault(path[-1], []).append(item)
    criterion, group, rule_id = REPORTED_LATE[path]
    after = run(changed, as_at)
    assert rule_id in rule_ids(after, criterion, group)
    assert cell(after, criterion, group).rating in (Rating.INSUFFICIENT_EVIDENCE, Rating.RED)


# -- regressions: engine bugs these properties found, on minimal packs -------------------------------------------


def _provenance(day: str) -> Doc:
    return {"source": "test", "date": day}


_DATED = _provenance("2021-05-01")


@pytest.mark.parametrize("achieved", [0.00001, 5e-324])
def test_a_tiny_percentage_is_read(achieved: float) -> None:
    # Python writes 1e-05 with an exponent, which durable-rules' parser refused (error code 204, exit 1).
    document = minimal()
    document["performance"] = [
        {"id": "P-1", "measure": "CPM1", "month": "2021-04", "achieved": achieved, "provenance": _DATED}
    ]
    result = run(document, date(2021, 5, 4))
    assert cell(result, "LSC7", "OPSG").rating == Rating.AMBER
    assert "LSC7-OPSG-cpm-below-minimum" in rule_ids(result, "LSC7", "OPSG")


def test_defects_dated_after_as_at_are_listed_without_a_test_phase() -> None:
    # Defects were read (and so excluded) only when a test phase was known.
    document = minimal()
    defect = {"id": "DEF-1", "severity": 1, "status": "open", "user_impact": True}
    document["testing"] = {"defects": [defect | {"provenance": _provenance("2021-06-01")}]}
    assert [e.id for e in run(document, date(2021, 5, 4)).excluded_evidence] == ["DEF-1"]


def test_a_carried_over_condition_does_not_hide_a_cell_no_rule_rated() -> None:
    # It made LSC3/OPSG amber (and not a blocker) instead of insufficient evidence.
    document = minimal()
    document["migration"] = {"planned_daily_volume": 100}  # no rehearsal: no LSC3/OPSG rule can fire
    document["earlier_conditions"] = [
        {
            "id": "EC-1",
            "key": "migration-reporting",
            "kind": "ongoing_reporting",
            "owner": "OPSG",
            "criteria": ["LSC3"],
            "text": "DCC reports migration volumes to OPSG.",
            "raised_on": "2021-01-12",
            "provenance": _provenance("2021-01-12"),
        }
    ]
    result = run(document, date(2021, 5, 4))
    assert cell(result, "LSC3", "OPSG").rating == Rating.INSUFFICIENT_EVIDENCE
    assert sorted(rule_ids(result, "LSC3", "OPSG")) == ["carried-over-condition", "no-confirming-evidence"]
    assert "LSC3/OPSG" in [b.ref for b in result.blockers.go_live]


@pytest.mark.parametrize(
    ("section", "criterion", "group"),
    [
        (  # 79.9995% of Service Users ready; 80% are needed
            {
                "service_users": {
                    "readiness": {"id": "UR-1", "surveyed": 200000, "ready": 159999, "provenance": _DATED},
                    "communications": [{"id": "COM-1", "date": "2021-05-01", "audience": "all", "provenance": _DATED}],
                }
            },
            "LSC5",
            "OPSG",
        ),
        (  # 97.9995% of rehearsed migrations succeeded; 98% are needed
            {
                "migration": {
                    "rehearsals": [
                        {
                            "id": "R-1",
                            "date": "2021-04-01",
                            "attempted": 200000,
                            "succeeded": 195999,
                            "provenance": _DATED,
                        }
                    ]
                }
            },
            "LSC3",
            "TAG",
        ),
    ],
)
def test_a_share_just_under_its_threshold_is_not_green(section: Doc, criterion: str, group: str) -> None:
    # Shares were rounded to 2 decimals before they were compared with the threshold.
    result = run(minimal() | section, date(2021, 5, 4))
    assert cell(result, criterion, group).rating != Rating.GREEN
