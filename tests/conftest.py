"""Shared fixtures: the shipped ruleset and the fixture packs."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsc_engine import Ruleset, load_ruleset

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RULES = ROOT / "rules"


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    """The ruleset shipped in rules/."""
    return load_ruleset(RULES)
