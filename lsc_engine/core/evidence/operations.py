"""Operational readiness evidence (OPSG): DCC's acceptance, service providers and Service Users."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator
from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, Count, Date, Item, Model, Person, Text


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class OperationalAcceptance(Item):
    """DCC operational acceptance of the capability."""

    given: bool
    date: Annotated[Date | None, Field(description="When given, or when planned if not yet given")] = None
    by: Person | None = None


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class ServiceProvider(Item):
    """A service provider the capability depends on."""

    name: Text
    ready: bool


class Operations(Model):
    """Operational readiness evidence (OPSG)."""

    acceptance: OperationalAcceptance | None = None
    service_providers: list[ServiceProvider] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class UserReadiness(Item):
    """How ready Service Users say they are."""

    surveyed: Count
    ready: Count

    @model_validator(mode="after")
    def _ready_within_surveyed(self) -> UserReadiness:
        if self.ready > self.surveyed:
            raise ValueError(f"ready ({self.ready}) exceeds surveyed ({self.surveyed})")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class Communication(Item):
    """A notice to Service Users about the change."""

    date: Date
    audience: Text


class ServiceUsers(Model):
    """Service User readiness evidence (OPSG)."""

    readiness: UserReadiness | None = None
    communications: list[Communication] = Field(default_factory=list)
