"""The incidents known at a date, read once for every section of facts that counts them."""

from __future__ import annotations

from collections.abc import Sequence, Set
from datetime import date, datetime
from itertools import compress
from operator import attrgetter

from lsc_engine.core.evidence import EvidencePack, Incident
from lsc_engine.core.facts.base import Parameters
from lsc_engine.core.facts.known import Known, reported_on

#: When an incident opened (read in ``map``, like ``reported_on``).
opened_at = attrgetter("opened")
_category = attrgetter("category")


class IncidentLog:
    """The incidents known at a date, in the pack's order, with their latest report and the blocking ones.

    The incidents and milestone sections both read them, and a pack may list a hundred thousand: the list is read
    once per derivation (``of``), and the incidents left out are recorded as excluded once.
    """

    def __init__(self, pack: EvidencePack, parameters: Parameters, known: Known) -> None:
        listed = pack.incidents or []
        latest = max(map(reported_on, listed)) if listed else None
        if latest is None or (latest <= known.at and max(map(opened_at, listed)) < known.end):  # the usual case
            self.known: tuple[Incident, ...] = tuple(listed)
        else:
            at, end = known.at, known.end
            late = [i for i, incident in enumerate(listed) if incident.provenance.date > at or incident.opened >= end]
            self.known = known.without(listed, late, "incidents", [known_from(listed[i]) for i in late])
            latest = max(map(reported_on, self.known)) if self.known else None
        #: The latest report date of the incidents known (None when none is).
        self.latest_report: date | None = latest
        #: The incidents known of the categories that block stability, in the pack's order.
        self.blocking = blocking_of(self.known, set(parameters.blocking_categories))
        self._end = known.end

    def resolved(self, incident: Incident) -> datetime | None:
        """When an incident ended, as far as was known at the date (None: still open then)."""
        if incident.resolved is None or incident.resolved >= self._end:
            return None
        return incident.resolved

    @classmethod
    def of(cls, pack: EvidencePack, parameters: Parameters, known: Known) -> IncidentLog:
        """Return the log of the incidents known at ``known``'s date, read the first time a section asks."""
        found = known.shared.get(cls)
        if not isinstance(found, cls):
            found = known.shared[cls] = cls(pack, parameters, known)
        return found


def blocking_of(incidents: Sequence[Incident], categories: Set[int]) -> tuple[Incident, ...]:
    """Return the incidents of the blocking categories, in their order (in C: a pack may hold a hundred thousand)."""
    return tuple(compress(incidents, map(categories.__contains__, map(_category, incidents))))


def known_from(incident: Incident) -> date:
    """Return the date an incident became known: its report's, or its opening's when that is later."""
    return max(incident.provenance.date, incident.opened.date())
