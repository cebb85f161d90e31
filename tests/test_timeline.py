"""A capability's timeline: what the records and the pack say, in date order, on a page with its chart."""

from __future__ import annotations

import html
import json
import random
import re
from datetime import UTC, date, datetime, timedelta
from typing import cast

import pytest

from api.web.timeline_chart import timeline_svg
from lsc_engine.access.policy import Role
from lsc_engine.committee import timeline
from lsc_engine.committee.conditions import ConditionState
from lsc_engine.committee.gate import Assessment
from lsc_engine.committee.snapshot import Snapshot
from lsc_engine.committee.timeline import Lane, Moment, VersionRecords, in_order, milestone_moments, record_moments
from lsc_engine.committee.views import DecisionView
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import Ruleset

from .auth import ActingClient, bearer
from .conftest import FIXTURES
from .helpers import condition_state

SECURE = (FIXTURES / "seed-moc-secure-2020-08.json").read_bytes()
MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()


def test_moc_secures_milestones_read_as_the_panel_tracked_them(ruleset: Ruleset) -> None:
    pack = parse_pack(SECURE)
    evaluation = evaluate(pack, ruleset, as_at=date(2020, 8, 7))
    moments = in_order(milestone_moments(pack, evaluation))
    said = [(m.on.isoformat(), m.title, m.planned) for m in moments]
    assert ("2020-08-14", "Operational acceptance (planned)", True) in said
    assert any(on == "2020-08-24" and title.startswith("First migration") and planned for on, title, planned in said)
    deployments = [(on, planned) for on, title, planned in said if title.startswith("Deployment")]
    assert ("2020-07-14", False) in deployments
    assert ("2020-08-15", True) in deployments
    [projected] = [m for m in moments if m.title.startswith("LSC 6 ")]
    assert (projected.on, projected.title, projected.planned) == (
        date(2020, 8, 20),
        "LSC 6 Amber for OPSG if planned dates hold and later reports show nothing new",
        True,
    )
    assert projected.detail == "Projected by the engine from the evidence as at 7 August 2020."
    [late] = [m for m in moments if m.on == date(2020, 8, 4)]
    assert late.detail == "The date had passed and it was not reported done as at 7 August 2020."
    assert [m.on for m in moments] == sorted(m.on for m in moments)


def test_the_chart_draws_a_mark_per_lane_and_date_and_hollows_planned_ones(ruleset: Ruleset) -> None:
    pack = parse_pack(SECURE)
    moments = milestone_moments(pack, evaluate(pack, ruleset, as_at=date(2020, 8, 7)))
    svg = timeline_svg(moments, marked=date(2020, 8, 7))
    assert svg.count("<circle") == len({(m.lane, m.on) for m in moments})
    assert svg.count("mark-planned") == len({(m.lane, m.on) for m in moments if m.planned})
    assert 'class="as-at"' in svg
    assert all(m.lane == Lane.MILESTONES for m in moments)
    assert timeline_svg([]) == ""


