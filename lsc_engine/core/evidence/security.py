"""Security evidence (SSC): approvals, testing, assurance, the CIO report, connectivity and recent issues."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field
from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, Count, Date, Item, Level, Model, Note, Person, Text


class ApprovalStatus(StrEnum):
    """State of an approval."""

    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class ArchitectureApproval(Item):
    """Approval of the security architecture."""

    status: ApprovalStatus


class SecurityTestingStatus(StrEnum):
    """Progress of security testing."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class SecurityTesting(Item):
    """Security testing of the capability."""

    status: SecurityTestingStatus
    open_high_findings: Count = 0


class AssuranceStatus(StrEnum):
    """Progress of independent third-party security assurance."""

    NONE = "none"
    IN_PROGRESS = "in_progress"
    REPORTED = "reported"
    CONFIRMED = "confirmed"


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class IndependentAssurance(Item):
    """Independent third-party security assurance."""

    status: AssuranceStatus
    provider: Person | None = None
    scope: Note | None = None


class CioStatus(StrEnum):
    """Progress of the Competent Independent Organisation report."""

    NONE = "none"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class CioReport(Item):
    """The Competent Independent Organisation report."""

    status: CioStatus


class Arrangement(StrEnum):
    """Whether connectivity is the interim or the target arrangement."""

    INTERIM = "interim"
    TARGET = "target"


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class Connectivity(Item):
    """The connectivity the capability uses."""

    arrangement: Arrangement
    description: Text
    target_description: Note | None = None
    target_date: Date | None = None


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class SecurityIssue(Item):
    """A recent security-relevant issue."""

    description: Text
    severity: Level
    resolved: bool = False


class Security(Model):
    """Security evidence (SSC)."""

    architecture: ArchitectureApproval | None = None
    testing: SecurityTesting | None = None
    independent_assurance: IndependentAssurance | None = None
    cio_report: CioReport | None = None
    connectivity: Connectivity | None = None
    recent_issues: list[SecurityIssue] | None = Field(default=None, description="Absent means not reported")
