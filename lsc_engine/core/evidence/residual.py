"""Risks DCC says remain after go-live."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, Item, Level, Text


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class ResidualRisk(Item):
    """A risk DCC says remains after go-live."""

    description: Text
    likelihood: Level
    impact: Level
    mitigation: Annotated[str | None, Field(max_length=4000)] = None
    accepted_by: Annotated[str | None, Field(max_length=200)] = None
