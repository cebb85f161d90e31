"""Fact declarations: each fact declared once, by the section that derives it, reading only what it says it reads.

How each fact changes with the date is checked day by day in test_facts.py (``unlisted_changes``).
"""

from __future__ import annotations

import json
import types
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, Union, get_args, get_origin

import pytest
from hypothesis import given, settings
from pydantic import BaseModel

from lsc_engine import Ruleset
from lsc_engine.core.evidence import EvidencePack, Service
from lsc_engine.core.facts import DECLARED, SECTIONS, Derivation, Fact
from lsc_engine.core.facts.base import FixedSection
from lsc_engine.core.facts.known import Known
from lsc_engine.core.loading import parse_pack, read_pack
from lsc_engine.core.ruleset import placeholders

from .conftest import FIXTURE_PACKS, FIXTURES
from .strategies import packs


def named_by_rules(ruleset: Ruleset) -> set[str]:
    """Every fact a rule names: in its clauses, its templates (less parameters) and its examples."""
    names: set[str] = set()
    for rule in ruleset.rules:
        names |= {clause.fact for clause in rule.when}
        for text in [rule.message, rule.remedy or "", *(c.text for c in rule.conditions)]:
            names |= set(placeholders(text)) - ruleset.parameters.names()
        for example in [*rule.examples.fires, *rule.examples.does_not_fire]:
            names |= set(example)
    return names


def test_every_fact_a_rule_names_is_declared_once_by_one_section(ruleset: Ruleset) -> None:
    declared = Counter(fact.name for section in SECTIONS for fact in section.declared)
    assert [name for name, times in declared.items() if times > 1] == []
    assert set(declared) == set(DECLARED)
    assert named_by_rules(ruleset) <= set(DECLARED)
    assert all(fact.meaning and fact.reads for fact in DECLARED.values())


def test_a_section_derived_once_declares_no_fact_that_changes_with_the_date() -> None:
    fixed = [section for section in SECTIONS if issubclass(section, FixedSection)]
    assert fixed  # most sections are
    assert [section.__name__ for section in fixed if section.dated] == []


def field_model(annotation: Any) -> type[BaseModel] | None:
    """Return the model a field holds (itself, or in an optional), if it holds one."""
    if get_origin(annotation) in (Union, types.UnionType):
        return next((m for m in map(field_model, get_args(annotation)) if m is not None), None)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def is_pack_path(path: str) -> bool:
    """Whether a dotted path names a field of the pack model, through its sections."""
    model: type[BaseModel] | None = EvidencePack
    *sections, leaf = path.split(".")
    for name in sections:
        if model is None or name not in model.model_fields:
            return False
        model = field_model(model.model_fields[name].annotation)
    return model is not None and leaf in model.model_fields


def test_every_path_a_fact_reads_is_a_field_of_the_pack() -> None:
    assert {"statement.service", "bcdr.required_providers", "incidents"} <= set(pack_paths())
    assert is_pack_path("bcdr.plan")
    assert not is_pack_path("bcdr.plans")
    assert not is_pack_path("statement.date.x")
    assert [(fact.name, path) for fact in DECLARED.values() for path in fact.reads if not is_pack_path(path)] == []


def derived_by_section(pack: EvidencePack, ruleset: Ruleset, as_at: date) -> dict[str, set[str]]:
    """Return the names of the facts each section derives as at a date and a little later."""
    known = Known(as_at)
    return {
        kind.__name__: {name for day in (as_at, as_at + timedelta(days=60)) for name in section.facts(day)}
        for kind in SECTIONS
        for section in [kind(pack, ruleset.parameters, known)]
    }


def undeclared(pack: EvidencePack, ruleset: Ruleset, as_at: date) -> list[tuple[str, str]]:
    """List (section, fact) for each fact a section derives that it does not declare."""
    declared = {kind.__name__: {fact.name for fact in kind.declared} for kind in SECTIONS}
    found = derived_by_section(pack, ruleset, as_at)
    return [(section, name) for section, names in found.items() for name in sorted(names - declared[section])]


@pytest.mark.parametrize("name", FIXTURE_PACKS)
def test_a_fixture_section_derives_only_the_facts_it_declares(ruleset: Ruleset, name: str) -> None:
    pack = read_pack(FIXTURES / name)
    assert undeclared(pack, ruleset, pack.statement.date) == []


