"""Consumer facts (OPSG): risks to consumers' experience and whether their mitigations are delivered on time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from datetime import date

from lsc_engine.core.days import shift
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.facts.base import (
    Change,
    Declared,
    Fact,
    Parameters,
    Section,
    about,
    count,
    empty_reported_later,
    reported_later,
)
from lsc_engine.core.facts.known import Known

_RISKS = ("consumer_risks",)


class ConsumerFacts(Section):
    """Facts of the consumer risks section: a pending mitigation becomes overdue the day after it is due."""

    declared = (
        Declared("consumer_risks", "consumer-impact risks identified", _RISKS),
        Declared(
            "consumer_risks_reported_from",
            "when every consumer-impact risk in the pack was reported after the as-at date: the date the first was;"
            " for an empty list, the statement's date when that is after the as-at date",
            (*_RISKS, "statement.date"),
        ),
        Declared("consumer_risks_unmitigated", "consumer-impact risks with no mitigation", _RISKS),
        Declared(
            "consumer_risks_pending",
            "consumer-impact risks whose mitigation is still to be delivered",
            _RISKS,
            Change.DUE_DATES,
        ),
        Declared("consumer_risks_pending_due", "latest due date of a pending mitigation", _RISKS, Change.DUE_DATES),
        Declared(
            "consumer_risks_overdue",
            "consumer-impact risks whose mitigation is past its due date",
            _RISKS,
            Change.DUE_DATES,
        ),
    )

    def __init__(self, pack: EvidencePack, parameters: Parameters, known: Known) -> None:
        super().__init__(pack, parameters, known)
        self._risks = known.items(pack.consumer_risks, "consumer_risks")
        name, listed = "consumer_risks_reported_from", pack.consumer_risks
        self._late = reported_later(name, listed, self._risks) or empty_reported_later(
            name, listed, pack.statement.date, known.at
        )

    def facts(self, as_at: date) -> dict[str, Fact]:
        """Derive the consumer facts as at a date: mitigations due before it and not delivered are overdue."""
        if self.pack.consumer_risks is None:
            return {}
        if self._late:  # not yet assessed at the date: no list of risks to read as none
            return dict(self._late)
        risks = self._risks
        open_risks = [r for r in risks if not r.mitigated]
        unmitigated = [r for r in open_risks if not r.mitigation]
        planned = [r for r in open_risks if r.mitigation]
        overdue = [r for r in planned if r.mitigation_due is not None and r.mitigation_due < as_at]
        pending = [r for r in planned if r.mitigation_due is None or r.mitigation_due >= as_at]
        found = {
            "consumer_risks": count(risks),
            "consumer_risks_unmitigated": count(unmitigated),
            "consumer_risks_pending": count(pending),
            "consumer_risks_overdue": count(overdue),
        }
        due = [r.mitigation_due for r in pending if r.mitigation_due is not None]
        if due:
            found["consumer_risks_pending_due"] = about(max(due).isoformat(), pending)
        return found

    def change_dates(
        self, after: date, until: date, names: Set[str], reaching: Mapping[str, Iterable[float]]
    ) -> set[date]:
        """Return the day after each mitigation's due date: from then it is overdue."""
        if not names & self.dated:
            return set()
        return {shift(r.mitigation_due, 1) for r in self._risks if r.mitigation_due is not None}
