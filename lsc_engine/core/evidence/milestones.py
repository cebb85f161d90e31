"""The capability's timeline and its agreed go-live criteria: deployments, the EPCL request, the first migration,
DCC's own statements on stability, and what was agreed (and disputed) as the test for going live."""

from __future__ import annotations

from dataclasses import field
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator
from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, Count, Date, Item, Model, Note, Text


class EventKind(StrEnum):
    """What kind of event a milestone is."""

    DEPLOYMENT = "deployment"
    EPCL_ADDITION_REQUESTED = "epcl_addition_requested"
    EPCL_ADDITION_POSTPONED = "epcl_addition_postponed"
    EPCL_ADDITION_CONSIDERED = "epcl_addition_considered"
    FIRST_MIGRATION = "first_migration"


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class Event(Item):
    """A milestone of the capability: planned for a date, or done on one, or both."""

    event: EventKind
    what: Annotated[Text | None, Field(description="What was or will be deployed, e.g. a code release or a fix")] = None
    planned: Annotated[Date | None, Field(description="The date it is planned for")] = None
    happened: Annotated[Date | None, Field(description="The date it happened; absent while it has not")] = None
    by: Annotated[Text | None, Field(description="Who does or decides it, e.g. BEIS for the EPCL")] = None
    note: Note | None = None

    @model_validator(mode="after")
    def _dated(self) -> Event:
        if self.planned is None and self.happened is None:
            raise ValueError("an event needs the date it is planned for, the date it happened, or both")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class StabilityStatement(Item):
    """A statement, usually DCC's own, that service stability has or has not been achieved."""

    achieved: bool
    on: Annotated[Date, Field(description="The date the statement was made")]
    by: Text = "DCC"
    note: Note | None = None


class CriterionKind(StrEnum):
    """Which default of the ruleset an agreed go-live criterion replaces."""

    STABILITY_WINDOW = "stability_window"
    DEFECT_TOLERANCE = "defect_tolerance"


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class Dissent:
    """A group's recorded disagreement with an agreed criterion."""

    by: Annotated[Text, Field(description="The group or body that disagreed, e.g. OPSG")]
    note: Text


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class GoLiveCriterion(Item):
    """A go-live criterion agreed for this capability, replacing the ruleset's default for it.

    A stability window counts ``days`` without a blocking incident from the later of the last such incident and the
    last deployment; a defect tolerance allows at most ``max_open`` open defects of one ``severity``.
    """

    kind: CriterionKind
    description: Annotated[Text, Field(description="The criterion in the words it was agreed in")]
    agreed_by: Annotated[Text, Field(description="The group or body that agreed it, e.g. TAG, or DCC with BEIS")]
    agreed_on: Date | None = None
    days: Annotated[int | None, Field(ge=1, le=366, description="A stability window's length in days")] = None
    severity: Annotated[
        int | None,
        Field(ge=2, le=4, description="A defect tolerance's severity, 2 to 4: no open Severity 1 defect is tolerated"),
    ] = None
    max_open: Annotated[Count | None, Field(description="The most open defects of that severity allowed")] = None
    dissent: list[Dissent] = field(default_factory=list)

    @model_validator(mode="after")
    def _fields_of_its_kind(self) -> GoLiveCriterion:
        if self.kind == CriterionKind.STABILITY_WINDOW:
            if self.days is None or self.severity is not None or self.max_open is not None:
                raise ValueError("a stability window gives days, and neither severity nor max_open")
        elif self.days is not None or self.severity is None or self.max_open is None:
            raise ValueError("a defect tolerance gives severity and max_open, and not days")
        return self


class Milestones(Model):
    """The capability's timeline and the go-live criteria agreed for it (OPSG and TAG)."""

    events: list[Event] = Field(default_factory=list)
    stability_statements: list[StabilityStatement] = Field(default_factory=list)
    go_live_criteria: list[GoLiveCriterion] = Field(default_factory=list)
