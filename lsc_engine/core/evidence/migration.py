"""Migration evidence: rehearsals and the planned daily volume."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, Count, Date, Item, Model


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class Rehearsal(Item):
    """A migration rehearsal or migration test run."""

    date: Date
    attempted: Count
    succeeded: Count

    @model_validator(mode="after")
    def _succeeded_within_attempted(self) -> Rehearsal:
        if self.succeeded > self.attempted:
            raise ValueError(f"succeeded ({self.succeeded}) exceeds attempted ({self.attempted})")
        return self


class Migration(Model):
    """Evidence that migration works and can scale."""

    rehearsals: list[Rehearsal] = Field(default_factory=list)
    planned_daily_volume: Count | None = None
