"""The pages as their own application: errors answered as pages, the API's as JSON, and reads audited by routes."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from api.app import API_PATHS
from api.web import dashboard
from api.web.templating import page, person, render
from lsc_engine.access.policy import Principal, Role
from lsc_engine.core.evaluation import Condition, Evaluation
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.settings import Settings
from lsc_engine.store import migrate
from lsc_engine.store.models import EvaluationRecord
from lsc_engine.store.repositories import submissions as submissions_repository
from lsc_engine.store.repositories.submissions import StoredEvaluation

from .auth import ActingClient, acting_client, bearer, token_id
from .conftest import FIXTURES
from .helpers import disclosures
from .routes import served

pytestmark = pytest.mark.api  # every test here builds the app on a database of its own

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
CONFIDENTIAL = (FIXTURES / "synthetic-confidential-item.json").read_bytes()
HAN = "SEC-T3-HAN-ASSURANCE"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[ActingClient]:
    """A client of an app on a fresh SQLite file, holding the MOC MDS pack."""
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    with acting_client(settings) as acting:
        assert acting.post("/v1/submissions", content=MDS).status_code == 201
        yield acting


def _submission(client: TestClient) -> str:
    identifier: str = client.get("/v1/submissions").json()[0]["id"]
    return identifier


def _html(answer: object) -> str:
    text: str = answer.text  # type: ignore[attr-defined]
    assert answer.headers["content-type"].startswith("text/html"), text[:200]  # type: ignore[attr-defined]
    assert "Traceback" not in text
    return text


def test_the_json_api_keeps_its_paths_and_the_pages_keep_theirs(client: ActingClient) -> None:
    def under_api(path: str) -> bool:
        return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PATHS)

    routes = served(client.app)
    assert {r.path for r in routes if not r.page and not under_api(r.path)} == set()
    assert {r.path for r in routes if r.page and under_api(r.path)} == set()


#: What Chromium and Firefox send when they follow a link.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON_NOT_FOUND = {"code": "not_found", "message": "Not Found", "details": {}}


@pytest.mark.parametrize("path", ["/nowhere", "/submissions/x/nowhere", "/v1x"])
def test_an_unknown_page_path_is_a_not_found_page(client: ActingClient, path: str) -> None:
    for accept in (BROWSER_ACCEPT, "*/*"):
        answer = client.get(path, headers={"Accept": accept})
        assert answer.status_code == 404
        assert "There is no page at this address." in _html(answer)
    api_client = client.get(path, headers={"Accept": "application/json"})
    assert (api_client.status_code, api_client.json()) == (404, JSON_NOT_FOUND)


@pytest.mark.parametrize("path", ["/v1/nowhere", "/v1", "/healthz/x", "/openapi.json/x", "/static/nowhere.css"])
def test_an_unknown_api_path_is_json_to_an_api_client_and_a_page_to_a_browser(client: ActingClient, path: str) -> None:
    for accept in ("application/json", "*/*"):
        answer = client.get(path, headers={"Accept": accept})
        assert (answer.status_code, answer.json()) == (404, JSON_NOT_FOUND)
    browser = client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert browser.status_code == 404
    page = _html(browser)
    assert "<h1>Not found</h1>" in page
    assert "There is no page at this address." in page
    assert '<a href="/">Back to the dashboard</a>' in page


def test_a_missing_record_of_the_api_stays_json_in_a_browser(client: ActingClient) -> None:
    answer = client.get("/v1/submissions/nothing", headers={"Accept": BROWSER_ACCEPT})
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_a_wrong_method_is_json_on_the_api_and_a_page_on_the_pages(client: ActingClient) -> None:
    api = client.delete("/v1/rules")
    assert api.status_code == 405
    assert api.json()["code"] == "method_not_allowed"
    assert api.headers["allow"] == "GET"
    pages = client.put("/login")
    assert pages.status_code == 405
    assert "This page cannot be used that way." in _html(pages)
    assert pages.headers["allow"] == "GET, POST"


def test_a_page_without_a_session_sends_the_browser_to_sign_in_whatever_it_accepts(client: ActingClient) -> None:
    submission = _submission(client)
    for accept in ("text/html", "application/json", "*/*"):
        answer = client.get(
            f"/submissions/{submission}/history?from=a",
            headers={"Authorization": "", "Accept": accept},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/login?next=%2Fsubmissions%2F{submission}%2Fhistory%3Ffrom%3Da"


def test_a_form_posted_without_a_session_returns_to_the_page_it_was_on(client: ActingClient) -> None:
    board = "http://testserver/capabilities/MOC-MDS/conditions"
    posted = client.post(
        "/conditions/c1/events", data={"action": "report"}, headers={"Authorization": "", "Referer": board}
    )
    assert posted.history[0].status_code == 303
    assert posted.history[0].headers["location"] == "/login?next=%2Fcapabilities%2FMOC-MDS%2Fconditions"
    assert "Sign in" in _html(posted)
    elsewhere = client.post(
        "/logout", headers={"Authorization": "", "Referer": "https://evil.example/x"}, follow_redirects=False
    )
    assert elsewhere.headers["location"] == "/login?next=%2F"


def test_a_page_the_role_may_not_use_is_the_refused_page(client: ActingClient) -> None:
    submission = _submission(client)
    answer = client.get(f"/submissions/{submission}/assess/OPSG", headers=bearer(client.tokens[Role.DCC]))
    assert answer.status_code == 403
    text = _html(answer)
    assert "<h1>Not allowed</h1>" in text
    assert "DCC may not assess." in text
    refused = client.get(f"/submissions/{submission}/assess/OPSG", headers=bearer(client.tokens[Role.OBSERVER]))
    assert (refused.status_code, "An observer may not assess." in _html(refused)) == (403, True)
    assert "a observer" not in refused.text
    read_only = client.post(f"/submissions/{submission}/assess/OPSG/all", headers=bearer(client.tokens[Role.PANEL]))
    assert (read_only.status_code, "The Panel may not assess." in _html(read_only)) == (403, True)
    other_group = client.get(f"/submissions/{submission}/assess/OPSG", headers=bearer(client.tokens[Role.TAG]))
    assert other_group.status_code == 403
    assert "TAG may not act for OPSG." in _html(other_group)


def test_the_json_api_refuses_in_json_even_when_a_browser_asks(client: ActingClient) -> None:
    answer = client.get("/v1/submissions", headers={"Authorization": "", "Accept": "text/html"})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.json()["code"] == "unauthenticated"
    refused = client.get("/v1/tokens", headers={"Accept": "text/html", **bearer(client.tokens[Role.DCC])})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"


def test_an_invalid_form_is_a_page_naming_the_field(client: ActingClient) -> None:
    answer = client.post("/login", data={"token": "x" * 201})
    assert answer.status_code == 422
    assert "Check what was sent. token: String should have at most 200 characters." in _html(answer)


def test_an_unexpected_failure_is_a_page_without_a_traceback_logged_once(
    client: ActingClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("the row builder broke")

    monkeypatch.setattr(dashboard, "row", broken)
    with caplog.at_level(logging.ERROR):
        answer = client.get("/")  # the test client would raise it, had the failure gone further
    assert answer.status_code == 500
    text = _html(answer)
    assert "An unexpected error occurred; it has been logged." in text
    assert "row builder" not in text
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.getMessage() for record in errors] == ["unexpected error on GET /"]
    assert errors[0].exc_info is not None


def test_a_page_view_records_its_disclosures_once(client: ActingClient) -> None:
    submission = client.post("/v1/submissions", content=CONFIDENTIAL).json()["submission"]["id"]
    before = len(disclosures(client))
    assert client.get(f"/submissions/{submission}", headers=bearer(client.tokens[Role.OPSG])).status_code == 200
    assert len(disclosures(client)) == before  # nothing confidential is shown to OPSG
    for _ in range(2):
        assert client.get(f"/submissions/{submission}", headers=bearer(client.tokens[Role.SSC])).status_code == 200
    recorded = disclosures(client)[before:]
    ssc = f"ssc:test ssc [token {token_id(client.app.state.settings, client.tokens[Role.SSC])}]"  # type: ignore[attr-defined]
    assert [(d.view, d.actor, d.submission_id) for d in recorded] == [
        (f"GET /submissions/{submission}", ssc, submission),
    ] * 2
    assert all(HAN in json.loads(d.items) for d in recorded)


def _request(client: ActingClient, role: Role) -> Request:
    """A request of the pages' application, signed in with a role."""
    pages = client.app.routes[-1].app  # type: ignore[attr-defined]
    principal = Principal(token_id="t", name=f"test {role.value}", role=role)
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/submissions/s1",
        "path_params": {"submission_id": "s1"},
        "query_string": b"",
        "headers": [],
        "app": pages,
        "state": {"principal": principal},
    }
    return Request(scope)


