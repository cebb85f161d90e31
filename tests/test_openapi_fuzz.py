"""Property-based fuzzing of the whole HTTP API from its OpenAPI document: no 5xx, no schema violation.

Each generated request carries the token of the party that would send it (DCC submits, a group assesses
for itself, an administrator manages tokens, the Panel does the rest); schemathesis's own auth check also
replays requests without it and expects them refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from lsc_engine.settings import Settings
from lsc_engine.store import migrate

from .auth import issue_tokens, natural_role

pytestmark = [pytest.mark.fuzz, pytest.mark.api]

DATA = Path(__file__).resolve().parent.parent / ".pytest_cache" / "fuzz-data"


FUZZ = Settings(data_dir=DATA, rate_limit_per_minute=100_000)


def _app() -> object:
    """An app on its own SQLite file (the fuzzer runs outside the per-test fixtures)."""
    migrate.upgrade(FUZZ)
    return create_app(FUZZ)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())
TOKENS = issue_tokens(FUZZ)


@schema.auth(refresh_interval=None)
class PartyToken:
    """The token of the party that would send the request; schemathesis strips it again to probe."""

    def get(self, case: schemathesis.Case[Any], _context: object) -> str:
        """Pick the token for the case."""
        return TOKENS[natural_role(case.method.upper(), case.path, case.body)]

    def set(self, case: schemathesis.Case[Any], data: str, _context: object) -> None:
        """Send it as a bearer token."""
        case.headers["Authorization"] = f"Bearer {data}"


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case[Any]) -> None:
    # A schema-valid pack may still contradict itself (duplicate ids, a reference to a phase that does not
    # exist), which JSON Schema cannot express; those are rightly refused with 422, so that check is skipped.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
