"""Run every rule's own examples through the engine: each must fire, or not, as the rule says."""

from __future__ import annotations

from dataclasses import dataclass

from lsc_engine.core import engine
from lsc_engine.core.ruleset import Ruleset


@dataclass(frozen=True)
class ExampleResult:
    """The outcome of one example of one rule."""

    rule_id: str
    expected_to_fire: bool
    fired: bool
    facts: dict[str, object]

    @property
    def passed(self) -> bool:
        """Tell whether the rule behaved as its example says."""
        return self.expected_to_fire == self.fired


def check_examples(ruleset: Ruleset) -> list[ExampleResult]:
    """Match every example of every rule and record whether that rule fired."""
    results = []
    for rule in ruleset.rules:
        cases = [(True, e) for e in rule.examples.fires] + [(False, e) for e in rule.examples.does_not_fire]
        for expected, facts in cases:
            fired = rule.id in engine.match(ruleset, facts)
            results.append(ExampleResult(rule.id, expected, fired, dict(facts)))
    return results
