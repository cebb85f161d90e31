"""Who may do what, over HTTP: every route for every role, group limits, and confidential evidence redacted."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from lsc_engine.access.policy import Principal, Role
from lsc_engine.store.db import make_engine, session_scope
from lsc_engine.store.models import AuditEntry

from .auth import ActingClient, bearer, token_id
from .conftest import FIXTURES
from .helpers import disclosures
from .routes import served

pytestmark = pytest.mark.api

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
#: The world the requests act on: a pack whose SSC evidence is confidential (its assurance, carried over from an
#: earlier decision, and an open issue), with text found nowhere else to show whether it escapes.
CONFIDENTIAL = (FIXTURES / "synthetic-confidential-item.json").read_bytes()
CAPABILITY = "FOC-TRANCHE-3"
CONSIDERED_ON = "2021-06-15"
HAN = "SEC-T3-HAN-ASSURANCE"
ISSUE = "SEC-T3-ISSUE-1"
EARLIER = "FOC-T2-2021-02-C1"
#: The confidential texts: the assurance's scope, the issue, and the decision the carried-over condition comes from.
MARKERS = ("the Tranche 3 head-end to HAN-connected devices", "authentication bypass", "decision on FOC Tranche 2")
WITHHELD = "[confidential: shown to SSC and the Panel]"
ENTITLED = {Role.SSC, Role.PANEL}
READERS = {Role.DCC, Role.TAG, Role.OPSG, Role.SSC, Role.PANEL, Role.OBSERVER}
SELF_CHECKERS = READERS - {Role.OBSERVER}  # a read-only account never reaches the pack parser
EVERYONE = set(Role)
COMMITTEES = {Role.TAG, Role.OPSG, Role.SSC}
PUBLIC = {("GET", "/healthz"), ("GET", "/login"), ("POST", "/login")}


@dataclass(frozen=True)
class World:
    """What the matrix requests refer to."""

    submission: str
    decision: str
    condition: str
    condition_owner: Role
    letter: str


@dataclass(frozen=True)
class Call:
    """One route, how to call it, and the roles that may."""

    method: str
    path: str
    allowed: Callable[[World], set[Role]]
    url: Callable[[World], str]
    body: Callable[[World], dict[str, Any] | None] = lambda _w: None
    raw: bytes | None = None
    form: dict[str, str] | None = None
    files: bool = False


def _roles(roles: set[Role]) -> Callable[[World], set[Role]]:
    return lambda _w: roles


def _condition_owner_and_panel(world: World) -> set[Role]:
    return {world.condition_owner, Role.PANEL}


ASSESSMENT = {"criterion": "LSC9", "group": "OPSG", "accepted": True, "rating": "green", "assessor": "A. Member"}
CONDITION = {"capability": CAPABILITY, "kind": "ongoing_reporting", "owner": "TAG", "criteria": ["LSC1"], "text": "t"}

#: Every route of the application, the roles allowed to call it, and a request that reaches it.
CALLS = [
    Call("GET", "/readyz", _roles(EVERYONE), lambda w: "/readyz"),
    Call("GET", "/v1/rules", _roles(READERS), lambda w: "/v1/rules"),
    Call("GET", "/v1/rules/{rule_id}", _roles(READERS), lambda w: "/v1/rules/LSC6-OPSG-stable"),
    Call("GET", "/v1/criteria", _roles(READERS), lambda w: "/v1/criteria"),
    Call("POST", "/v1/submissions", _roles({Role.DCC}), lambda w: "/v1/submissions", raw=MDS),
    Call("POST", "/v1/self-check", _roles(SELF_CHECKERS), lambda w: "/v1/self-check", raw=MDS),
    Call("GET", "/v1/submissions", _roles(READERS), lambda w: "/v1/submissions"),
    Call("GET", "/v1/submissions/{submission_id}", _roles(READERS), lambda w: f"/v1/submissions/{w.submission}"),
    Call(
        "GET",
        "/v1/submissions/{submission_id}/evaluations",
        _roles(READERS),
        lambda w: f"/v1/submissions/{w.submission}/evaluations",
    ),
    Call(
        "POST",
        "/v1/submissions/{submission_id}/re-evaluate",
        _roles({*COMMITTEES, Role.PANEL}),
        lambda w: f"/v1/submissions/{w.submission}/re-evaluate",
    ),
    Call(
        "GET", "/v1/submissions/{submission_id}/diff", _roles(READERS), lambda w: f"/v1/submissions/{w.submission}/diff"
    ),
    Call(
        "POST",
        "/v1/submissions/{submission_id}/assessments",
        _roles({Role.OPSG}),
        lambda w: f"/v1/submissions/{w.submission}/assessments",
        body=lambda w: ASSESSMENT,
    ),
    Call(
        "GET",
        "/v1/submissions/{submission_id}/assessments",
        _roles(READERS),
        lambda w: f"/v1/submissions/{w.submission}/assessments",
    ),
    Call(
        "POST",
        "/v1/submissions/{submission_id}/revocations",
        _roles({Role.TAG}),
        lambda w: f"/v1/submissions/{w.submission}/revocations",
        body=lambda w: {"group": "TAG", "reason": "matrix"},
    ),
    Call("GET", "/v1/conditions", _roles(READERS), lambda w: f"/v1/conditions?capability={CAPABILITY}"),
    Call(
        "POST",
        "/v1/conditions",
        _roles({Role.TAG, Role.PANEL}),
        lambda w: "/v1/conditions",
        body=lambda w: {**CONDITION, "due": "monthly"},
    ),
    Call("GET", "/v1/conditions/{condition_id}", _roles(READERS), lambda w: f"/v1/conditions/{w.condition}"),
    Call(
        "POST",
        "/v1/conditions/{condition_id}/events",
        _condition_owner_and_panel,
        lambda w: f"/v1/conditions/{w.condition}/events",
        body=lambda w: {"action": "report", "evidence": "matrix report"},
    ),
    Call(
        "POST",
        "/v1/submissions/{submission_id}/decisions",
        _roles({Role.PANEL}),
        lambda w: f"/v1/submissions/{w.submission}/decisions",
        body=lambda w: {"outcome": "recommend_with_conditions", "considered_on": CONSIDERED_ON},
    ),
    Call(
        "GET",
        "/v1/submissions/{submission_id}/decisions",
        _roles(READERS),
        lambda w: f"/v1/submissions/{w.submission}/decisions",
    ),
    Call("GET", "/v1/decisions/{decision_id}", _roles(READERS), lambda w: f"/v1/decisions/{w.decision}"),
    Call("GET", "/v1/decisions/{decision_id}/letter", _roles(READERS), lambda w: f"/v1/decisions/{w.decision}/letter"),
    Call("GET", "/v1/readiness/{capability}", _roles(READERS), lambda w: f"/v1/readiness/{CAPABILITY}"),
    Call("GET", "/v1/register", _roles(READERS), lambda w: "/v1/register?format=csv"),
    Call(
        "POST",
        "/v1/decisions/{decision_id}/letters",
        _roles({Role.PANEL}),
        lambda w: f"/v1/decisions/{w.decision}/letters",
        body=lambda w: {},
    ),
    Call(
        "GET", "/v1/decisions/{decision_id}/letters", _roles(READERS), lambda w: f"/v1/decisions/{w.decision}/letters"
    ),
    Call("GET", "/v1/letters/{letter_id}", _roles(READERS), lambda w: f"/v1/letters/{w.letter}"),
    Call(
        "PATCH",
        "/v1/letters/{letter_id}",
        _roles({Role.PANEL}),
        lambda w: f"/v1/letters/{w.letter}",
        body=lambda w: {"revision": 1, "paragraphs": [{"key": "remarks", "text": "matrix"}]},
    ),
    Call(
        "POST",
        "/v1/letters/{letter_id}/issue",
        _roles({Role.PANEL}),
        lambda w: f"/v1/letters/{w.letter}/issue",
        body=lambda w: {"revision": 99},
    ),
    Call("GET", "/v1/letters/{letter_id}/document", _roles(READERS), lambda w: f"/v1/letters/{w.letter}/document"),
    # The appendix of the world's letter holds SSC's confidential evidence only: SSC and the Panel may read it.
    Call(
        "GET",
        "/v1/letters/{letter_id}/appendix",
        _roles({Role.SSC, Role.PANEL}),
        lambda w: f"/v1/letters/{w.letter}/appendix",
    ),
    Call(
        "POST", "/v1/letter-verifications", _roles(READERS), lambda w: "/v1/letter-verifications", raw=b"not a letter"
    ),
    Call(
        "POST",
        "/v1/tokens",
        _roles({Role.ADMIN}),
        lambda w: "/v1/tokens",
        body=lambda w: {"role": "observer", "name": "m"},
    ),
    Call("GET", "/v1/tokens", _roles({Role.ADMIN}), lambda w: "/v1/tokens"),
    Call(
        "POST",
        "/v1/tokens/{token_id}/revocation",
        _roles({Role.ADMIN}),
        lambda w: "/v1/tokens/nosuchtoken/revocation",
        body=lambda w: {"reason": "matrix"},
    ),
    # The pages, called with a bearer token (a browser's session cookie is checked in test_sessions.py).
    Call("GET", "/", _roles(READERS), lambda w: "/"),
    Call("GET", "/submissions/{submission_id}", _roles(READERS), lambda w: f"/submissions/{w.submission}"),
    Call(
        "GET", "/submissions/{submission_id}/history", _roles(READERS), lambda w: f"/submissions/{w.submission}/history"
    ),
    Call(
        "POST",
        "/submissions/{submission_id}/re-evaluate",
        _roles({*COMMITTEES, Role.PANEL}),
        lambda w: f"/submissions/{w.submission}/re-evaluate",
        form={"as_at": ""},
    ),
    Call("GET", "/self-check", _roles(SELF_CHECKERS), lambda w: "/self-check"),
    Call("POST", "/self-check", _roles(SELF_CHECKERS), lambda w: "/self-check", files=True),
    Call(
        "GET",
        "/capabilities/{capability}/conditions",
        _roles(READERS),
        lambda w: f"/capabilities/{CAPABILITY}/conditions",
    ),
    Call(
        "GET",
        "/capabilities/{capability}/timeline",
        _roles(READERS),
        lambda w: f"/capabilities/{CAPABILITY}/timeline",
    ),
    Call("GET", "/meetings/pack", _roles(READERS), lambda w: f"/meetings/pack?capability={CAPABILITY}"),
    Call(
        "POST",
        "/conditions/{condition_id}/events",
        _condition_owner_and_panel,
        lambda w: f"/conditions/{w.condition}/events",
        form={"action": "report", "evidence": "matrix report"},
    ),
    Call(
        "POST",
        "/capabilities/{capability}/conditions",
        _roles({Role.TAG, Role.PANEL}),
        lambda w: f"/capabilities/{CAPABILITY}/conditions",
        form={"kind": "ongoing_reporting", "owner": "TAG", "criteria": "LSC1", "text": "t", "due": "monthly"},
    ),
    Call(
        "GET",
        "/submissions/{submission_id}/assess/{group}",
        _roles({Role.OPSG, Role.PANEL}),  # the Panel reads it without the forms
        lambda w: f"/submissions/{w.submission}/assess/OPSG",
    ),
    Call(
        "POST",
        "/submissions/{submission_id}/assess/{group}/all",
        _roles({Role.OPSG}),
        lambda w: f"/submissions/{w.submission}/assess/OPSG/all",
        form={"assessor": "A. Member", "rating-LSC9": "amber", "accepted-LSC9": "yes"},
    ),
    Call(
        "POST",
        "/submissions/{submission_id}/assess/{group}",
        _roles({Role.OPSG}),
        lambda w: f"/submissions/{w.submission}/assess/OPSG",
        form={"criterion": "LSC9", "accepted": "yes", "rating": "green", "assessor": "A. Member"},
    ),
    Call(
        "POST",
        "/submissions/{submission_id}/revoke/{group}",
        _roles({Role.SSC}),
        lambda w: f"/submissions/{w.submission}/revoke/SSC",
        form={"reason": "matrix"},
    ),
    Call(
        "GET",
        "/submissions/{submission_id}/decision",
        _roles(READERS),
        lambda w: f"/submissions/{w.submission}/decision",
    ),
    Call(
        "POST",
        "/submissions/{submission_id}/decision",
        _roles({Role.PANEL}),
        lambda w: f"/submissions/{w.submission}/decision",
        form={"outcome": "recommend_with_conditions", "considered_on": CONSIDERED_ON},
    ),
    Call("GET", "/decisions/{decision_id}/letters", _roles(READERS), lambda w: f"/decisions/{w.decision}/letters"),
    Call(
        "POST",
        "/decisions/{decision_id}/letters",
        _roles({Role.PANEL}),
        lambda w: f"/decisions/{w.decision}/letters",
        form={"letter_date": ""},
    ),
    Call("GET", "/letters/{letter_id}", _roles(READERS), lambda w: f"/letters/{w.letter}"),
    Call(
        "POST",
        "/letters/{letter_id}",
        _roles({Role.PANEL}),
        lambda w: f"/letters/{w.letter}",
        form={"revision": "99", "letter_date": "2021-06-16"},
    ),
    Call(
        "POST",
        "/letters/{letter_id}/issue",
        _roles({Role.PANEL}),
        lambda w: f"/letters/{w.letter}/issue",
        form={"revision": "99"},
    ),
    Call("GET", "/register", _roles(READERS), lambda w: "/register"),
    Call("GET", "/register.csv", _roles(READERS), lambda w: "/register.csv"),
    Call("GET", "/register.xlsx", _roles(READERS), lambda w: "/register.xlsx?open=true"),
    Call("POST", "/logout", _roles(EVERYONE), lambda w: "/logout", form={}),
]


def _world(client: ActingClient) -> World:
    """Submit the confidential pack, record a decision, and pick a condition owned by a sub-committee."""
    submission = client.post("/v1/submissions", content=CONFIDENTIAL).json()["submission"]["id"]
    decision = client.post(
        f"/v1/submissions/{submission}/decisions",
        json={"outcome": "recommend_with_conditions", "considered_on": CONSIDERED_ON},
    ).json()["id"]
    condition = client.get("/v1/conditions", params={"capability": CAPABILITY}).json()[0]
    letter = client.post(f"/v1/decisions/{decision}/letters", json={}).json()["id"]
    return World(submission, decision, condition["id"], Role(condition["owner"].lower()), letter)


def _answer(client: TestClient, call: Call, world: World, headers: dict[str, str]) -> Any:
    """Make a call and return the answer as it came (a redirect is not followed)."""
    url = call.url(world)
    sent: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if call.raw is not None:
        return client.request(call.method, url, content=call.raw, **sent)
    if call.files:
        return client.post(url, files={"pack": ("p.json", MDS)}, **sent)
    if call.form is not None:
        return client.request(call.method, url, data=call.form, **sent)
    return client.request(call.method, url, json=call.body(world), **sent)


def test_the_matrix_covers_every_route(client: ActingClient) -> None:
    routes = served(client.app)
    listed = {(call.method, call.path) for call in CALLS}
    assert {(route.method, route.path) for route in routes} - PUBLIC == listed
    assert {("GET", "/"), ("GET", "/self-check")} <= {(r.method, r.path) for r in routes if r.page}


def test_every_role_on_every_route(client: ActingClient) -> None:
    world = _world(client)
    wrong: list[str] = []
    allowed_count = refused_count = 0
    shown: dict[Role, set[str]] = {role: set() for role in Role}
    for call in CALLS:
        allowed = call.allowed(world)
        for role in Role:
            answer = _answer(client, call, world, bearer(client.tokens[role]))
            status = answer.status_code
            if role in allowed and status in (401, 403):
                wrong.append(f"{role.value} {call.method} {call.path}: {status}, should be allowed")
            elif role not in allowed and status != 403:
                wrong.append(f"{role.value} {call.method} {call.path}: {status}, should be 403")
            allowed_count += role in allowed
            refused_count += role not in allowed
            seen = {marker for marker in MARKERS if marker.encode() in answer.content}
            if seen and role not in ENTITLED:
                wrong.append(f"{role.value} {call.method} {call.path}: shown {sorted(seen)}")
            shown[role] |= seen
    print(f"\n{len(CALLS)} routes x {len(Role)} roles: {allowed_count} allowed, {refused_count} refused with 403")
    assert wrong == []
    assert all(shown[role] == set(MARKERS) for role in ENTITLED), "SSC and the Panel read every confidential text"


def test_every_route_refuses_a_request_without_a_token(client: ActingClient) -> None:
    world = _world(client)
    pages = {(route.method, route.path) for route in served(client.app) if route.page}
    for call in CALLS:
        answer = _answer(client, call, world, {"Authorization": ""})
        if (call.method, call.path) not in pages:
            assert answer.status_code == 401, f"{call.method} {call.path}: {answer.status_code}"
            assert answer.json()["code"] == "unauthenticated"
            continue
        # a page sends the person to sign in, to come back to it (a form's post-only address to the dashboard)
        assert answer.status_code == 303, f"{call.method} {call.path}: {answer.status_code}"
        back = call.url(world) if call.method == "GET" else "/"
        assert answer.headers["location"] == f"/login?{urlencode({'next': back})}"
    answer = TestClient(client.app).get("/v1/submissions")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.json()["code"] == "unauthenticated"
    assert TestClient(client.app).get("/healthz").status_code == 200


def test_unknown_and_revoked_tokens_are_refused(client: ActingClient) -> None:
    assert client.get("/v1/submissions", headers=bearer("lsc_not-a-token")).status_code == 401
    assert client.get("/v1/submissions", headers={"Authorization": "Basic eDp5"}).status_code == 401
    made = client.post("/v1/tokens", json={"role": "observer", "name": "Visiting auditor"})
    assert made.status_code == 201
    secret, token_id = made.json()["secret"], made.json()["id"]
    assert client.get("/v1/submissions", headers=bearer(secret)).status_code == 200
    assert client.post(f"/v1/tokens/{token_id}/revocation", json={"reason": "visit over"}).status_code == 204
    answer = client.get("/v1/submissions", headers=bearer(secret))  # revocation in this replica is immediate
    assert answer.status_code == 401
    assert "revoked" in answer.json()["message"]
    listed = {t["id"]: t for t in client.get("/v1/tokens").json()}
    assert listed[token_id]["revoked_at"] is not None
    assert "secret" not in listed[token_id]


def test_dcc_cannot_write_an_assessment_or_a_decision(client: ActingClient) -> None:
    world = _world(client)
    dcc = bearer(client.tokens[Role.DCC])
    assessed = client.post(f"/v1/submissions/{world.submission}/assessments", json=ASSESSMENT, headers=dcc)
    assert assessed.status_code == 403
    assert assessed.json() == {
        "code": "forbidden",
        "message": "DCC may not assess",
        "details": {"role": "dcc", "permission": "assess"},
    }
    decided = client.post(
        f"/v1/submissions/{world.submission}/decisions",
        json={"outcome": "recommend", "considered_on": CONSIDERED_ON},
        headers=dcc,
    )
    assert decided.status_code == 403
    assert client.get(f"/v1/submissions/{world.submission}/assessments").json() == []


def test_a_group_cannot_rate_another_groups_criterion(client: ActingClient) -> None:
    world = _world(client)
    tag = bearer(client.tokens[Role.TAG])
    answer = client.post(f"/v1/submissions/{world.submission}/assessments", json=ASSESSMENT, headers=tag)
    assert answer.status_code == 403
    assert answer.json()["message"] == "TAG may not act for OPSG"
    # OPSG rating TAG's criterion, speaking as TAG, is refused by the same rule
    as_tag = {**ASSESSMENT, "criterion": "LSC1", "group": "TAG", "rating": "green"}
    opsg = bearer(client.tokens[Role.OPSG])
    assert client.post(f"/v1/submissions/{world.submission}/assessments", json=as_tag, headers=opsg).status_code == 403
    # and a group speaking for itself on a criterion it does not own is refused by the workflow
    foreign = {**ASSESSMENT, "criterion": "LSC1", "rating": "green"}
    refused = client.post(f"/v1/submissions/{world.submission}/assessments", json=foreign, headers=opsg)
    assert refused.status_code == 422


def test_writes_record_who_made_them(client: ActingClient) -> None:
    world = _world(client)
    opsg = bearer(client.tokens[Role.OPSG])
    made = client.post(f"/v1/submissions/{world.submission}/assessments", json=ASSESSMENT, headers=opsg)
    assert made.status_code == 201
    engine = make_engine(client.app.state.settings)  # type: ignore[attr-defined]
    try:
        with session_scope(engine) as session:
            entries = {e.action: e for e in session.exec(select(AuditEntry))}
    finally:
        engine.dispose()
    settings = client.app.state.settings  # type: ignore[attr-defined]
    ids = {role: token_id(settings, client.tokens[role]) for role in (Role.OPSG, Role.DCC, Role.PANEL)}
    assert entries["assessment.create"].actor == f"opsg:test opsg [token {ids[Role.OPSG]}]"
    assert entries["assessment.create"].submission_id == world.submission
    assert entries["submission.create"].actor == f"dcc:test dcc [token {ids[Role.DCC]}]"
    assert entries["decision.create"].actor == f"panel:test panel [token {ids[Role.PANEL]}]"


# -- confidential evidence -------------------------------------------------------------------------------


def _item(client: ActingClient, submission: str, role: Role, section: str) -> Any:
    pack = client.get(f"/v1/submissions/{submission}", headers=bearer(client.tokens[role])).json()["pack"]
    security = pack["security"]
    return security["independent_assurance"] if section == "assurance" else security["recent_issues"][0]


def _ssc_finding(client: ActingClient, submission: str, role: Role, criterion: str) -> dict[str, Any]:
    evaluations = client.get(f"/v1/submissions/{submission}/evaluations", headers=bearer(client.tokens[role])).json()
    cell = next(c for c in evaluations[-1]["result"]["ratings"] if (c["criterion"], c["group"]) == (criterion, "SSC"))
    finding: dict[str, Any] = cell["findings"][0]
    return finding


def test_opsg_sees_a_confidential_ssc_item_redacted(client: ActingClient) -> None:
    world = _world(client)
    for role in (Role.OPSG, Role.TAG, Role.DCC, Role.OBSERVER):
        for section, ident in (("assurance", HAN), ("issue", ISSUE)):
            stub = _item(client, world.submission, role, section)
            assert stub == {"id": ident, "confidential": True, "withheld": WITHHELD}, role
        for criterion, rating in (("LSC10.4", "amber"), ("LSC10.6", "red")):
            finding = _ssc_finding(client, world.submission, role, criterion)
            assert finding["confidential"] is True
            assert finding["message"] == WITHHELD
            assert finding["evidence"] == []
            assert finding["rating"] == rating  # the rating itself is not withheld
    for role in ENTITLED:
        assert _item(client, world.submission, role, "assurance")["scope"].endswith(MARKERS[0])
        assert MARKERS[1] in _item(client, world.submission, role, "issue")["description"]
        finding = _ssc_finding(client, world.submission, role, "LSC10.4")
        assert HAN in finding["evidence"]
        assert "confidential" not in finding["message"]


def test_letters_and_decisions_withhold_confidential_reasons(client: ActingClient) -> None:
    world = _world(client)
    observer = bearer(client.tokens[Role.OBSERVER])
    ssc = bearer(client.tokens[Role.SSC])
    hidden = client.get(f"/v1/decisions/{world.decision}", headers=observer).json()["snapshot"]["annex"]["SSC"]
    shown = client.get(f"/v1/decisions/{world.decision}", headers=ssc).json()["snapshot"]["annex"]["SSC"]
    hidden_lsc104 = next(e for e in hidden if e["criterion"] == "LSC10.4")
    shown_lsc104 = next(e for e in shown if e["criterion"] == "LSC10.4")
    assert hidden_lsc104["reason"] == WITHHELD
    assert "assurance" in shown_lsc104["reason"].lower()
    for reader in (observer, ssc):  # the letter holds nothing confidential, whoever reads it
        letter = client.get(f"/v1/decisions/{world.decision}/letter", params={"format": "markdown"}, headers=reader)
        assert "confidential: shown to" not in letter.text
        assert "rests on confidential evidence and is set out in the confidential appendix" in letter.text
        assert "HAN-connected devices" not in letter.text
        assert [marker for marker in MARKERS if marker in letter.text] == []


def test_reads_of_confidential_items_are_audited(client: ActingClient) -> None:
    world = _world(client)
    engine = make_engine(client.app.state.settings)  # type: ignore[attr-defined]

    try:
        earlier = {d.id for d in disclosures(client)}
        client.get(f"/v1/submissions/{world.submission}", headers=bearer(client.tokens[Role.OPSG]))
        assert {d.id for d in disclosures(client)} == earlier  # nothing confidential was shown to OPSG
        client.get(f"/v1/submissions/{world.submission}", headers=bearer(client.tokens[Role.SSC]))
        [latest] = [d for d in disclosures(client) if d.id not in earlier]
        ssc = f"ssc:test ssc [token {token_id(client.app.state.settings, client.tokens[Role.SSC])}]"  # type: ignore[attr-defined]
        assert latest.actor == ssc
        # the earlier condition whose twin rests on the confidential item is withheld and disclosed like it
        assert json.loads(latest.items) == [EARLIER, HAN, ISSUE]
        assert latest.submission_id == world.submission
        assert latest.view == f"GET /v1/submissions/{world.submission}"
        with session_scope(engine) as session:
            entry = session.exec(select(AuditEntry).where(AuditEntry.entity_id == latest.id)).one()
        assert (entry.action, entry.actor) == ("confidential.read", ssc)
    finally:
        engine.dispose()


def test_confidential_conditions_are_withheld_from_other_groups(client: ActingClient) -> None:
    _world(client)
    made = client.post(
        "/v1/conditions",
        json={
            **CONDITION,
            "owner": "SSC",
            "criteria": ["LSC10.6"],
            "text": "Close HAN finding 7",
            "due": "before go-live",
        }
        | {"confidential": True, "kind": "prerequisite_go_live"},
    )
    assert made.status_code == 201
    condition = made.json()["id"]
    tag = client.get(f"/v1/conditions/{condition}", headers=bearer(client.tokens[Role.TAG])).json()
    ssc = client.get(f"/v1/conditions/{condition}", headers=bearer(client.tokens[Role.SSC])).json()
    assert tag["text"] == tag["due"] == "[confidential: shown to SSC and the Panel]"
    assert ssc["text"] == "Close HAN finding 7"
    gate = client.get(f"/v1/readiness/{CAPABILITY}", headers=bearer(client.tokens[Role.DCC])).json()["gate"]
    blocker = next(b for b in gate["go_live"]["blockers"] if b["ref"] == made.json()["key"])
    assert "Close HAN" not in blocker["reason"]
    assert blocker["confidential"] is True


@pytest.mark.parametrize("role", [Role.OPSG, Role.OBSERVER])
def test_pages_withhold_confidential_evidence(client: ActingClient, role: Role) -> None:
    world = _world(client)
    page = client.get(f"/submissions/{world.submission}", headers=bearer(client.tokens[role])).text
    assert HAN not in page
    assert [marker for marker in MARKERS if marker in page] == []
    assert WITHHELD in page
    panel = client.get(f"/submissions/{world.submission}", headers=bearer(client.tokens[Role.PANEL])).text
    assert HAN in panel
    assert MARKERS[2] in panel, "the carried-over condition's origin"


def test_pages_offer_only_the_actions_the_caller_may_take(client: ActingClient) -> None:
    world = _world(client)

    def page(path: str, role: Role) -> str:
        answer = client.get(path, headers=bearer(client.tokens[role]))
        assert answer.status_code == 200
        return answer.text

    board = f"/capabilities/{CAPABILITY}/conditions"
    assert 'action="/conditions/' not in page(board, Role.OBSERVER)
    assert 'id="add-condition"' not in page(board, Role.DCC)
    assert 'action="/conditions/' in page(board, Role.PANEL)
    assert 'id="add-condition"' in page(board, Role.TAG)
    conditions = client.get("/v1/conditions", params={"capability": CAPABILITY}).json()
    owners = {Role(c["owner"].lower()) for c in conditions}
    for group in COMMITTEES:
        forms = page(board, group).count('action="/conditions/')
        assert (forms > 0) == (group in owners), group  # a group acts only on the conditions it owns

    decision = f"/submissions/{world.submission}/decision"
    assert 'id="decision-form"' in page(decision, Role.PANEL)
    assert "Only the Panel records decisions." in page(decision, Role.SSC)

    history = f"/submissions/{world.submission}/history"
    assert "/re-evaluate" not in page(history, Role.DCC)
    assert "/re-evaluate" in page(history, Role.OPSG)

    submission = f"/submissions/{world.submission}"
    assert "Assess as OPSG" in page(submission, Role.OPSG)
    assert "Assess as" not in page(submission, Role.PANEL)


def test_rationales_and_diffs_of_confidential_cells_are_withheld(client: ActingClient) -> None:
    world = _world(client)
    cell = next(
        c
        for c in client.get(f"/v1/submissions/{world.submission}/evaluations").json()[-1]["result"]["ratings"]
        if (c["criterion"], c["group"]) == ("LSC10.4", "SSC")
    )
    other = "green" if cell["rating"] != "green" else "amber"
    override = {
        "criterion": "LSC10.4",
        "group": "SSC",
        "accepted": True,
        "rating": other,
        "assessor": "S. Member",
        "rationale": "The HAN vendor's second report closes finding 7.",
    }
    assert client.post(f"/v1/submissions/{world.submission}/assessments", json=override).status_code == 201
    secret = "HAN vendor's second report"

    def seen(path: str, role: Role) -> str:
        answer = client.get(path, headers=bearer(client.tokens[role]))
        assert answer.status_code == 200
        return answer.text

    assessments = f"/v1/submissions/{world.submission}/assessments"
    assert secret not in seen(assessments, Role.TAG)
    assert WITHHELD in seen(assessments, Role.TAG)
    assert secret in seen(assessments, Role.SSC)
    assessed, escaped = f"/submissions/{world.submission}/assess", "second report closes finding 7"
    assert escaped in seen(f"{assessed}/SSC", Role.SSC)
    assert escaped in seen(f"{assessed}/SSC", Role.PANEL)  # the Panel's read-only view
    assert escaped not in seen(f"{assessed}/OPSG", Role.OPSG)
    diff = f"/v1/submissions/{world.submission}/diff"
    assert secret not in seen(diff, Role.OBSERVER)
    assert secret in seen(diff, Role.PANEL)


def test_a_changed_reason_resting_on_confidential_evidence_is_withheld(client: ActingClient) -> None:
    """A cell whose rating stays but whose confidential finding now reads otherwise is described only to its owners."""
    first = client.post("/v1/submissions", content=CONFIDENTIAL).json()["submission"]["id"]
    changed = json.loads(CONFIDENTIAL)
    changed["security"]["independent_assurance"]["status"] = "reported"
    second = client.post("/v1/submissions", content=json.dumps(changed)).json()["submission"]["id"]
    secret = "the assurance is reported as in progress"
    api = f"/v1/submissions/{second}/diff?from={first}&to={second}"
    page = f"/submissions/{second}/history?from={_latest(client, first)}&to={_latest(client, second)}"
    # what is shown from each side of the comparison is recorded under that side's submission
    compared = {first: f"LSC10.4/SSC@{_latest(client, first)}", second: f"LSC10.4/SSC@{_latest(client, second)}"}
    for role in Role:
        earlier = {d.id for d in disclosures(client)}
        answer = client.get(api, headers=bearer(client.tokens[role]))
        if role == Role.ADMIN:  # administers accounts; reads no records
            assert answer.status_code == 403
            continue
        assert answer.status_code == 200, (role, answer.text)
        [revised] = [c for c in answer.json()["revised"] if c["criterion"] == "LSC10.4"]
        by_the_api = [d for d in disclosures(client) if d.id not in earlier]
        shown = client.get(page, headers=bearer(client.tokens[role])).text
        by_the_page = [d for d in disclosures(client) if d.id not in earlier | {d.id for d in by_the_api}]
        if role in (Role.SSC, Role.PANEL):
            assert secret in revised["explanation"], role
            assert secret in shown, role
            # the changed reason shown is recorded as disclosed by each view, for each evaluation compared
            for recorded, view in ((by_the_api, f"GET /v1/submissions/{second}/diff"), (by_the_page, "GET " + page)):
                assert sorted(str(d.submission_id) for d in recorded) == sorted([first, second]), role
                under = {str(d.submission_id): set(json.loads(d.items)) for d in recorded}
                for submission, item in compared.items():
                    assert item in under[submission], role
                assert compared[first] not in under[second], role
                assert compared[second] not in under[first], role
                assert {d.view.split("?")[0] for d in recorded} == {view.split("?")[0]}, role
            # the page shows each compared evaluation whole: its evidence is recorded under its own version
            [earlier_side] = [d for d in by_the_page if d.submission_id == first]
            assert f"{HAN}@{_latest(client, first)}" in json.loads(earlier_side.items), role
        else:
            assert by_the_api == by_the_page == [], role
            assert secret not in answer.text, role
            assert secret not in shown, role
            assert revised["explanation"] == f"LSC10.4/SSC changed: {WITHHELD}", role
            assert WITHHELD in shown, role


def test_a_condition_a_later_version_raises_from_confidential_evidence_is_withheld_in_every_view(
    client: ActingClient,
) -> None:
    """Entered openly with version 1, the CIO condition rests on a confidential report in version 2: every view
    withholds it alike (the stricter copy governs), as the register always did."""
    first = client.post("/v1/submissions", content=MDS).json()["submission"]["id"]
    decision = {"outcome": "recommend_with_conditions", "considered_on": "2020-03-06"}
    assert client.post(f"/v1/submissions/{first}/decisions", json=decision).status_code == 201
    changed = json.loads(MDS)
    changed["security"]["cio_report"]["confidential"] = True
    assert client.post("/v1/submissions", content=json.dumps(changed)).status_code == 201
    text = "DCC makes the CIO report on the cohort available to SSC"
    views = (
        "/v1/conditions?capability=MOC-MDS",
        "/v1/readiness/MOC-MDS",
        "/v1/register?capability=MOC-MDS&format=csv",
        "/meetings/pack?on=2020-04-01&capability=MOC-MDS",
        "/capabilities/MOC-MDS/conditions",
    )
    for role in (Role.DCC, Role.OBSERVER, Role.OPSG):
        for view in views:
            answer = client.get(view, headers=bearer(client.tokens[role]))
            assert answer.status_code == 200, (role, view)
            assert text not in answer.text, (role, view)
    for view in views:
        assert text in client.get(view, headers=bearer(client.tokens[Role.SSC])).text, view


def _latest(client: ActingClient, submission: str) -> str:
    return str(client.get(f"/v1/submissions/{submission}/evaluations").json()[-1]["id"])


def test_confidential_items_left_out_by_date_are_not_listed_for_others(client: ActingClient) -> None:
    # before the dates of both confidential SSC items
    made = client.post("/v1/submissions", content=CONFIDENTIAL, params={"as_at": "2021-05-20"})
    assert made.status_code == 201
    submission = made.json()["submission"]["id"]

    def excluded(role: Role) -> set[str]:
        answer = client.get(f"/v1/submissions/{submission}/evaluations", headers=bearer(client.tokens[role]))
        return {e["id"] for e in answer.json()[-1]["result"]["excluded_evidence"]}

    secret = {HAN, ISSUE}
    assert secret <= excluded(Role.SSC)
    assert secret <= excluded(Role.PANEL)
    assert not secret & excluded(Role.OPSG)
    assert excluded(Role.OPSG)
    assert excluded(Role.OPSG) == excluded(Role.SSC) - secret  # other late items are listed for everyone


def test_a_caller_named_in_the_requests_state_beforehand_is_not_taken_as_authenticated(pages: ActingClient) -> None:
    # A request is authenticated once; what it keeps for that must be nothing an application's state could hold.
    forged = Principal(token_id="forged", name="nobody", role=Role.ADMIN)
    answers: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answers.append(message["status"])

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/tokens",
        "raw_path": b"/v1/tokens",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {"principal": forged},
    }
    anyio.run(pages.app, scope, receive, send)  # type: ignore[arg-type]
    assert answers == [401]
