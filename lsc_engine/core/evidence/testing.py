"""Testing evidence (TAG): test phases, defects and testing issues with their exceptions."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator
from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, Count, Date, Identifier, Item, Model, Note, Person, Text


class PhaseStatus(StrEnum):
    """Progress of a test phase."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class TestPhase(Item):
    """A test phase such as SIT-A, SIT-B, migration testing or regression."""

    name: Text
    status: PhaseStatus
    entry_criteria_met: bool
    exit_criteria_met: bool
    regression: Annotated[bool, Field(description="A regression phase needs every test to pass")] = False
    executed: Count | None = None
    passed: Count | None = None
    completed_on: Date | None = None
    approved_by: Person | None = None

    @model_validator(mode="after")
    def _passed_within_executed(self) -> TestPhase:
        if self.passed is not None and self.executed is not None and self.passed > self.executed:
            raise ValueError(f"passed ({self.passed}) exceeds executed ({self.executed})")
        return self


class DefectStatus(StrEnum):
    """Whether a defect still needs fixing."""

    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class Defect(Item):
    """A defect found in testing."""

    severity: Annotated[int, Field(ge=1, le=4, description="1 is most severe")]
    status: DefectStatus
    user_impact: bool
    phase_id: Identifier | None = None
    fix_due: Date | None = None
    summary: Note | None = None


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class TestException:
    """Acceptance of a testing issue as an exception."""

    accepted_by: Text
    accepted_on: Date
    rationale: Text


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class TestingIssue(Item):
    """An issue raised against a test phase, possibly accepted as an exception."""

    severity: Annotated[int, Field(ge=1, le=4)]
    phase_id: Identifier
    user_impact: bool
    resolved: bool = False
    description: Text
    exception: TestException | None = None


class Testing(Model):
    """Testing evidence (TAG)."""

    phases: list[TestPhase] = Field(default_factory=list)
    defects: list[Defect] | None = Field(default=None, description="Absent means not reported")
    issues: list[TestingIssue] = Field(default_factory=list)
