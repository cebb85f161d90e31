"""The HTTP API against a real database (SQLite file and PostgreSQL): storage, readiness, re-evaluation, errors."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from lsc_engine.settings import Settings
from lsc_engine.store.audit import verify
from lsc_engine.store.db import make_engine, session_scope

from .auth import acting_client, bearer
from .conftest import FIXTURES
from .helpers import seed, statements_sent

pytestmark = pytest.mark.api

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()
SECURE = (FIXTURES / "seed-moc-secure-2020-08.json").read_bytes()
WINDOW = (FIXTURES / "synthetic-smets2-instability.json").read_bytes()


def post(client: TestClient, body: bytes, **params: str) -> Any:
    """Post a pack and return the decoded response, checking it was stored."""
    response = client.post("/v1/submissions", content=body, params=params)
    assert response.status_code == 201, response.text
    return response.json()


def audit_intact(settings: Settings) -> bool:
    """Verify the audit chain of the test database."""
    engine = make_engine(settings)
    try:
        with session_scope(engine) as session:
            return verify(session).intact
    finally:
        engine.dispose()


def test_submit_read_and_list(client: TestClient, settings: Settings) -> None:
    created = post(client, MDS)
    submission = created["submission"]
    assert created["evaluation"]["overall"] == "ready_with_conditions"
    assert created["evaluation"]["result"]["as_at"] == "2020-03-06"
    assert submission["capability"] == "MOC-MDS"
    assert submission["version"] == 1
    detail = client.get(f"/v1/submissions/{submission['id']}").json()
    assert detail["pack"] == json.loads(MDS)
    listed = client.get("/v1/submissions", params={"capability": "MOC-MDS"}).json()
    assert [row["id"] for row in listed] == [submission["id"]]
    evaluations = client.get(f"/v1/submissions/{submission['id']}/evaluations").json()
    assert [(e["number"], e["reason"]) for e in evaluations] == [(1, "submission")]
    assert audit_intact(settings)


def test_a_new_pack_for_the_same_capability_is_a_new_version(client: TestClient) -> None:
    first = post(client, MDS)["submission"]
    document = seed()
    document["bcdr"]["plan"]["pending_revision"] = None
    document["bcdr"]["plan"]["covers_providers"] += ["MDS", "Telefonica"]
    second = post(client, json.dumps(document).encode())["submission"]
    assert (first["version"], second["version"]) == (1, 2)
    assert client.get(f"/v1/submissions/{first['id']}").json()["pack"] == json.loads(MDS)
    readiness = client.get("/v1/readiness/MOC-MDS").json()
    assert readiness["submission_id"] == second["id"]
    lsc9 = next(r for r in readiness["gate"]["ratings"] if r["criterion"] == "LSC9")
    assert (lsc9["proposed"], lsc9["decided"], lsc9["rating"]) == ("green", None, "green")
    diff = client.get(f"/v1/submissions/{second['id']}/diff", params={"from": first["id"], "to": second["id"]}).json()
    assert [(c["criterion"], c["before"], c["after"], c["causes"]) for c in diff["changes"]] == [
        ("LSC9", "amber", "green", ["evidence"])
    ]


def test_a_change_by_both_evidence_and_date_is_split_by_reading_the_newer_pack_once(client: TestClient) -> None:
    # Version 2 unpublishes the BCDR plan and is evaluated three days later, when the stability window has run: the
    # comparison evaluates the newer pack at the older date to tell which cell moved for which reason.
    document = json.loads(WINDOW)
    document["incidents_reported_to"] = "2021-06-18"
    first = post(client, json.dumps(document).encode())["submission"]
    document["bcdr"]["plan"]["published"] = False
    second = post(client, json.dumps(document).encode(), as_at="2021-06-18")["submission"]
    database = client.app.state.service.database  # type: ignore[attr-defined]
    with statements_sent(database) as statements:
        diff = client.get(f"/v1/submissions/{second['id']}/diff", params={"from": first["id"]}).json()
    assert diff["differing"] == ["evidence", "as_at"]
    assert [(c["criterion"], c["before"], c["after"], c["causes"]) for c in diff["changes"]] == [
        ("LSC6", "red", "amber", ["as_at"]),
        ("LSC9", "green", "red", ["evidence"]),
    ]
    assert sum(1 for statement in statements if re.search(r"submission\.pack\b", statement)) == 1


def test_idempotency_key_never_creates_a_second_submission(client: TestClient) -> None:
    headers = {"Idempotency-Key": "retry-1"}
    first = client.post("/v1/submissions", content=MDS, headers=headers)
    again = client.post("/v1/submissions", content=MDS, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    assert again.json()["submission"]["id"] == first.json()["submission"]["id"]
    assert len(client.get("/v1/submissions").json()) == 1
    different = client.post("/v1/submissions", content=SECURE, headers=headers)
    assert different.status_code == 409
    assert different.json()["code"] == "conflict"


def test_readiness_gates_and_re_evaluation_with_a_later_date(client: TestClient, settings: Settings) -> None:
    # A Category 1 incident two days before the statement: LSC6 is red until the stability window has run. The
    # pack says incident reports will reach 18 June, so the window's days are covered when it has run.
    document = json.loads(WINDOW)
    document["incidents_reported_to"] = "2021-06-18"
    submission = post(client, json.dumps(document).encode())["submission"]
    before = client.get("/v1/readiness/FOC-TRANCHE-3").json()["gate"]
    assert before["overall"] == "not_ready"
    assert before["go_live"]["allowed"] is False
    assert [b["ref"] for b in before["go_live"]["blockers"]] == ["LSC6/OPSG", "panel"]
    response = client.post(f"/v1/submissions/{submission['id']}/re-evaluate", params={"as_at": "2021-06-18"})
    assert response.status_code == 201
    body = response.json()
    assert body["evaluation"]["overall"] == "ready_with_conditions"
    assert body["evaluation"]["number"] == 2
    assert [(c["criterion"], c["before"], c["after"], c["causes"]) for c in body["changes"]["changes"]] == [
        ("LSC6", "red", "amber", ["as_at"])
    ]
    after = client.get("/v1/readiness/FOC-TRANCHE-3").json()["gate"]
    assert after["overall"] == "ready_with_conditions"
    assert [b["ref"] for b in after["go_live"]["blockers"]] == ["panel"]
    diff = client.get(f"/v1/submissions/{submission['id']}/diff").json()
    assert diff["differing"] == ["as_at"]
    assert diff["changes"][0]["explanation"].startswith("LSC6/OPSG went from red to amber; because of as-at")
    assert audit_intact(settings)


def test_self_check_matches_the_cli_and_stores_nothing(client: TestClient) -> None:
    response = client.post("/v1/self-check", content=SECURE, params={"as_at": "2020-08-07"})
    assert response.status_code == 200
    assert response.json()["overall"] == "not_ready"
    assert client.get("/v1/submissions").json() == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"statement": ', 400, "malformed_pack"),
        (b"[]", 422, "invalid_pack"),
        (b"{}", 422, "invalid_pack"),
    ],
)
def test_bad_packs_get_clear_errors(client: TestClient, body: bytes, status: int, code: str) -> None:
    response = client.post("/v1/submissions", content=body)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["details"]["problems"]
    assert client.get("/v1/submissions").json() == []


def test_invalid_pack_names_every_bad_field(client: TestClient) -> None:
    document = seed()
    document["incidents"][1]["category"] = 7
    document["scope"]["dmcs"][0]["extra"] = 1
    response = client.post("/v1/submissions", content=json.dumps(document).encode())
    assert response.status_code == 422
    paths = {p["path"] for p in response.json()["details"]["problems"]}
    assert paths == {"incidents[1].category", "scope.dmcs[0].extra"}


def test_not_found_and_bad_parameters(client: TestClient) -> None:
    assert client.get("/v1/submissions/nope").status_code == 404
    assert client.get("/v1/readiness/NOPE").json()["code"] == "not_found"
    assert client.get("/v1/rules/NOPE").status_code == 404
    bad_date = client.post("/v1/self-check", content=MDS, params={"as_at": "yesterday"})
    assert bad_date.status_code == 422
    assert bad_date.json()["details"]["problems"][0]["path"] == "query.as_at"


def test_request_size_limit(settings: Settings) -> None:
    small = Settings(**{**settings.model_dump(), "max_request_bytes": 4096})
    with acting_client(small) as client:
        response = client.post("/v1/self-check", content=MDS)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_rules_criteria_and_health(client: TestClient) -> None:
    rules = client.get("/v1/rules").json()
    assert len(rules["rules"]) >= 30
    rule = client.get("/v1/rules/LSC10.4-SSC-assurance-outstanding").json()
    assert rule["conditions"][0]["kind"] == "prerequisite_migration"
    criteria = client.get("/v1/criteria").json()["criteria"]
    assert [c["id"] for c in criteria][:3] == ["LSC1", "LSC2", "LSC3"]
    assert [(c["id"], c["owners"], c["formerly"]) for c in criteria][-2:] == [
        ("LSC10.6", ["SSC"], ["LSC10.3"]),
        ("RR", ["TAG", "OPSG", "SSC"], ["LSC10.5"]),
    ]
    assert client.get("/healthz").json() == {"status": "ok", "ruleset_digest": None}
    assert client.get("/readyz").json()["ruleset_digest"] == rules["ruleset_digest"]


def test_readyz_is_503_when_the_database_is_gone(tmp_path: object) -> None:
    settings = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none", database_timeout_seconds=1)
    with TestClient(create_app(settings), headers=bearer("lsc_" + "x" * 43)) as client:
        response = client.get("/readyz")  # even checking the token needs the database
        assert response.status_code == 503
        assert response.json()["code"] == "store_unavailable"
        assert client.post("/v1/submissions", content=MDS).status_code == 503


def test_pack_item_limit(settings: Settings) -> None:
    limited = Settings(**{**settings.model_dump(), "max_pack_items": 20})
    with acting_client(limited) as client:
        response = client.post("/v1/submissions", content=MDS)
        assert response.status_code == 413
        assert response.json()["details"]["limit"] == 20
        assert response.json()["details"]["items"] > 20
        assert client.get("/v1/submissions").json() == []
