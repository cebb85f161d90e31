"""The marks that split the suite: each test carries what it needs, and a core test cannot reach a database."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsc_engine import Ruleset
from lsc_engine.settings import Settings
from lsc_engine.store.db import make_engine

from .conftest import CoreTestTouchedADatabase, MarkError, needs, shared_fixture_group


@pytest.mark.parametrize(
    ("fixtures", "params", "declared", "generated", "expected"),
    [
        ([], {}, set(), False, {"core"}),
        (["tmp_path"], {}, set(), False, {"core"}),
        (["client", "settings", "tmp_path"], {"settings": "sqlite"}, set(), False, {"api"}),
        (["client", "settings"], {"settings": "postgresql"}, set(), False, {"api", "postgres"}),
        (["visit", "browser", "seeded_server"], {}, set(), False, {"browser", "live"}),
        ([], {}, set(), True, {"fuzz"}),
        (["tmp_path"], {}, {"live", "parametrize"}, False, {"live"}),
        (["tmp_path_factory"], {}, {"wheel", "live"}, False, {"wheel", "live"}),
        (["settings", "tmp_path"], {"settings": "postgresql"}, {"live"}, False, {"api", "live", "postgres"}),
    ],
)
def test_a_test_carries_what_it_declares_and_what_its_fixtures_need(
    fixtures: list[str], params: dict[str, object], declared: set[str], generated: bool, expected: set[str]
) -> None:
    assert needs(fixtures, params, declared, generated) == expected


def test_a_test_marked_core_that_uses_a_database_is_refused() -> None:
    with pytest.raises(MarkError, match="marked core, but it needs api"):
        needs(["settings"], {"settings": "sqlite"}, {"core"}, False)


def test_this_test_is_core(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("core") is not None
    assert not any(
        request.node.get_closest_marker(name) for name in ("api", "postgres", "live", "browser", "fuzz", "wheel")
    )


def test_a_core_test_cannot_open_a_database(tmp_path: Path) -> None:
    engine = make_engine(Settings(data_dir=tmp_path / "data"))
    try:
        with pytest.raises(CoreTestTouchedADatabase, match="is a core test but opened a database"):
            engine.connect()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def shared_by_the_module() -> str:
    """A fixture the tests of this module share, as a seeded live server is shared."""
    return "made once"


def test_a_test_sharing_a_module_fixture_runs_with_the_rest_of_its_file(
    request: pytest.FixtureRequest, shared_by_the_module: str
) -> None:
    assert shared_fixture_group(request.node) == "tests/test_markers.py"
    group = request.node.get_closest_marker("xdist_group")
    assert group is not None, "not grouped for pytest-xdist's loadgroup"
    assert group.args == ("tests/test_markers.py",)


def test_a_test_with_fixtures_of_its_own_or_of_the_session_goes_to_any_worker(
    request: pytest.FixtureRequest, tmp_path: Path, ruleset: Ruleset
) -> None:
    assert shared_fixture_group(request.node) is None
    assert request.node.get_closest_marker("xdist_group") is None
