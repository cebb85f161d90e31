"""Risks DCC says remain after go-live."""

from __future__ import annotations

from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, Item, Level, Note, Person, Text


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class ResidualRisk(Item):
    """A risk DCC says remains after go-live."""

    description: Text
    likelihood: Level
    impact: Level
    mitigation: Note | None = None
    #: Who accepted the risk, as the pack lists them ("DCC; OPSG; TAG"); each group accepts for itself.
    accepted_by: Person | None = None
