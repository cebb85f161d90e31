"""Shared fixtures: the shipped ruleset and the fixture packs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from lsc_engine import Ruleset, load_ruleset
from lsc_engine.settings import Settings

from .auth import ActingClient, acting_client
from .databases import BACKENDS, fresh_database

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RULES = ROOT / "rules"

# Hypothesis's too_slow health check and its deadlines time the test on the wall clock, so a busy machine
# would fail tests that are right; every property here is about outcomes, never speed. Loaded before the
# test modules are imported, so their own @settings inherit it.
hypothesis_settings.register_profile("lsc", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("lsc")


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    """The ruleset shipped in rules/."""
    return load_ruleset(RULES)


@pytest.fixture
def client(settings: Settings) -> Iterator[ActingClient]:
    """A client of the app on a fresh database, once per backend, speaking for the party each request is for."""
    with acting_client(settings) as test_client:
        yield test_client


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a fresh, migrated database, once on SQLite and once on PostgreSQL."""
    with fresh_database(request.param, tmp_path) as fresh:
        yield fresh


pytest_plugins = ["tests.browser"]
