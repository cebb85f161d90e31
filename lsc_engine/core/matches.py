"""Rule matches by date: a pack's facts derived and its rules matched as at any date, each date once."""

from __future__ import annotations

from datetime import date

from lsc_engine.core import engine
from lsc_engine.core.evidence import EvidencePack, Group
from lsc_engine.core.facts import DECLARED, Change, Derivation, Fact, fact_values
from lsc_engine.core.rating import Rating, worst
from lsc_engine.core.rule_records import RuleRecord, RulesetRecords, records_of
from lsc_engine.core.ruleset import Ruleset

#: A criterion as one group rates it.
Cell = tuple[str, Group]


class Matches:
    """One evaluation's rule matches: the ruleset, the evidence known at ``as_at``, and what fired at each date."""

    def __init__(self, pack: EvidencePack, ruleset: Ruleset, as_at: date) -> None:
        self.pack = pack
        self.ruleset = ruleset
        self.as_at = as_at
        self.derivation = Derivation(pack, ruleset.parameters, known_at=as_at)
        #: The ruleset's rules and criteria as compiled records, which the decision reads.
        self.records: RulesetRecords = records_of(ruleset)
        self._fired: dict[date, tuple[dict[str, Fact], list[RuleRecord]]] = {}
        self._rated: dict[tuple[date, Cell], Rating] = {}

    def fired(self, on: date) -> tuple[dict[str, Fact], list[RuleRecord]]:
        """Return the facts and the fired rules as at a date (no new evidence after ``as_at``)."""
        if on not in self._fired:
            facts = self.derivation.facts(on)
            fired = engine.match(self.ruleset, fact_values(facts))
            self._fired[on] = (facts, [self.records.rules[rule_id] for rule_id in fired])
        return self._fired[on]

    def change_dates(self, cell: Cell, until: date) -> list[date]:
        """Return the dates in (as_at, until] on which the facts the cell's rules read may change, in order.

        Between two of them, and after the last, the cell keeps its rating: only these need probing.
        """
        places, _ = self._part(cell)
        clauses = [clause for place in places for clause in self.ruleset.rules[place].when]
        reaching: dict[str, list[float]] = {}
        for clause in clauses:
            daily = DECLARED[clause.fact].changes is Change.DAILY
            if daily and (operand := self.ruleset.number_operand(clause)) is not None:
                reaching.setdefault(clause.fact, []).append(operand)
        facts = {clause.fact for clause in clauses}
        return self.derivation.change_dates(self.as_at, until, facts, reaching)

    def cell_rating(self, on: date, cell: Cell) -> Rating:
        """Return one cell's rating as at a date, from its own rules matched against the facts they read."""
        if (on, cell) not in self._rated:
            ratings = [rule.rating for rule in self.cell_rules(on, cell)[1]]
            self._rated[(on, cell)] = worst(ratings) if ratings else Rating.INSUFFICIENT_EVIDENCE
        return self._rated[(on, cell)]

    def cell_rules(self, on: date, cell: Cell) -> tuple[dict[str, Fact], list[RuleRecord]]:
        """Return the facts a cell's rules read as at a date, and those of its rules that fire then."""
        part, names = self._part(cell)
        facts = self.derivation.facts(on, names)
        return facts, [self.records.rules[rule_id] for rule_id in engine.match(self.ruleset, fact_values(facts), part)]

    def _part(self, cell: Cell) -> tuple[tuple[int, ...], frozenset[str]]:
        """Return the places of the cell's rules in the ruleset and the facts their clauses read."""
        return self.ruleset.cell_parts.get(cell, ((), frozenset()))

    def cell_ratings(self, on: date) -> dict[Cell, Rating]:
        """Return each cell's rating as at a date, from rules alone."""
        ratings: dict[Cell, list[Rating]] = {}
        for rule in self.fired(on)[1]:
            ratings.setdefault((rule.criterion, rule.group), []).append(rule.rating)
        return {
            (criterion.id, group): worst(ratings[(criterion.id, group)])
            if (criterion.id, group) in ratings
            else Rating.INSUFFICIENT_EVIDENCE
            for criterion, group in self.records.cells
        }