SECRET = Condition(
    id="c-ssc",
    kind=ConditionKind.ONGOING_REPORTING,
    owner=Group.SSC,
    criteria=["LSC10.6"],
    text="CANARY report on the private link",
    due="monthly",
    raised_by="test",
    confidential=True,
)


def test_a_page_redacts_whatever_it_is_given_and_records_what_it_shows_before_rendering(client: ActingClient) -> None:
    before = len(disclosures(client))
    hidden = page(_request(client, Role.OPSG), "refused.html", message=SECRET)
    assert "CANARY" not in bytes(hidden.body).decode()
    assert "[confidential: shown to SSC and the Panel]" in bytes(hidden.body).decode()
    assert len(disclosures(client)) == before  # nothing confidential was shown
    seen = page(_request(client, Role.SSC), "refused.html", message=SECRET)
    assert "CANARY" in bytes(seen.body).decode()
    recorded = disclosures(client)[before:]
    assert [(d.view, json.loads(d.items), d.submission_id) for d in recorded] == [
        ("GET /submissions/s1", ["c-ssc"], "s1")
    ]


def test_rendering_alone_writes_nothing(client: ActingClient) -> None:
    before = len(disclosures(client))
    assert "CANARY" in bytes(render(_request(client, Role.SSC), "refused.html", message=SECRET).body).decode()
    assert len(disclosures(client)) == before


