"""Monthly performance results against the service levels: Code Performance Measures and service providers' measures."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator
from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, Item, Month, Note, Percent
from lsc_engine.core.text import PRINTABLE


class MeasureKind(StrEnum):
    """Whose performance a measure reports."""

    CODE = "code"  # a Code Performance Measure (CPM1, CPM2, ...), which SEC Section H13 sets
    SERVICE_PROVIDER = "service_provider"  # a service provider's Performance Measure (PM2, ...), under its contract

    @classmethod
    def of_name(cls, measure: str) -> MeasureKind:
        """Read a measure's kind from its name: CPM... is a Code Performance Measure, any other a service provider's."""
        return cls.CODE if measure.upper().startswith("CPM") else cls.SERVICE_PROVIDER

    def label(self, measure: str) -> str:
        """Name a measure of this kind for people: "Code Performance Measure CPM1"."""
        return f"{_WORDS[self]} {measure}"


_WORDS = {
    MeasureKind.CODE: "Code Performance Measure",
    MeasureKind.SERVICE_PROVIDER: "service-provider performance measure",
}


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class PerformanceRow(Item):
    """One month's result for one performance measure."""

    measure: Annotated[str, Field(min_length=1, max_length=40, pattern=PRINTABLE)]
    month: Month
    achieved: Percent
    target: Annotated[Percent | None, Field(description="Defaults to the ruleset's target level")] = None
    minimum: Annotated[Percent | None, Field(description="Defaults to the ruleset's minimum level")] = None
    kind: Annotated[
        MeasureKind | None,
        Field(
            description="code: a Code Performance Measure (SEC Section H13); service_provider: a service provider's "
            "Performance Measure. Defaults to what the measure's name says: CPM... is a Code Performance Measure, "
            "any other a service provider's"
        ),
    ] = None

    @model_validator(mode="after")
    def _minimum_not_above_target(self) -> PerformanceRow:
        if self.target is not None and self.minimum is not None and self.minimum > self.target:
            raise ValueError(f"minimum ({self.minimum}) is above target ({self.target})")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class PerformanceAim(Item):
    """A level DCC aims for a measure to reach by a later month: an intention, not a reported result."""

    measure: Annotated[str, Field(min_length=1, max_length=40, pattern=PRINTABLE)]
    aim: Annotated[Percent, Field(description="The level aimed for")]
    by_month: Annotated[Month, Field(description="The month by which it is aimed for")]
    minimum: Annotated[Percent | None, Field(description="The measure's minimum service level, where stated")] = None
    below_minimum: Annotated[
        bool | None,
        Field(description="Whether the aim is below the minimum service level, as stated where the level is not"),
    ] = None
    kind: Annotated[
        MeasureKind | None, Field(description="As for a monthly result; defaults to what the measure's name says")
    ] = None
    note: Note | None = None

    @model_validator(mode="after")
    def _against_the_minimum(self) -> PerformanceAim:
        if self.minimum is None and self.below_minimum is None:
            raise ValueError("an aim gives the minimum service level, or says whether it is below it")
        if (
            self.minimum is not None
            and self.below_minimum is not None
            and self.below_minimum != (self.aim < self.minimum)
        ):
            raise ValueError(
                f"below_minimum ({self.below_minimum}) contradicts aim {self.aim} and minimum {self.minimum}"
            )
        return self

    @property
    def is_below_minimum(self) -> bool:
        """Tell whether the aim is below the minimum service level."""
        return self.aim < self.minimum if self.minimum is not None else bool(self.below_minimum)


def measure_kind(measure: str, rows: Iterable[PerformanceRow]) -> MeasureKind:
    """Return a measure's kind: as the latest of its months that says, else as its name implies."""
    stated: MeasureKind | None = None
    month = ""  # before every month
    for row in rows:  # the last row of the latest month that says, as a stable sort by month would leave it
        if row.kind is not None and row.month >= month:
            stated, month = row.kind, row.month
    return stated if stated is not None else MeasureKind.of_name(measure)