@settings(max_examples=30, deadline=None)
@given(drawn=packs())
def test_a_section_derives_only_the_facts_it_declares(ruleset: Ruleset, drawn: tuple[dict[str, Any], date]) -> None:
    document, as_at = drawn
    assert undeclared(parse_pack(json.dumps(document).encode()), ruleset, as_at) == []


def changed(pack: EvidencePack, path: str) -> EvidencePack | None:
    """Return the pack with the field at a path emptied or changed, or None if there is nothing to change there."""
    *parents, leaf = path.split(".")
    chain: list[BaseModel] = [pack]
    for name in parents:
        section = getattr(chain[-1], name)
        if section is None:
            return None
        chain.append(section)
    current = getattr(chain[-1], leaf)
    annotation = type(chain[-1]).model_fields[leaf].annotation
    replacement: Any
    if isinstance(current, Service):
        replacement = Service.SMETS2 if current == Service.SMETS1 else Service.SMETS1
    elif isinstance(current, list) and current:
        replacement = []
    elif current is not None and type(None) in get_args(annotation):
        replacement = None
    else:
        return None
    model = chain[-1].model_copy(update={leaf: replacement})
    for parent, name in zip(reversed(chain[:-1]), reversed(parents), strict=True):
        model = parent.model_copy(update={name: model})
    assert isinstance(model, EvidencePack)
    return model


def pack_paths() -> list[str]:
    """List every field of the pack and of its sections by dotted path: all that the test below empties or changes."""
    paths = []
    for name, field in EvidencePack.model_fields.items():
        paths.append(name)
        section = field_model(field.annotation)
        if section is not None:
            paths += [f"{name}.{inner}" for inner in section.model_fields]
    return paths


def reads(name: str, path: str) -> bool:
    """Whether a fact declares it reads a path, a part of it, or what holds it."""
    return any(
        read == path or read.startswith(path + ".") or path.startswith(read + ".") for read in DECLARED[name].reads
    )


def differing(first: dict[str, Fact], second: dict[str, Fact]) -> Iterator[str]:
    """Yield the names of the facts that are not the same in both (value, evidence, or being there at all)."""
    yield from (name for name in first.keys() | second.keys() if first.get(name) != second.get(name))


def undeclared_reads(pack: EvidencePack, ruleset: Ruleset, as_at: date) -> list[tuple[str, str]]:
    """List (path, fact) for each fact that changes when a field of the pack does though it declares no read of it."""
    days = (as_at, as_at + timedelta(days=60))
    before = [Derivation(pack, ruleset.parameters, known_at=as_at).facts(day) for day in days]
    found = []
    for path in pack_paths():
        other = changed(pack, path)
        if other is None:
            continue
        derivation = Derivation(other, ruleset.parameters, known_at=as_at)
        for facts, day in zip(before, days, strict=True):
            found += [(path, name) for name in differing(facts, derivation.facts(day)) if not reads(name, path)]
    return sorted(set(found))


def test_changing_a_field_changes_only_the_facts_that_read_it(ruleset: Ruleset) -> None:
    pack = read_pack(FIXTURES / "seed-moc-mds-2020-03.json")
    as_at = pack.statement.date
    facts = Derivation(pack, ruleset.parameters, known_at=as_at).facts(as_at)

    def differs_after(path: str) -> list[str]:
        other = changed(pack, path)
        assert other is not None
        return sorted(differing(facts, Derivation(other, ruleset.parameters, known_at=as_at).facts(as_at)))

    assert "incidents_blocking_service_lookback" in differs_after("statement.service")
    assert "incidents_reported" in differs_after("incidents")
    assert differs_after("bcdr.required_providers") == ["bcdr_uncovered_provider_names", "bcdr_uncovered_providers"]
    assert {"test_phases", "defects_open_sev1"} <= set(differs_after("testing"))
    assert undeclared_reads(pack, ruleset, as_at) == []


@pytest.mark.parametrize("name", FIXTURE_PACKS)
def test_a_fixture_fact_reads_only_what_it_declares(ruleset: Ruleset, name: str) -> None:
    pack = read_pack(FIXTURES / name)
    assert undeclared_reads(pack, ruleset, pack.statement.date) == []


@settings(max_examples=20, deadline=None)
@given(drawn=packs())
def test_a_fact_reads_only_what_it_declares(ruleset: Ruleset, drawn: tuple[dict[str, Any], date]) -> None:
    document, as_at = drawn
    assert undeclared_reads(parse_pack(json.dumps(document).encode()), ruleset, as_at) == []
