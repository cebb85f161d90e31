"""The derivation: every section's facts from a pack as at a date, and the dates on which they may change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from datetime import date

from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.facts.base import Fact, Parameters
from lsc_engine.core.facts.catalogue import SECTIONS
from lsc_engine.core.facts.known import Known


class Derivation:
    """A pack prepared for fact derivation as at any date, with only the evidence known at ``known_at``."""

    def __init__(self, pack: EvidencePack, parameters: Parameters, *, known_at: date) -> None:
        self.pack = pack
        self.parameters = parameters
        self.known_at = known_at
        #: What was known at ``known_at``; the scope reads the lists the sections have read from it.
        self.known = known = Known(known_at)
        sections = [kind(pack, parameters, known) for kind in SECTIONS]
        # A section that declares no fact changing with the date is asked once, here.
        self._fixed: dict[str, Fact] = {}
        for section in sections:
            if not section.dated:
                self._fixed |= section.facts(known_at)
        self._dated = [section for section in sections if section.dated]
        self.earlier_conditions = known.items(pack.earlier_conditions, "earlier_conditions")
        self.excluded = sorted(known.excluded, key=lambda e: (e.dated, e.path))

    def facts(self, as_at: date, names: Set[str] | None = None) -> dict[str, Fact]:
        """Derive every fact the known evidence supports, as at a date no earlier than ``known_at``.

        Given ``names``, a dated section that declares none of them is not asked, and only those facts are returned.
        """
        if names is None:
            found = dict(self._fixed)
            for section in self._dated:
                found |= section.facts(as_at)
            return found
        found = {name: self._fixed[name] for name in names if name in self._fixed}
        for section in self._dated:
            if not section.declared_names.isdisjoint(names):
                found |= {name: fact for name, fact in section.facts(as_at).items() if name in names}
        return found

    def change_dates(
        self, after: date, until: date, facts: Iterable[str], reaching: Mapping[str, Iterable[float]]
    ) -> list[date]:
        """List in order the dates in (after, until] on which any of these facts may differ from the day before.

        Each section dates its own facts, as it declares they change. A fact that grows by one a day is dated where
        it reaches one of ``reaching[fact]`` (the values rules compare it with), and where what it counts from may
        change. The list may hold dates on which nothing changes after all, but misses none on which something
        does (given no evidence after ``known_at``).
        """
        names = frozenset(facts)
        found: set[date] = set()
        for section in self._dated:
            found |= section.change_dates(after, until, names, reaching)
        return sorted(day for day in found if after < day <= until)
