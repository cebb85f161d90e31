"""Browser sign-in: the session cookie, its flags, anti-forgery values on forms, sign-out and revocation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from lsc_engine.access.policy import Role
from lsc_engine.settings import Settings
from lsc_engine.store import migrate
from lsc_engine.store.audit import verify
from lsc_engine.store.db import make_engine, session_scope
from lsc_engine.store.models import AuditEntry

from .auth import bearer, issue_tokens, token_id
from .conftest import FIXTURES

pytestmark = pytest.mark.api

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()


@pytest.fixture
def browser_like(tmp_path: Path) -> Iterator[tuple[TestClient, dict[Role, str]]]:
    """A client on https://testserver (so Secure cookies are kept), tokens remembered for no time at all."""
    settings = Settings(data_dir=tmp_path / "data", token_cache_seconds=0)
    migrate.upgrade(settings)
    tokens = issue_tokens(settings)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        client.post("/v1/submissions", content=MDS, headers=bearer(tokens[Role.DCC]))
        yield client, tokens


def _sign_in(client: TestClient, token: str, next_page: str = "/") -> str:
    answer = client.post("/login", data={"token": token, "next": next_page}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "the page has no anti-forgery value"
    return found.group(1)


def test_a_page_without_a_session_sends_the_browser_to_sign_in(
    browser_like: tuple[TestClient, dict[Role, str]],
) -> None:
    client, _ = browser_like
    answer = client.get("/capabilities/MOC-MDS/conditions", headers={"Accept": "text/html"}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fcapabilities%2FMOC-MDS%2Fconditions"
    assert "Sign in" in client.get("/login").text


def test_sign_in_sets_a_strict_cookie_and_returns_to_the_page(browser_like: tuple[TestClient, dict[Role, str]]) -> None:
    client, tokens = browser_like
    answer = client.post(
        "/login", data={"token": tokens[Role.OPSG], "next": "/capabilities/MOC-MDS/conditions"}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/capabilities/MOC-MDS/conditions"
    cookie = answer.headers["set-cookie"]
    for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower(), cookie
    assert tokens[Role.OPSG] not in cookie  # the cookie holds a session secret, never the token
    page = client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Signed in as test opsg (OPSG)" in page.text


def test_sign_in_refuses_an_unknown_token_and_an_offsite_return(
    browser_like: tuple[TestClient, dict[Role, str]],
) -> None:
    client, tokens = browser_like
    refused = client.post("/login", data={"token": "lsc_nope"}, follow_redirects=False)
    assert refused.status_code == 401
    assert "that token is unknown or revoked" in refused.text
    assert "set-cookie" not in refused.headers
    assert _sign_in(client, tokens[Role.PANEL], "//evil.example/") == "/"
    assert _sign_in(client, tokens[Role.PANEL], "https://evil.example/") == "/"


def test_forms_need_the_sessions_anti_forgery_value(browser_like: tuple[TestClient, dict[Role, str]]) -> None:
    client, tokens = browser_like
    _sign_in(client, tokens[Role.PANEL])
    board = client.get("/capabilities/MOC-MDS/conditions").text
    condition = re.search(r'action="/conditions/([0-9a-f]+)/events"', board)
    assert condition
    url = f"/conditions/{condition.group(1)}/events"
    form = {"action": "report", "evidence": "monthly report"}
    forged = client.post(url, data=form, headers={"Accept": "text/html"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "anti-forgery" in forged.text
    wrong = client.post(url, data={**form, "csrf_token": "0" * 32}, follow_redirects=False)
    assert wrong.status_code == 403
    # a report is only accepted on reporting conditions; any answer but 403 shows the form got through
    genuine = client.post(url, data={**form, "csrf_token": _csrf(board)}, follow_redirects=False)
    assert genuine.status_code in (303, 409, 422), genuine.text


def test_a_session_cannot_write_to_the_api(browser_like: tuple[TestClient, dict[Role, str]]) -> None:
    client, tokens = browser_like
    _sign_in(client, tokens[Role.DCC])
    assert client.get("/v1/submissions").status_code == 200  # reads are fine
    answer = client.post("/v1/self-check", content=MDS)
    assert answer.status_code == 401
    assert "Bearer" in answer.json()["message"]


def test_sign_out_ends_the_session_for_good_and_both_are_audited(
    browser_like: tuple[TestClient, dict[Role, str]],
) -> None:
    client, tokens = browser_like
    _sign_in(client, tokens[Role.TAG])
    secret = client.cookies.get("lsc_session")
    page = client.get("/").text
    out = client.post("/logout", data={"csrf_token": _csrf(page)}, follow_redirects=False)
    assert out.status_code == 303
    assert client.cookies.get("lsc_session") is None
    assert secret
    assert client.get("/v1/submissions", headers={"Cookie": f"lsc_session={secret}"}).status_code == 401
    engine = make_engine(client.app.state.settings)  # type: ignore[attr-defined]
    try:
        with session_scope(engine) as session:
            events = [(e.action, e.actor) for e in session.exec(select(AuditEntry)) if e.action.startswith("session.")]
            assert verify(session).intact
    finally:
        engine.dispose()
    tag = f"tag:test tag [token {token_id(client.app.state.settings, tokens[Role.TAG])}]"  # type: ignore[attr-defined]
    assert events == [("session.sign_in", tag), ("session.sign_out", tag)]


def _session_events(client: TestClient) -> list[str]:
    engine = make_engine(client.app.state.settings)  # type: ignore[attr-defined]
    try:
        with session_scope(engine) as session:
            return [e.action for e in session.exec(select(AuditEntry)) if e.action.startswith("session.")]
    finally:
        engine.dispose()


def test_signing_out_without_a_session_records_nothing(browser_like: tuple[TestClient, dict[Role, str]]) -> None:
    client, tokens = browser_like
    out = client.post("/logout", headers=bearer(tokens[Role.OPSG]), follow_redirects=False)
    assert out.status_code == 303
    made_up = client.post(
        "/logout", headers={**bearer(tokens[Role.OPSG]), "Cookie": "lsc_session=never-issued"}, follow_redirects=False
    )
    assert made_up.status_code == 303
    assert _session_events(client) == []  # no session existed, so none ended
    _sign_in(client, tokens[Role.TAG])
    page = client.get("/").text
    assert client.post("/logout", data={"csrf_token": _csrf(page)}, follow_redirects=False).status_code == 303
    assert _session_events(client) == ["session.sign_in", "session.sign_out"]


def test_revoking_the_token_ends_its_sessions(browser_like: tuple[TestClient, dict[Role, str]]) -> None:
    client, tokens = browser_like
    made = client.post("/v1/tokens", json={"role": "observer", "name": "Auditor"}, headers=bearer(tokens[Role.ADMIN]))
    _sign_in(client, made.json()["secret"])
    assert client.get("/v1/submissions").status_code == 200
    revoke = client.post(
        f"/v1/tokens/{made.json()['id']}/revocation", json={"reason": "left"}, headers=bearer(tokens[Role.ADMIN])
    )
    assert revoke.status_code == 204
    assert client.get("/v1/submissions").status_code == 401
