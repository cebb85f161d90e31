"""Identifiers, texts, timestamps and the bases every section and record of a pack is built on."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.dataclasses import dataclass

from lsc_engine.core.text import ADDRESSABLE, PRINTABLE
from lsc_engine.core.written import as_utc, written_as_a_date, written_as_a_time

SCHEMA_VERSION = "1"

Identifier = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")]
#: An identifier that is part of web addresses (a capability's): no slashes, colons or escapes to go wrong.
Addressable = Annotated[str, Field(min_length=1, max_length=120, pattern=ADDRESSABLE)]
#: Text people read: a name, description or reason, printable (see ``core.text``).
Text = Annotated[str, Field(min_length=1, max_length=4000, pattern=PRINTABLE)]
#: Text that may be empty.
Note = Annotated[str, Field(max_length=4000, pattern=PRINTABLE)]
#: Who did something: a person's or body's name.
Person = Annotated[str, Field(max_length=200, pattern=PRINTABLE)]
Percent = Annotated[float, Field(ge=0, le=100)]
Count = Annotated[int, Field(ge=0)]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="A calendar month, YYYY-MM")]


# After the checks of ``core.written`` the text is parsed as pydantic parses it (not strictly, which would refuse
# text here).
#: A calendar date, written YYYY-MM-DD.
Date = Annotated[date, BeforeValidator(written_as_a_date), Field(strict=False)]
#: A moment, written YYYY-MM-DDTHH:MM with an optional offset (UTC without one).
Timestamp = Annotated[datetime, BeforeValidator(written_as_a_time), AfterValidator(as_utc), Field(strict=False)]


class Group(StrEnum):
    """A Panel sub-committee that rates criteria."""

    TAG = "TAG"
    OPSG = "OPSG"
    SSC = "SSC"


class Service(StrEnum):
    """The DCC service an incident affected."""

    SMETS1 = "SMETS1"
    SMETS2 = "SMETS2"


class Level(StrEnum):
    """A coarse likelihood or impact level."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ConditionKind(StrEnum):
    """What a condition does to go-live and migration."""

    PREREQUISITE_GO_LIVE = "prerequisite_go_live"
    PREREQUISITE_MIGRATION = "prerequisite_migration"
    ONGOING_REPORTING = "ongoing_reporting"
    PAUSE_TRIGGER = "pause_trigger"
    CARRIED_OVER = "carried_over"


class Model(BaseModel):
    """Base of every pack section: unknown fields are errors, types are not coerced, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


#: The records' equivalent of ``Model``'s configuration (``frozen`` is given to each ``@dataclass``).
RECORD_CONFIG = ConfigDict(extra="forbid", strict=True)


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class Provenance:
    """Where an item of evidence comes from and the date it speaks for."""

    source: Annotated[Text, Field(description="The document or system the item was taken from")]
    date: Annotated[Date, Field(description="The date the evidence was produced; later than as_at means not yet known")]


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class Item:
    """An item of evidence: identified, dated, and possibly confidential."""

    id: Identifier
    provenance: Provenance
    confidential: Annotated[bool, Field(description="Visible only to the owning group and the Panel when true")] = False
