"""The scope of an evaluation: the DMCs the statement covers and those held back, why, and on what evidence.

The evaluation and the Panel's letter both read the scope from here, so that they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from lsc_engine.core.constructed import constructed
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
from lsc_engine.core.facts.known import Known
from lsc_engine.core.words import day_words


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

    def new(self, dmcs: Iterable[Dmc]) -> list[ScopeDmc]:
        """Build the DMCs' entries anew, in their order (in one loop: a pack may name a hundred thousand)."""
        named = self._named
        built = []
        for dmc in dmcs:
            provenance = dmc.provenance
            dated = provenance.date
            stated = provenance.source, dated
            words = named.get(stated)
            if words is None:
                words = named[stated] = f"Named in the statement ({_where(provenance)})"
            # Positional, in the order the records declare their fields: a third quicker than by name.
            key, confidential = dmc.id, dmc.confidential
            evidence = ScopeEvidence(key, "scope.dmcs", words, dated, confidential)
            built.append(ScopeDmc(key, dmc.name, dmc.installation_type, dmc.meters, evidence, confidential))
        return built

    def held(self, dmc: Dmc) -> ScopeDmc:
        """Return a held-back DMC's entry, built the first time an exclusion holds it back."""
        found = self.built.get(dmc.id)
        if found is None:
            found = self.built[dmc.id] = self.new([dmc])[0]
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


def scope_of(pack: EvidencePack, as_at: date, known: Known | None = None) -> CohortScope:
    """Return the DMCs covered and those held back, from what was stated by the as-at date.

    Given what an evaluation's derivation knew at that date, the scope reads the lists it has read already.
    """
    known = known or Known(as_at)
    if known.at != as_at:
        raise ValueError(f"the scope as at {as_at} cannot be read from what was known at {known.at}")
    dmcs = known.items(pack.scope.dmcs, "scope.dmcs")
    exclusions = known.items(pack.scope.exclusions, "scope.exclusions")
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
    covered = entries.new(dmc for dmc in dmcs if dmc.id not in held_ids) if held_ids else entries.new(dmcs)
    return constructed(CohortScope, covered=covered, held_back=held)


def _holds(dmcs: Sequence[Dmc], exclusions: Sequence[Exclusion]) -> Iterator[tuple[Exclusion, list[Dmc]]]:
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
