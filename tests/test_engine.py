"""The durable-rules adapter: the only importer of durable_rules, correct under concurrent callers."""

from __future__ import annotations

import ast
import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from lsc_engine import Ruleset, evaluate, read_pack
from lsc_engine.core.compiled import core_compiled
from lsc_engine.core.engine import _fired_index, match, to_json
from lsc_engine.core.facts import Fact

from .conftest import FIXTURES, ROOT


def imports_of(path: str) -> set[str]:
    """Return the top-level module names a Python file imports."""
    tree = ast.parse((ROOT / path).read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_adapter_imports_durable_rules() -> None:
    importers = sorted(
        str(path.relative_to(ROOT))
        for folder in ("lsc_engine", "api", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if any(name.startswith("durable") for name in imports_of(str(path.relative_to(ROOT))))
    )
    assert importers == ["lsc_engine/core/engine.py"]


def test_match_returns_fired_rules_in_ruleset_order(ruleset: Ruleset) -> None:
    fired = match(ruleset, {"defects_open_sev1": 2, "defects_open_sev2": 1, "defects_open_sev3": 0})
    assert [r for r in fired if r.startswith("LSC2")] == ["LSC2-TAG-sev1-open", "LSC2-TAG-sev2-open"]
    order = [rule.id for rule in ruleset.rules]
    assert fired == sorted(fired, key=order.index)
    assert "LSC1-TAG-no-phases" in fired


def test_a_comparison_never_holds_for_an_absent_fact(ruleset: Ruleset) -> None:
    fired = match(ruleset, {})
    assert "LSC10.2-SSC-incomplete" not in fired
    assert "LSC10.2-SSC-unknown" in fired


def test_no_rule_firing_is_an_empty_answer(ruleset: Ruleset) -> None:
    facts = {"test_phases": 1, "defects_open_sev1": 0}
    assert [r for r in match(ruleset, facts) if r.startswith("LSC2-TAG-sev")] == []


def test_concurrent_evaluations_agree_with_serial_ones(ruleset: Ruleset) -> None:
    packs = [read_pack(FIXTURES / "seed-moc-mds-2020-03.json"), read_pack(FIXTURES / "seed-moc-secure-2020-08.json")]
    dates = [date(2020, 3, 6), date(2020, 8, 7), date(2020, 8, 20), date(2020, 9, 1)]
    jobs = [(packs[i % 2], dates[i % 4]) for i in range(160)]
    serial = [evaluate(pack, ruleset, as_at=when).model_dump_json() for pack, when in jobs[:8]]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda job: evaluate(job[0], ruleset, as_at=job[1]).model_dump_json(), jobs))
    assert all(parallel[i] == serial[i % 8] for i in range(len(jobs)))


def test_the_core_is_given_floats_without_exponents() -> None:
    definition = {"a": 1e-05, "b": [1e20, 2.5, True, None, "x\u00e9"], "c": {"n": 7}}
    assert to_json(definition) == '{"a":0.00001,"b":[100000000000000000000,2.5,true,null,"x\u00e9"],"c":{"n":7}}'
    assert json.loads(to_json(definition)) == definition


def test_tiny_and_huge_fact_values_are_matched_as_numbers(ruleset: Ruleset) -> None:
    shares = [1e-05, 0.0001, 99.99999, 1e16]
    fired = [match(ruleset, {"user_readiness_percent": share}) for share in shares]
    assert fired == [match(ruleset, {"user_readiness_percent": float(f"{share:f}")}) for share in shares]
    assert fired[0] != fired[-1]  # the comparison was made, not refused


def test_no_core_module_asks_for_the_time() -> None:
    """The date an evaluation speaks for is passed in; the core never reads a clock."""
    clock = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|time\.time|time\.monotonic|perf_counter)\b")
    readers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "lsc_engine" / "core").rglob("*.py")
        if clock.search(path.read_text())
    )
    assert readers == []


#: How a value that is not a fact value is refused: in words by the sources, and by the compiled core where the value's
#: type is declared, before the words are reached.
REFUSED_FACT = "got .*Fact$" if core_compiled() else "must be a text, a number or true or false, not Fact"


def test_a_match_refuses_a_value_that_is_not_a_fact_value_and_keeps_working(ruleset: Ruleset) -> None:
    facts = {"defects_open_sev1": 2, "defects_open_sev2": 1}
    expected = match(ruleset, facts)
    for _ in range(1100):  # more than the sessions the core can hold, were a refused match to leave one behind
        with pytest.raises(TypeError, match=REFUSED_FACT):
            match(ruleset, {**facts, "defects_open_sev3": Fact(0)})  # type: ignore[dict-item]
    assert match(ruleset, facts) == expected


@pytest.mark.parametrize(("reported", "index"), [('{"r12":{"m":{}}}', 12), ('{"r0":1}', 0), ('{ "r7" : {"m": {}}}', 7)])
def test_the_rule_that_fired_is_read_from_the_cores_report(reported: str, index: int) -> None:
    assert _fired_index(reported) == index


@pytest.mark.parametrize("reported", ['{"r123', '{"r12"}', '{"rx":1}', '{"r":1}'])
def test_a_report_that_names_no_rule_is_refused(reported: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        _fired_index(reported)