@pytest.mark.api
def test_the_timeline_page_lists_versions_decisions_and_what_changed_since_the_meeting(client: ActingClient) -> None:
    first = client.post("/v1/submissions", content=MDS).json()["submission"]["id"]
    body = {"criterion": "LSC6", "group": "OPSG", "accepted": True, "rating": "amber", "assessor": "OPSG Chair"}
    assert client.post(f"/v1/submissions/{first}/assessments", json=body).status_code == 201
    decided = client.post(
        f"/v1/submissions/{first}/decisions",
        json={"outcome": "recommend_with_conditions", "considered_on": "2020-03-09"},
    )
    assert decided.status_code == 201, decided.text
    letter = client.post(f"/v1/decisions/{decided.json()['id']}/letters", json={"letter_date": "2020-03-10"})
    assert letter.status_code == 201, letter.text
    issued = client.post(f"/v1/letters/{letter.json()['id']}/issue", json={"revision": 1})
    assert issued.status_code == 200, issued.text
    changed = json.loads(MDS)
    changed["bcdr"]["tests"][0]["result"] = "failed"
    second = client.post("/v1/submissions", content=json.dumps(changed)).json()["submission"]["id"]
    page = client.get("/capabilities/MOC-MDS/timeline", headers=bearer(client.tokens[Role.PANEL]))
    assert page.status_code == 200, page.text
    text = page.text
    for said in (
        "Version 1 submitted",
        "Version 2 submitted",
        "OPSG assessed 1 criterion of version 1",
        "1 confirmed as proposed, 0 overridden.",
        "The Panel recommended go-live with conditions",
        "Condition set: Prerequisite to go-live (SSC, LSC 10.6)",
        "9 March 2020",
    ):
        assert said in text, said
    assert (
        text.index("Version 1 submitted")
        < text.index("OPSG assessed 1 criterion")
        < text.index("The Panel recommended")
    )
    assert text.index("The Panel recommended") < text.index("The Panel&#39;s letter issued")
    row = text[: text.index("The Panel&#39;s letter issued")].rsplit("<tr", 1)[1]
    assert "10 March 2020" in row, "the letter is dated by its own date"
    assert "Recorded on " in text, "an assessment entered after the meeting says when it was entered"
    carried = text[: text.rindex("Condition set by an earlier decision, carried over: Prerequisite to migration")]
    assert "12 July 2019" in carried.rsplit("<tr", 1)[1], "dated by the decision that set it"
    link = re.search(r'href="(/submissions/[^"]+/history\?from=[^"]+)">What changed since the last meeting', text)
    assert link is not None
    assert link.group(1).startswith(f"/submissions/{second}/history?from=")
    since = client.get(html.unescape(link.group(1)), headers=bearer(client.tokens[Role.PANEL]))
    assert since.status_code == 200, since.text
    assert "From version 1, evaluation 1, to version 2, evaluation 1" in since.text
    assert "Latest BCDR test failed" in since.text
    assert "What changed since the last meeting" in text
    assert "<svg" in text
    assert "LSC6-" not in text
    assert "sha256" not in text
    secure_pack = json.loads(SECURE)  # with a pending architecture approval, which only a provisional rule weighs
    stated = {"source": "SSC minutes", "date": "2020-08-05"}
    secure_pack["security"]["architecture"] = {"id": "SEC-ARCH", "status": "pending", "provenance": stated}
    assert client.post("/v1/submissions", content=json.dumps(secure_pack)).status_code == 201
    secure = client.get("/capabilities/MOC-SECURE/timeline", headers=bearer(client.tokens[Role.PANEL])).text
    assert "Condition set: Prerequisite to go-live (provisional) (SSC, LSC 10.1)" in secure
    assert "Addition to the EPCL postponed by BEIS" in secure
    assert "Addition to the EPCL considered by BEIS (planned)" in secure
    assert "Condition set: Prerequisite to go-live (SSC, LSC 10.6)" in secure  # the Panel's own: no label
    missing = client.get("/capabilities/NO-SUCH/timeline", headers=bearer(client.tokens[Role.PANEL]))
    assert missing.status_code == 404
    assert "There is no evidence for a capability called NO-SUCH." in missing.text


def test_a_gap_of_years_breaks_the_axis_so_each_cluster_keeps_its_own_scale() -> None:
    evidence = [Moment(on=date(2020, 8, day), lane=Lane.EVIDENCE, title=f"Report {day}") for day in (3, 7, 14)]
    records = [Moment(on=date(2026, 12, 1), lane=Lane.COMMITTEES, title="Version 1 submitted")]
    svg = timeline_svg(evidence + records, marked=date(2020, 8, 7))
    assert svg.count('class="break"') == 1
    assert "the axis broken where months pass without a moment" in svg
    places = [float(x) for x in re.findall(r'<circle[^>]* cx="([\d.]+)"', svg)]
    # The three August 2020 reports stay apart rather than collapsing into one point beside 2026.
    assert places[1] - places[0] > 20
    assert places[2] - places[1] > 20
    assert ">Aug 2020<" in svg
    assert ">Dec 2026<" in svg
    assert ">Jan 2021<" not in svg, "the years without a moment are not drawn"
    assert 'class="break"' not in timeline_svg(evidence, marked=date(2020, 8, 7))


def _former_taken_on(recorded: datetime, decisions: list[DecisionView]) -> date:
    """Date a record as before, reading every decision (the reference)."""
    return min([recorded.date(), *(d.considered_on for d in decisions if d.recorded_at >= recorded)])


class _FormerDecided:
    """Decisions read in full for each record, as before: ``_DecisionDates`` with the former dating (the reference)."""

    def __init__(self, decisions: list[DecisionView]) -> None:
        self.decisions = decisions

    @classmethod
    def of(cls, decisions: list[DecisionView]) -> _FormerDecided:
        """Keep the decisions as they are."""
        return cls(decisions)

    def taken_on(self, recorded: datetime) -> date:
        """Date a record by reading every decision."""
        return _former_taken_on(recorded, self.decisions)


class _Counted(datetime):
    """A time that counts how often it is compared."""

    comparisons = 0

    def __lt__(self, other: datetime, /) -> bool:  # type: ignore[override]  # as datetime's own
        _Counted.comparisons += 1
        return datetime.__lt__(self, other)

    def __le__(self, other: datetime, /) -> bool:  # type: ignore[override]  # as datetime's own
        _Counted.comparisons += 1
        return datetime.__le__(self, other)

    def __gt__(self, other: datetime, /) -> bool:  # type: ignore[override]  # as datetime's own
        _Counted.comparisons += 1
        return datetime.__gt__(self, other)

    def __ge__(self, other: datetime, /) -> bool:  # type: ignore[override]  # as datetime's own
        _Counted.comparisons += 1
        return datetime.__ge__(self, other)

    __hash__ = datetime.__hash__


START = datetime(2020, 3, 2, 9, 0, tzinfo=UTC)


