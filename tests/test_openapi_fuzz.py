"""Property-based fuzzing of the whole HTTP API from its OpenAPI document: no 5xx, no schema violation."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from lsc_engine.settings import Settings
from lsc_engine.store import migrate

DATA = Path(__file__).resolve().parent.parent / ".pytest_cache" / "fuzz-data"


def _app() -> object:
    """An app on its own SQLite file (the fuzzer runs outside the per-test fixtures)."""
    fuzz = Settings(data_dir=DATA)
    migrate.upgrade(fuzz)
    return create_app(fuzz)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    # A schema-valid pack may still contradict itself (duplicate ids, a reference to a phase that does not
    # exist), which JSON Schema cannot express; those are rightly refused with 422, so that check is skipped.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
