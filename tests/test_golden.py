"""Every pack in fixtures/ evaluates to the outcome, and for the reasons, written for it in fixtures/expected/."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lsc_engine import Evaluation, Ruleset, evaluate, read_pack
from lsc_engine.core.rating import Rating

from .conftest import EXPECTED, FIXTURE_PACKS, FIXTURES

PACKS = [FIXTURES / name for name in FIXTURE_PACKS]


def expected_for(pack: Path) -> dict[str, Any]:
    """Read a pack's expected outcome."""
    result: dict[str, Any] = json.loads((EXPECTED / f"{pack.stem}.json").read_text())
    return result


def cell_key(criterion: str, group: str) -> str:
    """Name a (criterion, group) cell as the expected files do."""
    return f"{criterion}/{group}"


def test_fixture_set_is_complete() -> None:
    names = {p.name for p in PACKS}
    assert {"seed-moc-mds-2020-03.json", "seed-moc-secure-2020-08.json"} <= names
    assert len([n for n in names if n.startswith("synthetic-")]) >= 8
    for pack in PACKS:
        assert (EXPECTED / f"{pack.stem}.json").is_file(), f"{pack.name} has no expected outcome"
    assert {p.stem for p in EXPECTED.iterdir()} == {p.stem for p in PACKS}, "an expected outcome without its pack"


@pytest.mark.parametrize("pack", PACKS, ids=[p.stem for p in PACKS])
def test_fixture_outcome(pack: Path, ruleset: Ruleset) -> None:
    expected = expected_for(pack)
    result = evaluate(read_pack(pack), ruleset, as_at=date.fromisoformat(expected["as_at"]))
    check_outcome(result, expected)


def said_for(result: Evaluation, key: str) -> str:
    """Return what every finding of a cell says, one finding a line."""
    cell = next(c for c in result.ratings if cell_key(c.criterion, c.group.value) == key)
    return "\n".join(f.message for f in cell.findings)


def check_outcome(result: Evaluation, expected: dict[str, Any]) -> None:
    """Compare an evaluation with an expected-outcome document, key by key."""
    assert result.overall.value == expected["overall"]
    ratings = {cell_key(c.criterion, c.group.value): c.rating.value for c in result.ratings}
    assert ratings == expected["ratings"]
    for key, rule_ids in expected.get("explanations", {}).items():
        cell = next(c for c in result.ratings if cell_key(c.criterion, c.group.value) == key)
        fired = sorted(f.rule_id for f in cell.findings if f.rating != Rating.GREEN)
        assert fired == sorted(rule_ids), f"{key} is explained by {fired}"
    for key, phrases in expected.get("says", {}).items():
        said = said_for(result, key)
        assert [p for p in phrases if p not in said] == [], f"{key} says: {said}"
    for key, phrases in expected.get("never_says", {}).items():
        said = said_for(result, key)
        assert [p for p in phrases if p in said] == [], f"{key} says: {said}"
    conditions = {c.id: c.kind.value for c in result.conditions}
    assert conditions == expected["conditions"]
    carried = sorted(c.id for c in result.conditions if c.carried_over_from is not None)
    assert carried == sorted(expected.get("carried_over", []))
    assert [b.ref for b in result.blockers.go_live] == expected["blockers"]["go_live"]
    assert [b.ref for b in result.blockers.migration] == expected["blockers"]["migration"]
    milestones = {
        cell_key(p.criterion, p.group.value): {m.rating.value: m.on.isoformat() for m in p.milestones}
        for p in result.path_to_green
        if p.milestones
    }
    assert milestones == expected.get("milestones", {})
    origins = {c.id: c.origin.words() for c in result.conditions if c.origin is not None}
    assert origins == expected.get("origins", {})
    if "scope" in expected:
        check_scope(result, expected["scope"])
    excluded = sorted(e.id for e in result.excluded_evidence)
    assert excluded == sorted(expected.get("excluded_evidence", []))
    confidential = [f.rule_id for c in result.ratings for f in c.findings if f.confidential]
    assert sorted(confidential) == sorted(expected.get("confidential_findings", []))


def check_scope(result: Evaluation, expected: dict[str, Any]) -> None:
    """Compare the DMCs covered and held back, and why and on what evidence each part is held back."""
    assert result.scope is not None
    assert [dmc.id for dmc in result.scope.covered] == expected["covered"]
    held = {part.id: part for part in result.scope.held_back}
    assert sorted(held) == sorted(expected["held_back"])
    for ident, part in expected["held_back"].items():
        found = held[ident]
        assert [dmc.id for dmc in found.dmcs] == part["dmcs"], f"{ident} holds back {found.dmcs}"
        assert [p for p in part["says"] if p not in found.reason] == [], f"{ident} says: {found.reason}"
        assert [e.id for e in found.evidence] == part["evidence"], f"{ident} rests on {found.evidence}"
        cited = "\n".join(e.text for e in found.evidence)
        assert [p for p in part["evidence_says"] if p not in cited] == [], f"{ident} cites: {cited}"
