"""Shared fixtures (the shipped ruleset, fresh databases) and the marks that let the suite run in parts."""

from __future__ import annotations

import os
from collections.abc import Collection, Generator, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, is_hypothesis_test
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine

from lsc_engine import Ruleset, load_ruleset
from lsc_engine.core.compiled import core_compiled
from lsc_engine.settings import Settings
from lsc_engine.store import migrate

from .auth import ActingClient, acting_client
from .databases import BACKENDS, fresh_database

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
#: The expected outcome of each fixture pack ``fixtures/NAME.json`` (or ``.yaml``) is ``fixtures/expected/NAME.json``.
EXPECTED = FIXTURES / "expected"
#: Every fixture pack's file name, in order.
FIXTURE_PACKS = sorted(path.name for path in FIXTURES.iterdir() if path.suffix in {".json", ".yaml"})
RULES = ROOT / "rules"

# Hypothesis's too_slow health check and its deadlines time the test on the wall clock, so a busy machine
# would fail tests that are right; every property here is about outcomes, never speed. Loaded before the
# test modules are imported, so their own @settings inherit it.
hypothesis_settings.register_profile("lsc", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("lsc")

#: What a test may need beyond this process; a test that needs none of them is ``core``.
NEEDS = ("api", "postgres", "live", "browser", "fuzz", "wheel")
#: Fixtures that bring a need with them, whether a test asks for them directly or through another fixture.
FIXTURE_NEEDS: Mapping[str, tuple[str, ...]] = {
    "settings": ("api",),  # a fresh, migrated database (``client`` is built on it)
    "pages": ("api",),  # a client of the app on a fresh SQLite file
    "seeded_server": ("live",),  # ``lsc serve`` in a subprocess, as the browser tests use it
    "browser": ("browser",),
}


class MarkError(ValueError):
    """A test's declared marks contradict what it uses."""


def needs(
    fixtures: Iterable[str], params: Mapping[str, object], declared: Collection[str], generated: bool
) -> frozenset[str]:
    """Return the marks a test carries: what it declares, what its fixtures bring, or else ``core``.

    ``params`` are the test's fixture parameters (the database fixture runs once per backend) and
    ``generated`` says whether Hypothesis generates its inputs.
    """
    found = {name for name in declared if name in NEEDS}
    for fixture in fixtures:
        found.update(FIXTURE_NEEDS.get(fixture, ()))
    if params.get("settings") == "postgresql":
        found.add("postgres")
    if generated:
        found.add("fuzz")
    if "core" in declared and found:
        raise MarkError(f"marked core, but it needs {', '.join(sorted(found))}")
    return frozenset(found or {"core"})


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse a run meant for the compiled core (``LSC_TEST_COMPILED=1``, from scripts/test) that found the sources."""
    if os.environ.get("LSC_TEST_COMPILED") == "1" and not core_compiled():
        raise pytest.UsageError("LSC_TEST_COMPILED=1, but the evaluation core runs from its Python sources")


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by the marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every test the marks for what it needs, so that ``-m core`` can leave out the rest."""
    for item in items:
        function = getattr(item, "function", None)
        callspec = getattr(item, "callspec", None)
        try:
            marks = needs(
                getattr(item, "fixturenames", ()),
                callspec.params if callspec is not None else {},
                {mark.name for mark in item.iter_markers()},
                function is not None and is_hypothesis_test(function),
            )
        except MarkError as error:
            raise pytest.UsageError(f"{item.nodeid}: {error}") from None
        for name in marks - {mark.name for mark in item.iter_markers()}:
            item.add_marker(name)
        group = shared_fixture_group(item)
        if group is not None and item.config.pluginmanager.hasplugin("xdist"):
            item.add_marker(pytest.mark.xdist_group(group))


#: Fixture scopes wider than a test but narrower than a test process (each pytest-xdist worker has its own session).
SHARED_SCOPES = frozenset({"class", "module", "package"})


def shared_fixture_group(item: pytest.Item) -> str | None:
    """Return the test's file when it uses a fixture shared by the tests of a module (a live server, the wheel).

    Run in parallel (``--dist loadgroup``, as scripts/test does), the tests of one group go to one worker, so
    that such a fixture is made once rather than once on each worker that draws one of its tests.
    """
    info = getattr(item, "_fixtureinfo", None)  # pytest's own record of the fixtures a test uses
    if info is None:
        return None
    for definitions in info.name2fixturedefs.values():
        if definitions and definitions[-1].scope in SHARED_SCOPES:
            return item.nodeid.split("::")[0]
    return None


class CoreTestTouchedADatabase(AssertionError):
    """A test marked core opened a database connection."""


@contextmanager
def _no_database_for_core(item: pytest.Item) -> Iterator[None]:
    """Refuse any database connection while a core test (and the fixtures it starts) runs."""
    if item.get_closest_marker("core") is None:
        yield
        return

    def refuse(*_args: object, **_kwargs: object) -> Any:
        raise CoreTestTouchedADatabase(
            f"{item.nodeid} is a core test but opened a database: mark it api (or live), on the test or in pytestmark"
        )

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Engine, "connect", refuse)
        patch.setattr(Engine, "raw_connection", refuse)
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    """Set up a core test's fixtures with the database out of reach."""
    with _no_database_for_core(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Run a core test with the database out of reach."""
    with _no_database_for_core(item):
        return (yield)


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    """The ruleset shipped in rules/."""
    return load_ruleset(RULES)


@pytest.fixture
def client(settings: Settings) -> Iterator[ActingClient]:
    """A client of the app on a fresh database, once per backend, speaking for the party each request is for."""
    with acting_client(settings) as test_client:
        yield test_client


@pytest.fixture
def pages(tmp_path: Path) -> Iterator[ActingClient]:
    """A client of the app on a fresh SQLite file: for tests of the pages and the turns, which one backend serves."""
    settings = Settings(data_dir=tmp_path / "data")
    migrate.upgrade(settings)
    with acting_client(settings) as client:
        yield client


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a fresh, migrated database, once on SQLite and once on PostgreSQL."""
    with fresh_database(request.param, tmp_path) as fresh:
        yield fresh


pytest_plugins = ["tests.browser"]
