"""Security headers on every response, and cross-site writes refused."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import pytest
from fastapi.testclient import TestClient

from lsc_engine.settings import Settings

from .auth import acting_client
from .conftest import FIXTURES
from .routes import served

pytestmark = pytest.mark.api

MDS = (FIXTURES / "seed-moc-mds-2020-03.json").read_bytes()


@pytest.fixture
def client(tmp_path: object) -> Iterator[TestClient]:
    """A client of an app on a fresh SQLite file."""
    from pathlib import Path

    from lsc_engine.store import migrate

    settings = Settings(data_dir=Path(str(tmp_path)) / "data")
    migrate.upgrade(settings)
    with acting_client(settings) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/", "/self-check", "/v1/criteria", "/healthz", "/nowhere", "/v1/nowhere"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    _check_headers(client.get(path).headers)


def test_every_route_of_the_api_and_the_pages_carries_the_security_headers(client: TestClient) -> None:
    routes = served(client.app)
    assert any(route.page for route in routes)
    for route in routes:
        answer = client.request(route.method, re.sub(r"\{\w+\}", "x", route.path), follow_redirects=False)
        assert answer.status_code < 500, (route, answer.text[:300])
        _check_headers(answer.headers)


def _check_headers(headers: Mapping[str, str]) -> None:
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert headers["cache-control"] == "no-store"  # no answer that may carry confidential text is kept


def test_static_files_the_same_for_everyone_may_be_cached(client: TestClient) -> None:
    answer = client.get("/static/app.css")
    assert answer.status_code == 200
    assert "no-store" not in answer.headers.get("cache-control", "")


def test_interactive_docs_that_load_from_a_cdn_are_not_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
    ],
)
def test_cross_site_writes_are_refused(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/v1/submissions", content=MDS, headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "cross_site_request"
    assert client.get("/v1/submissions").json() == []


def test_same_site_and_non_browser_writes_are_accepted(client: TestClient) -> None:
    assert client.post("/v1/submissions", content=MDS, headers={"Origin": "http://testserver"}).status_code == 201
    assert client.post("/v1/self-check", content=MDS).status_code == 200


def test_the_letter_preview_allows_only_its_own_style_block(client: TestClient) -> None:
    submission = client.post("/v1/submissions", content=MDS).json()["submission"]["id"]
    decision = client.post(
        f"/v1/submissions/{submission}/decisions",
        json={"outcome": "recommend_with_conditions", "considered_on": "2020-03-06"},
    ).json()["id"]
    response = client.get(f"/v1/decisions/{decision}/letter", params={"format": "html"})
    policy = response.headers["content-security-policy"]
    assert "style-src 'self' 'sha256-" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
