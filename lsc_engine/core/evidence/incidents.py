"""Live-service incidents."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator
from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, Item, Note, Service, Timestamp


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class Incident(Item):
    """A live-service incident."""

    category: Annotated[int, Field(ge=1, le=5, description="1 is most severe")]
    service: Service
    opened: Timestamp
    resolved: Timestamp | None = None
    caused_by_capability: bool = False
    summary: Note | None = None

    @model_validator(mode="after")
    def _resolved_after_opened(self) -> Incident:
        if self.resolved is not None and self.resolved < self.opened:
            raise ValueError(f"resolved ({self.resolved.isoformat()}) is before opened ({self.opened.isoformat()})")
        return self
