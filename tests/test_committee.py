"""The committee workflow over HTTP on both databases: assessments, conditions to closure, decisions, the gate."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from lsc_engine.committee.conditions import Action, ConditionState
from lsc_engine.committee.inputs import AssessmentIn, ConditionEventIn, DecisionIn
from lsc_engine.committee.letter import markdown_text
from lsc_engine.committee.snapshot import snapshot as build_snapshot
from lsc_engine.core.evidence import EvidencePack, Group
from lsc_engine.core.loading import read_stored_pack
from lsc_engine.services import committee as committee_service
from lsc_engine.settings import Settings
from lsc_engine.store.audit import verify
from lsc_engine.store.db import make_engine, session_scope
from lsc_engine.store.models import AssessmentRecord, AuditEntry
from lsc_engine.store.repositories.conditions import Conditions
from lsc_engine.store.repositories.submissions import StoredEvaluation, Submissions

from .auth import ActingClient
from .conftest import FIXTURES
from .helpers import run_lsc, statements_sent

pytestmark = pytest.mark.api

T = TypeVar("T")

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
SECURE = (FIXTURES / "seed-moc-secure-2020-08.json").read_bytes()


def submit(client: TestClient, body: bytes = MDS) -> str:
    """Store a pack and return its submission id."""
    response = client.post("/v1/submissions", content=body)
    assert response.status_code == 201, response.text
    submission_id: str = response.json()["submission"]["id"]
    return submission_id


def conditions(client: TestClient, capability: str = "MOC-MDS") -> dict[str, dict[str, Any]]:
    """Return a capability's conditions by key."""
    return {c["key"]: c for c in client.get("/v1/conditions", params={"capability": capability}).json()}


def act(client: TestClient, condition_id: str, **body: Any) -> Any:
    """Post an event on a condition and return the response."""
    return client.post(f"/v1/conditions/{condition_id}/events", json=body)


def go_live(client: TestClient, capability: str = "MOC-MDS") -> tuple[bool, list[str]]:
    """Ask the gate whether go-live may happen now, and what blocks it."""
    gate = client.get(f"/v1/readiness/{capability}").json()["gate"]["go_live"]
    return gate["allowed"], [b["ref"] for b in gate["blockers"]]


def assess(client: TestClient, submission_id: str, criterion: str, group: str, **extra: Any) -> Any:
    """Record an assessment and return the response."""
    body = {"criterion": criterion, "group": group, "accepted": True, "rating": "amber", "assessor": "Chair"} | extra
    return client.post(f"/v1/submissions/{submission_id}/assessments", json=body)


