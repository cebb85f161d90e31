"""The statement of readiness and the cohort it covers: Device Model Combinations and exclusions."""

from __future__ import annotations

from dataclasses import field
from enum import StrEnum

from pydantic import Field
from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import (
    RECORD_CONFIG,
    Addressable,
    Count,
    Date,
    Identifier,
    Item,
    Model,
    Note,
    Service,
    Text,
)


class Statement(Model):
    """DCC's statement of readiness that the pack supports."""

    capability: Addressable = Field(description="The operating capability, e.g. MOC-MDS")
    cohort: Text = Field(description="The cohort of meters the statement covers")
    submitted_by: Text
    service: Service = Field(default=Service.SMETS1, description="The DCC service the capability runs on")
    date: Date = Field(description="The statement date; the default as-at date of an evaluation")
    summary: Note | None = None


class InstallationType(StrEnum):
    """How a Device Model Combination is installed."""

    ACTIVE = "active"
    DORMANT = "dormant"
    MIXED = "mixed"


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class Dmc(Item):
    """A Device Model Combination in the cohort."""

    name: Text
    installation_type: InstallationType
    meters: Count | None = None


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class Exclusion(Item):
    """Part of the cohort held back from this statement, and why."""

    dmc_ids: list[Identifier] = field(default_factory=list)
    installation_type: InstallationType | None = None
    reason: Text
    defect_id: Identifier | None = None


class Scope(Model):
    """What the statement covers."""

    dmcs: list[Dmc] = Field(min_length=1)
    exclusions: list[Exclusion] = Field(default_factory=list)