@pytest.mark.parametrize(
    ("actor", "shown"),
    [
        ("panel:Pat Panel [token 6d1cadee8369442d]", "Pat Panel (Panel)"),
        ("ssc:Sam Secure [jwt https://idp.example/realms/sec 2c9f-11]", "Sam Secure (SSC)"),
        ("opsg:Jo [ops] Lead [token t2]", "Jo [ops] Lead (OPSG)"),
        ("tag:Ana [jwt https://idp.example/ a b c]", "Ana (TAG)"),
        ("cli:root", "root (command line)"),
        ("SSC", "SSC"),
        ("someone:else [token t3]", "someone:else [token t3]"),
    ],
)
def test_who_acted_is_named_in_words_without_what_vouched_for_them(actor: str, shown: str) -> None:
    assert person(actor) == shown


def test_the_pages_name_who_acted_and_their_role_never_their_token(client: ActingClient) -> None:
    submission = _submission(client)
    ssc = bearer(client.tokens[Role.SSC])
    assert (
        client.post(
            f"/v1/submissions/{submission}/revocations",
            json={"group": "SSC", "reason": "HAN assurance withdrawn"},
            headers=ssc,
        ).status_code
        == 201
    )
    review = next(
        c["id"] for c in client.get("/v1/conditions?capability=MOC-MDS").json() if c["key"] == "cio-report-review"
    )
    assert (
        client.post(f"/v1/conditions/{review}/events", json={"action": "satisfy", "evidence": "seen"}).status_code
        == 201
    )
    decision = {"outcome": "do_not_recommend", "considered_on": "2020-03-06"}
    assert client.post(f"/v1/submissions/{submission}/decisions", json=decision).status_code == 201
    pages = {
        "revocations": client.get(f"/submissions/{submission}/assess/SSC", headers=ssc).text,
        "condition history": client.get("/capabilities/MOC-MDS/conditions").text,
        "decision": client.get(f"/submissions/{submission}/decision").text,
    }
    assert "test ssc (SSC): HAN assurance withdrawn" in pages["revocations"]
    assert '<td data-label="By">test panel (Panel)</td>' in pages["condition history"]
    assert "UTC by test panel (Panel)" in pages["decision"]
    for name, html in pages.items():
        assert "[token" not in html, name
        assert "panel:test panel" not in html, name


