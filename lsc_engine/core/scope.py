"""The scope of an evaluation: the DMCs the statement covers and those held back, why, and on what evidence.

The evaluation and the Panel's letter both read the scope from here, so that they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import TypeVar

from lsc_engine.core.evaluation import CohortScope, ScopeDmc, ScopeEvidence, ScopeHeldBack
from lsc_engine.core.evidence import (
    Defect,
    DefectStatus,
    Dmc,
    EvidencePack,
    Exclusion,
    InstallationType,
    Item,
    Provenance,
)
from lsc_engine.core.facts.known import reported_on
from lsc_engine.core.words import day_words

_I = TypeVar("_I", bound=Item)


def _stated(item: Item, section: str, text: str) -> ScopeEvidence:
    return ScopeEvidence(
        id=item.id,
        section=section,
        text=f"{text} ({_where(item.provenance)})",
        dated=item.provenance.date,
        confidential=item.confidential,
    )


def _where(provenance: Provenance) -> str:
    return f"{provenance.source}, {day_words(provenance.date)}"


class _Dmcs:
    """Builds the scope's DMCs, each once: most were stated in one document, whose words they then share."""

    def __init__(self) -> None:
        self.built: dict[str, ScopeDmc] = {}
        self._named: dict[tuple[str, date], str] = {}

    def new(self, dmc: Dmc) -> ScopeDmc:
        """Build a DMC's entry anew."""
        provenance = dmc.provenance
        stated = provenance.source, provenance.date
        named = self._named.get(stated)
        if named is None:
            named = self._named[stated] = f"Named in the statement ({_where(provenance)})"
        return ScopeDmc(
            id=dmc.id,
            name=dmc.name,
            installation_type=dmc.installation_type,
            meters=dmc.meters,
            evidence=ScopeEvidence(
                id=dmc.id, section="scope.dmcs", text=named, dated=provenance.date, confidential=dmc.confidential
            ),
            confidential=dmc.confidential,
        )

    def held(self, dmc: Dmc) -> ScopeDmc:
        """Return a held-back DMC's entry, built the first time an exclusion holds it back."""
        found = self.built.get(dmc.id)
        if found is None:
            found = self.built[dmc.id] = self.new(dmc)
        return found


def _defect_words(defect: Defect) -> str:
    state = "Open" if defect.status == DefectStatus.OPEN else "Closed"
    due = f", fix due {day_words(defect.fix_due)}" if defect.fix_due and defect.status == DefectStatus.OPEN else ""
    summary = f": {defect.summary}" if defect.summary else ""
    return f"{state} Severity {defect.severity} defect{due}{summary}"


def _held_back(exclusion: Exclusion, dmcs: list[ScopeDmc], defects: dict[str, Defect]) -> ScopeHeldBack:
    evidence = [_stated(exclusion, "scope.exclusions", "Held back by DCC")]
    defect = defects.get(exclusion.defect_id) if exclusion.defect_id else None
    if defect is not None:
        evidence.append(_stated(defect, "testing.defects", _defect_words(defect)))
    return ScopeHeldBack(
        id=exclusion.id,
        dmcs=dmcs,
        installation_type=exclusion.installation_type,
        reason=exclusion.reason,
        evidence=evidence,
        confidential=exclusion.confidential,
    )


def scope_of(pack: EvidencePack, as_at: date) -> CohortScope:
    """Return the DMCs covered and those held back, from what was stated by the as-at date."""
    dmcs = _stated_by(pack.scope.dmcs, as_at)
    exclusions = _stated_by(pack.scope.exclusions, as_at)
    # Only the defects an exclusion names are looked up: a pack may hold hundreds of thousands.
    named_defects = {e.defect_id for e in exclusions if e.defect_id}
    listed_defects = (pack.testing.defects or []) if pack.testing is not None and named_defects else []
    defects = {d.id: d for d in listed_defects if d.id in named_defects and d.provenance.date <= as_at}
    entries = _Dmcs()
    held = [
        _held_back(exclusion, list(map(entries.held, parts)), defects) for exclusion, parts in _holds(dmcs, exclusions)
    ]
    held_ids = entries.built.keys()
    # Built from the pack's validated values, not validated again: a pack may name a hundred thousand DMCs.
    covered = [entries.new(dmc) for dmc in dmcs if dmc.id not in held_ids] if held_ids else list(map(entries.new, dmcs))
    return CohortScope.model_construct(covered=covered, held_back=held)


def _holds(dmcs: list[Dmc], exclusions: list[Exclusion]) -> Iterator[tuple[Exclusion, list[Dmc]]]:
    """Pair each exclusion with the DMCs it holds back, in the pack's order, without reading every DMC for each.

    Named DMCs are held back; an exclusion naming none holds back every DMC of its installation type.
    """
    position = {dmc.id: index for index, dmc in enumerate(dmcs)} if any(e.dmc_ids for e in exclusions) else {}
    of_type: dict[InstallationType | None, list[Dmc]] = {}
    if not all(e.dmc_ids for e in exclusions):
        for dmc in dmcs:
            of_type.setdefault(dmc.installation_type, []).append(dmc)
    for exclusion in exclusions:
        if exclusion.dmc_ids:
            # A DMC named but not yet stated by the as-at date is not held back yet.
            found = {position[dmc_id] for dmc_id in exclusion.dmc_ids if dmc_id in position}
            yield exclusion, [dmcs[index] for index in sorted(found)]
        else:
            yield exclusion, of_type.get(exclusion.installation_type, [])


def _stated_by(items: Sequence[_I], as_at: date) -> list[_I]:
    """Return the items stated by the as-at date, in their order."""
    if not items or max(map(reported_on, items)) <= as_at:  # the usual case, in C
        return list(items)
    return [item for item in items if item.provenance.date <= as_at]
