"""Risks to consumers' experience and their mitigations."""

from __future__ import annotations

from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, Date, Item, Level, Note, Text


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class ConsumerRisk(Item):
    """A risk to consumers' experience and how it is mitigated."""

    description: Text
    likelihood: Level
    mitigation: Note | None = None
    mitigation_due: Date | None = None
    mitigated: bool = False
