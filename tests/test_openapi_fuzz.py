"""Property-based fuzzing of the whole HTTP API from its OpenAPI document: no 5xx, no schema violation.

Every operation is fuzzed on SQLite and on PostgreSQL, whose text columns refuse what SQLite stores (a NUL,
say). Each generated request carries the token of the party that would send it (DCC submits, a group assesses
for itself, an administrator manages tokens, the Panel does the rest); schemathesis's own auth check also
replays requests without it and expects them refused. Collecting the suite reads only the OpenAPI document
(of an app that never opens its database); each test runs on a fresh database of its own.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.types import ASGIApp, Receive, Scope, Send

from api.app import create_app
from lsc_engine.access.policy import Role
from lsc_engine.settings import Settings

from .auth import issue_tokens, natural_role

pytestmark = [pytest.mark.fuzz, pytest.mark.api]


def _document() -> dict[str, Any]:
    """Return the API's OpenAPI document, from an app that is built but never opens its database."""
    with tempfile.TemporaryDirectory() as unused:
        return create_app(Settings(data_dir=Path(unused) / "data")).openapi()


class CurrentApp:
    """The app a test fuzzes: schemathesis is told of this stand-in, and each test puts its own app behind it."""

    app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request to the current test's app."""
        assert self.app is not None, "only a test with the fuzzed fixture sends requests"
        await self.app(scope, receive, send)


CURRENT = CurrentApp()
schema = schemathesis.openapi.from_dict(_document())
schema.app = CURRENT

#: The tokens of the app under test, one per role, for the auth hook below.
TOKENS: dict[Role, str] = {}


@pytest.fixture
def fuzzed(settings: Settings) -> Iterator[FastAPI]:
    """The app on a fresh database (once per backend), with a token per role issued."""
    TOKENS.update(issue_tokens(settings))
    CURRENT.app = app = create_app(settings)
    yield app
    CURRENT.app = None
    TOKENS.clear()


@schema.auth(refresh_interval=None)
class PartyToken:
    """The token of the party that would send the request; schemathesis strips it again to probe."""

    def get(self, case: schemathesis.Case[Any], _context: object) -> str:
        """Pick the token for the case (schemathesis also asks while collecting, before any token exists)."""
        return TOKENS.get(natural_role(case.method.upper(), case.path, case.body), "lsc_none-issued-yet")

    def set(self, case: schemathesis.Case[Any], data: str, _context: object) -> None:
        """Send it as a bearer token."""
        case.headers["Authorization"] = f"Bearer {data}"


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case[Any], fuzzed: FastAPI) -> None:
    # A schema-valid pack may still contradict itself (duplicate ids, a reference to a phase that does not
    # exist), which JSON Schema cannot express; those are rightly refused with 422, so that check is skipped.
    assert CURRENT.app is fuzzed  # every request, the checks' own replays included, goes to this app
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