def test_moc_mds_decision_from_assessment_to_letter(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    submission_id = submit(client)
    for criterion in ("LSC6", "LSC8", "LSC9"):
        response = assess(client, submission_id, criterion, "OPSG", assessor="OPSG Chair")
        assert response.status_code == 201
        assert response.json()["override"] is False
    for criterion in ("LSC10.4", "LSC10.6"):
        assert assess(client, submission_id, criterion, "SSC", assessor="SSC Chair").status_code == 201
    for group in ("TAG", "OPSG", "SSC"):  # each group assesses the residual risks, a section of their own
        response = assess(client, submission_id, "RR", group, rating="green", assessor=f"{group} Chair")
        assert response.status_code == 201, response.text
    registered = conditions(client)
    assert {key: c["kind"] for key, c in registered.items()} == {
        "cio-report-review": "prerequisite_go_live",
        "han-third-party-assurance": "prerequisite_migration",
        "connectivity-transition-reporting": "ongoing_reporting",
        "connectivity-pause": "pause_trigger",
    }
    assert go_live(client) == (False, ["panel", "cio-report-review"])

    decision = client.post(
        f"/v1/submissions/{submission_id}/decisions",
        json={"outcome": "recommend_with_conditions", "considered_on": "2020-03-06"},
    )
    assert decision.status_code == 201
    decision_id = decision.json()["id"]
    assert [c["key"] for c in decision.json()["snapshot"]["conditions"]] == list(registered)
    assert go_live(client) == (False, ["cio-report-review"])

    satisfied = act(
        client, registered["cio-report-review"]["id"], action="satisfy", evidence="SSC reviewed the CIO report"
    )
    assert satisfied.json()["status"] == "satisfied"
    assert go_live(client) == (True, [])
    migration = client.get("/v1/readiness/MOC-MDS").json()["gate"]["migration"]
    assert [b["ref"] for b in migration["blockers"]] == ["han-third-party-assurance"]

    revoked = client.post(
        f"/v1/submissions/{submission_id}/revocations", json={"group": "SSC", "reason": "the CIO report shows a risk"}
    )
    assert revoked.status_code == 201
    allowed, blockers = go_live(client)
    assert not allowed
    assert blockers == [revoked.json()["id"]]

    pdf = client.get(f"/v1/decisions/{decision_id}/letter", params={"format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf"
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf.content)
    text = " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    for dmc in ("MDS electricity meter with gas meter, active", "MDS single-phase electricity meter, active"):
        assert dmc in text
    assert "DCC did not ask the Panel to consider MDS electricity and gas, mixed installation at this time" in text
    assert "defect carried over from IOC" in text
    for kind in ("Prerequisite to go-live", "Pause trigger, owned by SSC", "Ongoing reporting, owned by SSC"):
        assert kind in text
    # The carried-over condition on the HAN assurance is stated openly, as in the Panel's letter.
    assert "2. An independent third party assures the security of messages to HAN-connected devices" in text
    assert "carried over from the approval of the first set of entries onto the EPCL (SSC, July 2019)" in text
    assert "confidential appendix" not in text
    for criterion, reason in (
        ("LSC 6", "3 Category 1 or 2 incidents on other services"),
        ("LSC 8", "After migration, a tariff change could disturb devices with an auxiliary load circuit."),
        ("LSC 9", "DCC has undertaken to publish a revised plan that includes MDS and Telefonica."),
    ):
        assert f"{criterion} - " in text
        assert reason in text
    assert "(s)" not in text
    assert decision_id not in text, "no record id in the letter"
    assert "Annex 1" in text
    assert "6 March 2020" in text
    residual = text[text.index("DCC set out three residual risks") :]
    assert residual.startswith(
        "DCC set out three residual risks in its statement, assessed all of them as of low likelihood, and "
        "provided a mitigation for each. TAG and OPSG support these assessments and accept the mitigations. SSC "
        "accepts DCC's statement of readiness, subject to conditions 1, 2, 3 and 4."
    )

    engine = make_engine(settings)
    with session_scope(engine) as session:
        result = verify(session)
    assert result.intact, result.problems
    assert result.entries == result.records
    with session_scope(engine) as session:
        actions = Counter(entry.action for entry in session.exec(select(AuditEntry)))
    engine.dispose()
    # submission, evaluation, 4 conditions, 8 assessments, the decision, the satisfaction, the revocation
    workflow = {a: n for a, n in actions.items() if a not in ("token.create", "confidential.read")}
    assert sum(workflow.values()) == 17, workflow
    assert actions["token.create"] == 7
    # nothing in MOC MDS is confidential, so no read of it is disclosed
    assert "confidential.read" not in actions


def test_condition_status_transitions(client: TestClient) -> None:
    submit(client)
    registered = conditions(client)
    cio = registered["cio-report-review"]["id"]
    han = registered["han-third-party-assurance"]["id"]
    reporting = registered["connectivity-transition-reporting"]["id"]

    missing = act(client, han, action="waive", rationale="superseded by new assurance")
    assert missing.status_code == 422
    assert missing.json()["details"]["missing"] == ["approver"]
    waived = act(client, han, action="waive", rationale="covered by the 2020 assurance", approver="SSC Chair")
    assert waived.json()["status"] == "waived"
    again = act(client, han, action="satisfy", evidence="report")
    assert again.status_code == 409
    assert again.json()["message"] == "a waived condition cannot be satisfied"

    assert act(client, cio, action="satisfy").status_code == 422
    breached = act(client, cio, action="breach", rationale="go-live date passed without the report")
    assert breached.json()["status"] == "breached"
    assert act(client, cio, action="breach", rationale="again").status_code == 409
    satisfied = act(client, cio, action="satisfy", evidence="report reviewed late")
    assert satisfied.json()["status"] == "satisfied"
    assert [e["action"] for e in satisfied.json()["history"]] == ["breach", "satisfy"]
    assert act(client, cio, action="waive", rationale="x", approver="y").status_code == 409

    assert act(client, cio, action="report", evidence="monthly").status_code == 409
    assert act(client, han, action="report", evidence="monthly").status_code == 409
    report = act(client, reporting, action="report", evidence="MPLS link ordered", on="2020-04-01")
    assert report.status_code == 201
    assert [r["on"] for r in report.json()["reports"]] == ["2020-04-01"]
    assert report.json()["next_report_due"] == "2020-05-01"
    assert report.json()["status"] == "open"


def test_pause_trigger_arms_triggers_and_clears(client: TestClient) -> None:
    submit(client)
    pause = conditions(client)["connectivity-pause"]["id"]
    assert act(client, pause, action="trigger", rationale="risk up").status_code == 409
    assert act(client, pause, action="clear", rationale="no").status_code == 409
    assert act(client, pause, action="arm").json()["pause"] == "armed"
    triggered = act(client, pause, action="trigger", rationale="SSC instructs a pause: IPsec link incidents")
    assert triggered.json()["pause"] == "triggered"
    readiness = client.get("/v1/readiness/MOC-MDS").json()
    assert readiness["gate"]["migration_paused"] is True
    assert "migration paused" in readiness["gate"]["migration"]["blockers"][-1]["reason"]
    cleared = act(client, pause, action="clear", rationale="link stable for two weeks")
    assert cleared.json()["pause"] == "cleared"
    assert client.get("/v1/readiness/MOC-MDS").json()["gate"]["migration_paused"] is False
    reporting = conditions(client)["connectivity-transition-reporting"]["id"]
    assert act(client, reporting, action="arm").status_code == 422


@pytest.mark.parametrize(
    ("criterion", "group", "extra", "message"),
    [
        ("LSC6", "OPSG", {"rating": "green"}, "overriding the proposed amber with green needs a written rationale"),
        ("LSC6", "OPSG", {"rating": "red"}, "a group cannot accept DCC's statement and rate the criterion red"),
        ("LSC6", "SSC", {}, "SSC does not rate LSC6"),
        ("LSC10", "SSC", {}, "SSC does not rate LSC10"),
    ],
)
def test_illegal_assessments_are_refused(
    client: TestClient, criterion: str, group: str, extra: dict[str, Any], message: str
) -> None:
    submission_id = submit(client)
    response = assess(client, submission_id, criterion, group, **extra)
    assert response.status_code == 422
    assert response.json()["message"] == message
    assert client.get(f"/v1/submissions/{submission_id}/assessments").json() == []


def test_override_is_kept_beside_the_proposal_and_shows_in_the_diff(client: TestClient) -> None:
    submission_id = submit(client, SECURE)
    response = assess(
        client,
        submission_id,
        "LSC6",
        "OPSG",
        accepted=False,
        rating="red",
        assessor="OPSG Chair",
    )
    assert response.json()["override"] is False
    override = assess(
        client, submission_id, "LSC7", "OPSG", rating="green", rationale="CPM1 recovery plan agreed with OPSG"
    )
    assert override.status_code == 201
    assert (override.json()["proposed"], override.json()["rating"], override.json()["override"]) == (
        "amber",
        "green",
        True,
    )
    ratings = client.get("/v1/readiness/MOC-SECURE").json()["gate"]["ratings"]
    lsc7 = next(r for r in ratings if r["criterion"] == "LSC7")
    assert (lsc7["proposed"], lsc7["decided"], lsc7["rating"]) == ("amber", "green", "green")
    diff = client.get(f"/v1/submissions/{submission_id}/diff").json()
    assert [(o["criterion"], o["causes"]) for o in diff["overrides"]] == [("LSC7", ["override"])]
    assert "CPM1 recovery plan agreed with OPSG" in diff["overrides"][0]["explanation"]


def test_decisions_are_immutable_and_corrected_by_superseding(client: TestClient) -> None:
    submission_id = submit(client)
    url = f"/v1/submissions/{submission_id}/decisions"
    assert client.post(url, json={"outcome": "recommend", "considered_on": "2020-03-06"}).status_code == 422
    first = client.post(url, json={"outcome": "recommend_with_conditions", "considered_on": "2020-03-06"}).json()
    twice = client.post(url, json={"outcome": "do_not_recommend", "considered_on": "2020-03-07"})
    assert twice.status_code == 409
    assert twice.json()["details"]["current_decision"] == first["id"]
    wrong = client.post(url, json={"outcome": "do_not_recommend", "considered_on": "2020-03-07", "supersedes": "x"})
    assert wrong.status_code == 409
    correction = client.post(
        url, json={"outcome": "do_not_recommend", "considered_on": "2020-03-07", "supersedes": first["id"]}
    )
    assert correction.status_code == 201
    assert client.get(f"/v1/decisions/{first['id']}").json()["superseded_by"] == correction.json()["id"]
    assert [d["outcome"] for d in client.get(url).json()] == ["recommend_with_conditions", "do_not_recommend"]
    allowed, blockers = go_live(client)
    assert not allowed
    assert blockers[0] == correction.json()["id"]
    markdown = client.get(f"/v1/decisions/{correction.json()['id']}/letter", params={"format": "markdown"}).text
    assert "II. the Panel does not agree that the active and dormant MOC MDS DMCs may be added" in markdown


def test_a_decisions_pack_is_read_before_the_audit_chain_is_locked(
    client: ActingClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reading a large stored pack takes seconds; read under the head, it held up every other write. While this
    # decision's pack is read, DCC submits another version: a write that would wait for the head until the
    # database's timeout (and then fail) if it were held.
    submission_id = submit(client)
    app = client.app.state  # type: ignore[attr-defined]
    submitted: list[str] = []

    def reading_pack(stored: str) -> EvidencePack:
        if not submitted:
            submitted.append(app.service.submit(MDS, submitter="dcc:DCC", as_at=None).submission.id)
        return read_stored_pack(stored)

    monkeypatch.setattr(committee_service, "read_stored_pack", reading_pack)
    decided = app.committee.decide(
        submission_id, DecisionIn(outcome="recommend_with_conditions", considered_on=date(2020, 3, 6)), actor="p:Chair"
    )
    assert len(submitted) == 1
    assert client.get(f"/v1/submissions/{submitted[0]}").json()["version"] == 2
    assert client.get(f"/v1/decisions/{decided.id}").json()["outcome"] == "recommend_with_conditions"
    assert decided.snapshot.capability == "MOC-MDS"
    engine = make_engine(settings)
    with session_scope(engine) as session:
        assert verify(session).intact
    engine.dispose()


def test_a_decision_is_built_before_the_head_is_locked_and_again_if_anything_was_written(
    client: ActingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large capability's evaluations take seconds to read. While this decision reads the evaluation it decides
    # on, SSC waives a condition (a write that would wait for the head if it were held): the decision is built
    # again under the head, and attaches the open conditions as they are then.
    submission_id = submit(client)
    han = conditions(client)["han-third-party-assurance"]["id"]
    app = client.app.state  # type: ignore[attr-defined]
    read = Submissions.latest_evaluation
    waived: list[str] = []

    def reading(submissions: Submissions, ident: str) -> StoredEvaluation:
        if not waived:
            event = ConditionEventIn(action=Action.WAIVE, rationale="covered by the 2020 assurance", approver="Chair")
            waived.append(app.committee.act(han, event, actor="ssc:SSC").status.value)
        return read(submissions, ident)

    monkeypatch.setattr(Submissions, "latest_evaluation", reading)
    built = Counter[str]()
    monkeypatch.setattr(committee_service, "build_snapshot", counting(build_snapshot, built))
    decided = app.committee.decide(
        submission_id, DecisionIn(outcome="recommend_with_conditions", considered_on=date(2020, 3, 6)), actor="p:Chair"
    )
    assert waived == ["waived"]
    assert built["calls"] == 2, "built once before the head, and again under it: a condition was waived meanwhile"
    attached = [c.key for c in decided.snapshot.conditions]
    assert "han-third-party-assurance" not in attached
    assert sorted(attached) == sorted(c["key"] for c in conditions(client).values() if c["status"] == "open")
    # Nothing written meanwhile: a correction is built once, before the head is locked.
    built.clear()
    corrected = DecisionIn(
        outcome="do_not_recommend", considered_on=date(2020, 3, 7), supersedes=decided.id, condition_ids=[]
    )
    assert app.committee.decide(submission_id, corrected, actor="p:Chair").supersedes == decided.id
    assert built["calls"] == 1


def test_a_decision_refused_before_the_head_is_checked_again_under_it(
    client: ActingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On PostgreSQL each read sees its own moment: reading the conditions, then their events, as two writes land
    # between them, can find none open though some always were. Such a read is stood in for here by the first read
    # finding no condition: the refusal it leads to is not given until the records are read under the head.
    submission_id = submit(client)
    app = client.app.state  # type: ignore[attr-defined]
    read = Conditions.of_capability
    reads: list[int] = []

    def reading(conditions: Conditions, capability: str, *, today: date) -> list[ConditionState]:
        found = read(conditions, capability, today=today)
        reads.append(len(found))
        return [] if len(reads) == 1 else found

    monkeypatch.setattr(Conditions, "of_capability", reading)
    decided = app.committee.decide(
        submission_id, DecisionIn(outcome="recommend_with_conditions", considered_on=date(2020, 3, 6)), actor="p:Chair"
    )
    assert len(reads) == 2
    assert len(decided.snapshot.conditions) == reads[1] > 0


def test_an_assessment_is_checked_against_the_evaluation_newest_under_the_head(
    client: ActingClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The evaluation proposing the ratings is read before the head is locked. While it is read, the Panel
    # re-evaluates the pack at a later date: the assessment is then checked against, and recorded on, that one.
    submission_id = submit(client)
    app = client.app.state  # type: ignore[attr-defined]
    read = Submissions.latest_evaluation
    newer: list[StoredEvaluation] = []
    reads: list[str] = []

    def reading(submissions: Submissions, ident: str) -> StoredEvaluation:
        reads.append(ident)
        if len(reads) == 1:  # the assessment's first read (the re-evaluation reads it too)
            newer.append(app.service.re_evaluate(submission_id, as_at=date(2020, 9, 1), actor="panel:Chair")[0].record)
        return read(submissions, ident)

    monkeypatch.setattr(Submissions, "latest_evaluation", reading)
    assessment = AssessmentIn(
        criterion="LSC6", group=Group.OPSG, accepted=True, rating="amber", assessor="Chair", rationale="As discussed."
    )
    recorded = app.committee.assess(submission_id, assessment, actor="opsg:OPSG")
    proposed = {(c.criterion, c.group): c.rating for c in newer[0].evaluation.ratings}[("LSC6", Group.OPSG)]
    assert recorded.proposed == proposed
    engine = make_engine(settings)
    with session_scope(engine) as session:
        on = session.exec(select(AssessmentRecord.evaluation_id).where(AssessmentRecord.id == recorded.id)).one()
        assert verify(session).intact
    engine.dispose()
    assert on == newer[0].id != client.get(f"/v1/submissions/{submission_id}/evaluations").json()[0]["id"]


def test_where_a_capability_stands_is_read_without_its_pack(client: ActingClient) -> None:
    # The dashboard asks this of every capability; each read its newest pack twice (megabytes, for a large one).
    submit(client)
    committee = client.app.state.committee  # type: ignore[attr-defined]
    with statements_sent(committee.database) as statements:
        standing = committee.readiness("MOC-MDS")
    assert (standing.version, standing.gate.overall.value) == (1, "ready_with_conditions")
    assert any("FROM submission" in statement for statement in statements)
    assert not any(re.search(r"submission\.pack\b", statement) for statement in statements)


def test_conditions_added_by_hand_and_carried_to_the_next_version(client: TestClient) -> None:
    submit(client)
    added = client.post(
        "/v1/conditions",
        json={
            "capability": "MOC-MDS",
            "kind": "ongoing_reporting",
            "owner": "OPSG",
            "criteria": ["LSC6"],
            "text": "DCC reports SMETS2 incident trends to OPSG monthly.",
            "due": "monthly until three stable months",
            "report_every_days": 31,
        },
    )
    assert added.status_code == 201
    assert added.json()["key"] == "manual-5"
    assert added.json()["source"] == "manual"
    duplicate = client.post(
        "/v1/conditions",
        json={
            "capability": "MOC-MDS",
            "kind": "pause_trigger",
            "owner": "SSC",
            "criteria": ["LSC10.6"],
            "text": "x",
            "due": "y",
            "key": "manual-5",
        },
    )
    assert duplicate.status_code == 409
    unknown = client.post(
        "/v1/conditions",
        json={
            "capability": "MOC-MDS",
            "kind": "pause_trigger",
            "owner": "SSC",
            "criteria": ["LSC42"],
            "text": "x",
            "due": "y",
        },
    )
    assert unknown.status_code == 422
    second = submit(client)
    assert client.get(f"/v1/submissions/{second}").json()["version"] == 2
    after = conditions(client)
    assert len(after) == 5
    decision = client.post(
        f"/v1/submissions/{second}/decisions",
        json={"outcome": "recommend_with_conditions", "considered_on": "2020-03-20"},
    ).json()
    carried = {c["key"]: c["carried_over"] for c in decision["snapshot"]["conditions"]}
    assert carried["manual-5"] is True
    assert carried["han-third-party-assurance"] is True


def test_a_missed_report_is_flagged(settings: Settings) -> None:
    from datetime import UTC, date, datetime

    from lsc_engine import load_ruleset
    from lsc_engine.committee.conditions import Action
    from lsc_engine.committee.inputs import ConditionEventIn
    from lsc_engine.services.committee import Committee
    from lsc_engine.services.submissions import Service

    from .conftest import RULES

    now = [datetime(2020, 3, 6, 12, tzinfo=UTC)]
    engine = make_engine(settings)
    ruleset = load_ruleset(RULES)
    Service(engine, ruleset, clock=lambda: now[0]).submit(MDS, submitter="DCC")
    committee = Committee(engine, ruleset, clock=lambda: now[0])
    reporting = next(c for c in committee.conditions("MOC-MDS") if c.key == "connectivity-transition-reporting")
    assert (reporting.next_report_due, reporting.report_overdue) == (date(2020, 4, 5), False)
    now[0] = datetime(2020, 4, 20, tzinfo=UTC)
    assert committee.condition(reporting.id).report_overdue is True
    report = ConditionEventIn(action=Action.REPORT, evidence="status report 2")
    reported = committee.act(reporting.id, report, actor="SSC")
    assert (reported.next_report_due, reported.report_overdue) == (date(2020, 5, 20), False)
    engine.dispose()


def test_gate_and_letter_from_the_command_line(tmp_path: Path) -> None:
    from datetime import date

    from lsc_engine import load_ruleset
    from lsc_engine.committee.conditions import Action
    from lsc_engine.committee.inputs import ConditionEventIn, DecisionIn
    from lsc_engine.services.committee import Committee

    from .conftest import RULES

    lsc = partial(run_lsc, data_dir=tmp_path / "data")

    assert lsc("submit", str(FIXTURES / "seed-moc-mds-2020-03.json")).returncode == 0
    blocked = lsc("gate", "MOC-MDS")
    assert blocked.returncode == 4
    assert "go-live: blocked" in blocked.stdout
    assert "- condition cio-report-review:" in blocked.stdout

    settings = Settings(data_dir=tmp_path / "data")
    engine = make_engine(settings)
    committee = Committee(engine, load_ruleset(RULES))
    submission_id = committee.readiness("MOC-MDS").submission_id
    decided = DecisionIn(outcome="recommend_with_conditions", considered_on=date(2020, 3, 6))
    decision = committee.decide(submission_id, decided, actor="Panel")
    cio = next(c for c in committee.conditions("MOC-MDS") if c.key == "cio-report-review")
    committee.act(cio.id, ConditionEventIn(action=Action.SATISFY, evidence="CIO report reviewed"), actor="SSC")
    engine.dispose()

    open_gate = lsc("gate", "MOC-MDS")
    assert open_gate.returncode == 3
    assert "go-live: open" in open_gate.stdout
    assert "migration: blocked" in open_gate.stdout
    letter = tmp_path / "letter.pdf"
    written = lsc("letter", decision.id, "--format", "pdf", "-o", str(letter))
    assert written.returncode == 0, written.stderr
    assert letter.read_bytes().startswith(b"%PDF")
    markdown = lsc("letter", decision.id, "--format", "markdown")
    assert "## Annex 1" in markdown.stdout


def test_the_markdown_letter_writes_every_text_as_plain_text() -> None:
    """Notes, condition texts and pack fields cannot become headings, HTML, links or emphasis in the letter."""
    hostile = "## Resolved\n<script>alert(1)</script> [click](javascript:alert(1)) *all* done\n- 1. listed"
    written = markdown_text(hostile)
    assert written.splitlines() == [
        "\\## Resolved",
        "\\<script\\>alert(1)\\</script\\> \\[click\\](javascript:alert(1)) \\*all\\* done",
        "\\- 1. listed",
    ]
    assert markdown_text("go-live on 6 March 2020, 98.5 % (CPM1)") == "go-live on 6 March 2020, 98.5 % (CPM1)"


def test_a_first_decision_on_a_later_version_lists_the_rules_conditions_as_its_own(client: TestClient) -> None:
    submit(client)
    second = submit(client)
    decision = client.post(
        f"/v1/submissions/{second}/decisions",
        json={"outcome": "recommend_with_conditions", "considered_on": "2020-03-20"},
    ).json()
    letter = client.get(f"/v1/decisions/{decision['id']}/letter", params={"format": "markdown"}).text
    own = letter.index("The conditions, one of them carried over from an earlier decision and still unmet:\n\n")
    cio = letter.index("**1.** DCC makes the CIO report on the cohort available to SSC")
    assert cio > own  # raised on version 1, yet the Panel's own on its first decision
    assert (
        "and does not revoke its recommendation. *Prerequisite to go-live, owned by SSC, due before go-live.*" in letter
    )
    assert "\n\n**3.** DCC reports regularly to SSC" in letter  # numbered as decided, each its own paragraph


def counting(function: Callable[..., T], calls: Counter[str]) -> Callable[..., T]:
    """Wrap a function to count its calls in ``calls["calls"]``."""

    def counted(*args: Any, **kwargs: Any) -> T:
        calls["calls"] += 1
        return function(*args, **kwargs)

    return counted