def _decision(n: int, recorded: datetime, considered: date) -> DecisionView:
    """Return a decision entered at a time on a day considered, without the snapshot dating does not read."""
    return DecisionView.model_construct(
        id=f"D{n}",
        submission_id="S1",
        evaluation_id="E1",
        outcome="recommend",
        considered_on=considered,
        supersedes=None,
        superseded_by=None,
        actor="panel:chair",
        recorded_at=recorded,
        snapshot=cast(Snapshot, None),  # the timeline never reads it
    )


def _assessment(n: int, recorded: datetime, carried: bool = False) -> Assessment:
    """Return a group's confirmed decision on LSC 6 recorded at a time (or carried from version 1)."""
    return Assessment(
        id=f"A{n}",
        criterion="LSC6",
        group=Group.OPSG if n % 2 else Group.TAG,
        accepted=n % 3 != 0,
        proposed=Rating.AMBER,
        rating=Rating.AMBER if n % 3 else Rating.RED,
        override=n % 3 == 0,
        assessor="Chair",
        rationale=None,
        carried_from=1 if carried else None,
    ).model_copy(update={"recorded_at": recorded})  # unvalidated, so a counted time stays counted


def _condition(n: int, created: datetime) -> ConditionState:
    """Return an open condition created at a time."""
    return condition_state(
        id=f"C{n}",
        key=f"K{n}",
        kind=ConditionKind.PREREQUISITE_GO_LIVE,
        criteria=["LSC6"],
        text="Test the failover",
        due="before go-live",
        created_at=START,
    ).model_copy(update={"created_at": created})  # unvalidated, so a counted time stays counted


def _records(
    chance: random.Random, evaluation: Evaluation
) -> tuple[list[VersionRecords], list[ConditionState], dict[str, date]]:
    """Return random versions, decisions, assessments and conditions, at times often equal or before or after all."""
    times = [START + timedelta(hours=6 * n) for n in range(10)]  # few, so ties are common
    day = START.date()
    made = iter(range(10_000))
    versions = []
    for number in range(1, chance.randint(2, 4)):
        decisions = [
            _decision(next(made), chance.choice(times[2:-2]), day + timedelta(days=chance.randint(-3, 3)))
            for _ in range(chance.choice([0, 1, 2, 5]))
        ]
        received = chance.choice(times)
        assessments = [
            _assessment(next(made), chance.choice(times), chance.random() < 0.2) for _ in range(chance.randint(0, 8))
        ]
        evaluations = [(1, "submitted", received, evaluation)]
        versions.append(VersionRecords(number, f"S{number}", received, evaluations, assessments, decisions=decisions))
    conditions = [_condition(next(made), chance.choice(times)) for _ in range(chance.randint(0, 6))]
    carried = {c.key: day for c in conditions if chance.random() < 0.2}
    return versions, conditions, carried


def test_dating_by_sorted_decisions_gives_the_days_reading_every_decision_gave() -> None:
    chance = random.Random(18)
    times = [START + timedelta(hours=6 * n) for n in range(-2, 10)]  # before, among and after the decisions
    for _ in range(500):
        decisions = [
            _decision(n, chance.choice(times[2:-2]), START.date() + timedelta(days=chance.randint(-3, 3)))
            for n in range(chance.choice([0, 1, 2, 3, 7]))
        ]
        decided = timeline._DecisionDates.of(decisions)
        for recorded in times:
            assert decided.taken_on(recorded) == _former_taken_on(recorded, decisions)


def test_the_timeline_dates_every_record_as_reading_every_decision_did(
    ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    chance = random.Random(18)
    evaluation = evaluate(parse_pack(MDS), ruleset, as_at=START.date())
    for _ in range(150):
        versions, conditions, carried = _records(chance, evaluation)
        now = record_moments(versions, conditions, carried=carried)
        with monkeypatch.context() as former:
            former.setattr(timeline, "_DecisionDates", _FormerDecided)
            assert now == record_moments(versions, conditions, carried=carried)


@pytest.mark.parametrize("decisions", [64, 256])
def test_dating_a_record_compares_it_with_a_few_decisions_not_all_of_them(decisions: int, ruleset: Ruleset) -> None:
    day = START.date()
    entered = [_decision(n, START + timedelta(minutes=n), day) for n in range(decisions)]
    recorded = [_Counted.fromtimestamp((START + timedelta(seconds=n)).timestamp(), UTC) for n in range(30 * decisions)]
    version = VersionRecords(
        1, "S1", recorded[0], [], [_assessment(n, at) for n, at in enumerate(recorded)], decisions=entered
    )
    conditions = [_condition(n, at) for n, at in enumerate(recorded[: 5 * decisions])]
    _Counted.comparisons = 0
    record_moments([version], conditions)
    # Each of the 35 x decisions records is found by halving: before, each was compared with every decision.
    assert _Counted.comparisons <= 35 * decisions * (decisions.bit_length() + 1)
