"""The rules and criteria as an evaluation reads them: records holding each one's values, made once per ruleset."""

from __future__ import annotations

from lsc_engine.core.rule_records import records_of
from lsc_engine.core.ruleset import Ruleset, build_ruleset, load_ruleset

#: What a rule record holds, each as the rule gives it.
RULE_FIELDS = ("id", "title", "criterion", "group", "rating", "message", "remedy", "basis", "reads_dated_facts")


def test_each_rule_record_holds_its_rules_values(ruleset: Ruleset) -> None:
    records = records_of(ruleset).rules
    assert list(records) == [rule.id for rule in ruleset.rules]
    for rule in ruleset.rules:
        record = records[rule.id]
        assert [getattr(record, name) for name in RULE_FIELDS] == [getattr(rule, name) for name in RULE_FIELDS]
        assert record.conditions == tuple(rule.conditions)
        assert record.fact_names == tuple(rule.fact_names)
        assert record.provisional is rule.provisional
    assert any(record.provisional for record in records.values())
    assert not all(record.provisional for record in records.values())


def test_the_criteria_and_cells_are_the_catalogues_in_its_order(ruleset: Ruleset) -> None:
    records = records_of(ruleset)
    criteria = ruleset.catalogue.criteria
    assert [(c.id, c.name, c.parent, c.provisional) for c in records.criteria] == [
        (c.id, c.name, c.parent, c.provisional) for c in criteria
    ]
    assert [(c.id, group) for c, group in records.cells] == [(c.id, group) for c, group in ruleset.catalogue.cells]


def test_a_rulesets_records_are_made_once_for_its_digest(ruleset: Ruleset) -> None:
    again = load_ruleset()
    assert again is not ruleset
    assert again.digest == ruleset.digest
    assert records_of(again) is records_of(ruleset)


def test_rulesets_that_differ_in_one_rule_have_records_of_their_own(ruleset: Ruleset) -> None:
    first = ruleset.rules[0]
    changed = [first.model_copy(update={"title": first.title + " (reworded)"}), *ruleset.rules[1:]]
    other = build_ruleset(ruleset.catalogue, ruleset.parameters, changed)
    assert other.digest != ruleset.digest
    assert records_of(other).rules[first.id].title == first.title + " (reworded)"
    assert records_of(ruleset).rules[first.id].title == first.title