def test_a_page_shows_only_the_confirmations_its_own_writes_signed(client: ActingClient) -> None:
    """A link carrying any words as a notice ("your session expired: sign in at ...") shows nothing."""
    submission = _submission(client)
    panel = bearer(client.tokens[Role.PANEL])
    forged = client.get(
        f"/submissions/{submission}/decision", params={"notice": "Sign in again at evil.example"}, headers=panel
    )
    assert "evil.example" not in forged.text
    made = client.post(
        "/capabilities/MOC-MDS/conditions",
        data={"kind": "ongoing_reporting", "owner": "SSC", "criteria": "LSC10.6", "text": "Report", "due": "monthly"},
        headers=panel,
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    shown = client.get(made.headers["location"], headers=panel)
    assert "Condition manual-" in shown.text
    assert " added." in shown.text


SECURE = (FIXTURES / "seed-moc-secure-2020-08.json").read_bytes()
#: What people should never have to read on a page: a place in the pack, a digest, a record's id.
JSON_PATH = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)*\[\d+\]")
HEX_ID = re.compile(r"\b[0-9a-f]{12,}\b")


def _visible(html: str) -> str:
    """Return the words a page shows: its body without tags (and so without their attributes)."""
    body = html[html.index("<body") :]
    return " ".join(unescape(re.sub(r"<[^>]*>", " ", body)).split())


def test_the_pages_speak_in_plain_words_and_keep_ids_for_tools(client: ActingClient) -> None:
    mds = _submission(client)
    secure = client.post("/v1/submissions", content=SECURE).json()["submission"]["id"]
    refusal = {"outcome": "do_not_recommend", "considered_on": "2020-03-06"}
    first = client.post(f"/v1/submissions/{mds}/decisions", json=refusal)
    correction = {**refusal, "outcome": "recommend_with_conditions", "supersedes": first.json()["id"]}
    assert client.post(f"/v1/submissions/{mds}/decisions", json=correction).status_code == 201
    ssc = bearer(client.tokens[Role.SSC])
    pages = {
        "dashboard": client.get("/").text,
        "submission": client.get(f"/submissions/{mds}").text,
        "secure": client.get(f"/submissions/{secure}").text,
        "history": client.post(f"/submissions/{secure}/re-evaluate", data={"as_at": "2020-07-30"}).text,
        "decision": client.get(f"/submissions/{mds}/decision").text,
        "conditions": client.get("/capabilities/MOC-SECURE/conditions").text,
        "assessment": client.get(f"/submissions/{secure}/assess/SSC", headers=ssc).text,
        "assessment, refused": client.post(
            f"/submissions/{secure}/assess/SSC/all", data={"rating-LSC10-4": "green"}, headers=ssc
        ).text,
        "assessment, read by the Panel": client.get(f"/submissions/{secure}/assess/SSC").text,
        "self-check": client.post("/self-check", files={"pack": ("secure.json", SECURE)}).text,
        "timeline": client.get("/capabilities/MOC-MDS/timeline").text,
        "meeting pack": client.get("/meetings/pack?on=2020-09-01&capability=MOC-MDS&capability=MOC-SECURE").text,
    }
    rule_ids = {rule.id for rule in client.app.state.service.ruleset.rules}  # type: ignore[attr-defined]
    for name, html in pages.items():
        text = _visible(html)
        assert sorted(rule for rule in rule_ids if rule in text) == [], name
        assert JSON_PATH.findall(text) == [], name
        assert HEX_ID.findall(text) == [], name
        assert "sha256" not in text, name
    # What the words replace stays in attributes, for tests and tools.
    assert 'data-rule="LSC9-OPSG-revision-pending"' in pages["submission"]
    assert 'data-evidence="BCDR-PLAN" data-path="bcdr.plan"' in pages["submission"]
    assert "BCDR plan BCDR-PLAN (DCC BCDR plan v4, dated 2019-10-01)" in _visible(pages["submission"])
    assert "Incident INC-S1-12" in _visible(pages["secure"])
    assert "LSC 6" in _visible(pages["secure"])
    assert f'data-decision="{first.json()["id"]}"' in pages["decision"]
    assert "it corrects the decision recorded" in _visible(pages["decision"])
    assert "data-digest=" in pages["history"]
    assert "the current rules" in _visible(pages["history"])
    assert "raised by the rule “" in _visible(pages["conditions"])


