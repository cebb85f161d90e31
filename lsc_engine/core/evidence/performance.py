"""Monthly performance results against the service levels."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator
from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, Item, Month, Percent


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class PerformanceRow(Item):
    """One month's result for one performance measure."""

    measure: Annotated[str, Field(min_length=1, max_length=40)]
    month: Month
    achieved: Percent
    target: Annotated[Percent | None, Field(description="Defaults to the ruleset's target level")] = None
    minimum: Annotated[Percent | None, Field(description="Defaults to the ruleset's minimum level")] = None

    @model_validator(mode="after")
    def _minimum_not_above_target(self) -> PerformanceRow:
        if self.target is not None and self.minimum is not None and self.minimum > self.target:
            raise ValueError(f"minimum ({self.minimum}) is above target ({self.target})")
        return self
