"""Business continuity and disaster recovery evidence (OPSG): the plan and its tests."""

from __future__ import annotations

from dataclasses import field
from enum import StrEnum
from typing import Annotated

from pydantic import Field
from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, Date, Item, Model, Note
from lsc_engine.core.text import PRINTABLE

#: A service provider's name, as a plan and the pack's list of those required name it.
Provider = Annotated[str, Field(min_length=1, max_length=200, pattern=PRINTABLE)]


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class BcdrPlan(Item):
    """The business continuity and disaster recovery plan."""

    published: bool
    covers_providers: list[Provider] = field(default_factory=list)
    pending_revision: Annotated[Note | None, Field(description="A revision that is promised but not yet published")] = (
        None
    )


class TestResult(StrEnum):
    """How a BCDR test went."""

    PASSED = "passed"
    PASSED_WITH_ACTIONS = "passed_with_actions"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class BcdrTest(Item):
    """A business continuity or disaster recovery test."""

    date: Date
    result: TestResult


class Bcdr(Model):
    """BCDR evidence (OPSG)."""

    plan: BcdrPlan | None = None
    tests: list[BcdrTest] = Field(default_factory=list)
    required_providers: list[Provider] = Field(default_factory=list)