def test_the_decision_page_says_which_groups_have_not_assessed(client: ActingClient) -> None:
    submission = _submission(client)
    body = {"criterion": "LSC6", "group": "OPSG", "accepted": True, "rating": "amber", "assessor": "OPSG Chair"}
    assert client.post(f"/v1/submissions/{submission}/assessments", json=body).status_code == 201
    text = _visible(_html(client.get(f"/submissions/{submission}/decision")))
    assert "SSC has not assessed this version. Its 5 ratings are the engine's proposals" in text
    assert "the letter would say that TAG recorded no assessment" in text
    assert "OPSG has decided 1 of its 8 ratings; the others are the engine's proposals." in text


def test_the_dashboard_filters_sorts_and_shows_the_panels_decision(client: ActingClient) -> None:
    mds = _submission(client)
    assert client.post("/v1/submissions", content=SECURE).status_code == 201
    decision = {"outcome": "recommend_with_conditions", "considered_on": "2020-03-09"}
    assert client.post(f"/v1/submissions/{mds}/decisions", json=decision).status_code == 201
    every = _visible(_html(client.get("/")))
    assert "2 of 2 capabilities shown." in every
    assert "Recommended go-live with conditions considered on 9 March 2020" in every
    assert "not decided" in every
    by_red = _html(client.get("/?sort=red"))
    assert by_red.index(">MOC-SECURE<") < by_red.index(">MOC-MDS<")
    blocked = _visible(_html(client.get("/?readiness=not_ready&blocked=yes")))
    assert "1 of 2 capabilities shown." in blocked
    assert "MOC-SECURE" in blocked
    assert "MOC-MDS" not in blocked
    undecided = _visible(_html(client.get("/?decided=none")))
    assert "1 of 2 capabilities shown." in undecided
    assert "MOC-SECURE" in undecided
    assert "MOC-MDS" not in undecided
    with_conditions = _visible(_html(client.get("/?decided=recommend_with_conditions")))
    assert "1 of 2 capabilities shown." in with_conditions
    assert "MOC-MDS" in with_conditions
    assert "MOC-SECURE" not in with_conditions
    assert "0 of 2 capabilities shown." in _visible(_html(client.get("/?decided=do_not_recommend")))
    refused = client.get("/?sort=colour")
    assert refused.status_code == 400
    assert "The dashboard cannot use sort “colour”: choose one of capability, readiness, due, red." in refused.text


def test_the_history_page_reads_whole_only_the_two_evaluations_it_compares(
    client: ActingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An evaluation of a large scope is tens of megabytes; the page lists every evaluation of every version by its
    # number and date, and compares two. Before, it read each of them whole twice.
    submission = _submission(client)
    for day in ("2020-03-09", "2020-03-20", "2020-04-01", "2020-05-01"):
        assert client.post(f"/v1/submissions/{submission}/re-evaluate", params={"as_at": day}).status_code == 201
    read: list[str] = []
    whole = submissions_repository._stored

    def counted(record: EvaluationRecord, evaluation: Evaluation | None = None) -> StoredEvaluation:
        read.append(record.id)
        return whole(record, evaluation)

    monkeypatch.setattr(submissions_repository, "_stored", counted)
    listed = client.get(f"/v1/submissions/{submission}/evaluations").json()  # read whole: this route returns them
    numbers = [(e["id"], e["number"]) for e in listed]
    read.clear()
    page_text = client.get(f"/submissions/{submission}/history").text
    assert all(f"with evaluation {number}" in page_text for _, number in numbers[:-1])
    assert "From evaluation 4 to evaluation 5" in page_text
    assert sorted(set(read)) == sorted(ident for ident, number in numbers if number in (4, 5))
