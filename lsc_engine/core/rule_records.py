"""The rules and criteria as an evaluation reads them: compiled records, made once per ruleset.

A rule or a criterion is a pydantic model, and each of its attributes is read through pydantic's hook: a small
evaluation read about four hundred of them. A record holds the same values in a compiled class, read in C.
"""

from __future__ import annotations

from typing import Final

from lsc_engine.core.evidence import Group
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import ConditionTemplate, Criterion, Rule, Ruleset


class RuleRecord:
    """What an evaluation reads of a rule: who and what it rates, its words, and the facts it reads."""

    def __init__(self, rule: Rule) -> None:
        self.id: Final[str] = rule.id
        self.title: Final[str] = rule.title
        self.criterion: Final[str] = rule.criterion
        self.group: Final[Group] = rule.group
        self.rating: Final[Rating] = rule.rating
        self.message: Final[str] = rule.message
        self.remedy: Final[str | None] = rule.remedy
        self.basis: Final[str] = rule.basis
        self.conditions: Final[tuple[ConditionTemplate, ...]] = tuple(rule.conditions)
        self.fact_names: Final[tuple[str, ...]] = tuple(rule.fact_names)
        self.reads_dated_facts: Final[bool] = rule.reads_dated_facts
        self.provisional: Final[bool] = rule.provisional


class CriterionRecord:
    """What an evaluation reads of a criterion: its id, name, parent, and whether it is provisional."""

    def __init__(self, criterion: Criterion) -> None:
        self.id: Final[str] = criterion.id
        self.name: Final[str] = criterion.name
        self.parent: Final[str | None] = criterion.parent
        self.provisional: Final[bool] = criterion.provisional


class RulesetRecords:
    """A ruleset's rules by id, its criteria in order, and the cells they are rated in, as records."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.rules: Final[dict[str, RuleRecord]] = {rule.id: RuleRecord(rule) for rule in ruleset.rules}
        criteria = {criterion.id: CriterionRecord(criterion) for criterion in ruleset.catalogue.criteria}
        self.criteria: Final[tuple[CriterionRecord, ...]] = tuple(criteria.values())
        self.cells: Final[tuple[tuple[CriterionRecord, Group], ...]] = tuple(
            (criteria[criterion.id], group) for criterion, group in ruleset.catalogue.cells
        )


#: The records of each ruleset asked for, by its digest: ``build_ruleset`` seals a ruleset with the digest of all it
#: holds, and the engine keys the rules it loads into durable-rules by it too.
_RECORDS: dict[str, RulesetRecords] = {}


def records_of(ruleset: Ruleset) -> RulesetRecords:
    """Return a ruleset's records, made the first time they are asked for."""
    known = _RECORDS.get(ruleset.digest)
    if known is None:  # two threads may both make them: the records are alike, and either is kept
        known = _RECORDS[ruleset.digest] = RulesetRecords(ruleset)
    return known
