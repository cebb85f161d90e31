"""The evidence pack: what DCC submits with its statement of readiness (pydantic v2 models).

The sections of a pack are models; the records inside them (items of evidence and their parts) are slotted,
frozen pydantic dataclasses. Both validate and publish their schema the same way, but a pack may hold hundreds
of thousands of records, and a slotted record takes about a fifth of a model's memory and builds faster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from datetime import UTC, datetime
from datetime import date as Date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass

from lsc_engine.core.days import FIRST_MOMENT, LAST_MOMENT

SCHEMA_VERSION = "1"

Identifier = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Percent = Annotated[float, Field(ge=0, le=100)]
Count = Annotated[int, Field(ge=0)]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="A calendar month, YYYY-MM")]


def _as_utc(value: datetime) -> datetime:
    """Read a timestamp without an offset as UTC, and express every timestamp in UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)  # even at offset zero: comparing datetimes that share one tzinfo is much faster
    except OverflowError:  # an offset that takes it past the calendar's first or last moment: held there
        return FIRST_MOMENT if value.year == 1 else LAST_MOMENT


Timestamp = Annotated[datetime, AfterValidator(_as_utc)]


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


class Statement(Model):
    """DCC's statement of readiness that the pack supports."""

    capability: Identifier = Field(description="The operating capability, e.g. MOC-MDS")
    cohort: Text = Field(description="The cohort of meters the statement covers")
    submitted_by: Text
    service: Service = Field(default=Service.SMETS1, description="The DCC service the capability runs on")
    date: Date = Field(description="The statement date; the default as-at date of an evaluation")
    summary: str | None = Field(default=None, max_length=4000)


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
    approved_by: Annotated[str | None, Field(max_length=200)] = None

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
    summary: Annotated[str | None, Field(max_length=4000)] = None


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


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class OperationalAcceptance(Item):
    """DCC operational acceptance of the capability."""

    given: bool
    date: Annotated[Date | None, Field(description="When given, or when planned if not yet given")] = None
    by: Annotated[str | None, Field(max_length=200)] = None


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


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class Incident(Item):
    """A live-service incident."""

    category: Annotated[int, Field(ge=1, le=5, description="1 is most severe")]
    service: Service
    opened: Timestamp
    resolved: Timestamp | None = None
    caused_by_capability: bool = False
    summary: Annotated[str | None, Field(max_length=4000)] = None

    @model_validator(mode="after")
    def _resolved_after_opened(self) -> Incident:
        if self.resolved is not None and self.resolved < self.opened:
            raise ValueError(f"resolved ({self.resolved.isoformat()}) is before opened ({self.opened.isoformat()})")
        return self


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


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class ConsumerRisk(Item):
    """A risk to consumers' experience and how it is mitigated."""

    description: Text
    likelihood: Level
    mitigation: Annotated[str | None, Field(max_length=4000)] = None
    mitigation_due: Date | None = None
    mitigated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class BcdrPlan(Item):
    """The business continuity and disaster recovery plan."""

    published: bool
    covers_providers: list[Annotated[str, Field(min_length=1, max_length=200)]] = field(default_factory=list)
    pending_revision: Annotated[
        str | None, Field(max_length=4000, description="A revision that is promised but not yet published")
    ] = None


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
    required_providers: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(default_factory=list)


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
    provider: Annotated[str | None, Field(max_length=200)] = None
    scope: Annotated[str | None, Field(max_length=4000)] = None


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
    target_description: Annotated[str | None, Field(max_length=4000)] = None
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


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class ResidualRisk(Item):
    """A risk DCC says remains after go-live."""

    description: Text
    likelihood: Level
    impact: Level
    mitigation: Annotated[str | None, Field(max_length=4000)] = None
    accepted_by: Annotated[str | None, Field(max_length=200)] = None


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class EarlierCondition(Item):
    """A condition of an earlier decision that is still open."""

    key: Annotated[Identifier, Field(description="Stable name; a rule raising the same key re-attaches this condition")]
    kind: Annotated[
        Literal[
            ConditionKind.PREREQUISITE_GO_LIVE,
            ConditionKind.PREREQUISITE_MIGRATION,
            ConditionKind.ONGOING_REPORTING,
            ConditionKind.PAUSE_TRIGGER,
        ],
        Field(description="What the condition does; it is reported as carried over"),
    ]
    owner: Group
    criteria: Annotated[list[Identifier], Field(min_length=1)]
    text: Text
    raised_on: Date
    status: Literal["open"] = "open"


class EvidencePack(Model):
    """Everything DCC offers in support of one statement of readiness."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        title="LSC evidence pack",
        json_schema_extra={"$id": "https://lsc-engine.invalid/schema/evidence-pack-v1.json"},
    )

    schema_version: Literal["1"] = "1"
    statement: Statement
    scope: Scope
    testing: Testing | None = None
    migration: Migration | None = None
    operations: Operations | None = None
    service_users: ServiceUsers | None = None
    incidents: list[Incident] | None = Field(default=None, description="Absent means not reported")
    performance: list[PerformanceRow] | None = Field(default=None, description="Absent means not reported")
    consumer_risks: list[ConsumerRisk] | None = Field(default=None, description="Absent means not assessed")
    bcdr: Bcdr | None = None
    security: Security | None = None
    residual_risks: list[ResidualRisk] | None = Field(default=None, description="Absent means not assessed")
    earlier_conditions: list[EarlierCondition] = Field(default_factory=list)


def item_groups(pack: EvidencePack) -> list[tuple[str, bool, Sequence[Item]]]:
    """List the pack's evidence items by where they sit: (JSON path, whether it is a list, items)."""
    groups: list[tuple[str, bool, Sequence[Item]]] = [
        ("scope.dmcs", True, pack.scope.dmcs),
        ("scope.exclusions", True, pack.scope.exclusions),
    ]

    def one(path: str, item: Item | None) -> None:
        if item is not None:
            groups.append((path, False, [item]))

    if pack.testing is not None:
        groups.append(("testing.phases", True, pack.testing.phases))
        groups.append(("testing.defects", True, pack.testing.defects or []))
        groups.append(("testing.issues", True, pack.testing.issues))
    if pack.migration is not None:
        groups.append(("migration.rehearsals", True, pack.migration.rehearsals))
    if pack.operations is not None:
        one("operations.acceptance", pack.operations.acceptance)
        groups.append(("operations.service_providers", True, pack.operations.service_providers))
    if pack.service_users is not None:
        one("service_users.readiness", pack.service_users.readiness)
        groups.append(("service_users.communications", True, pack.service_users.communications))
    groups.append(("incidents", True, pack.incidents or []))
    groups.append(("performance", True, pack.performance or []))
    groups.append(("consumer_risks", True, pack.consumer_risks or []))
    if pack.bcdr is not None:
        one("bcdr.plan", pack.bcdr.plan)
        groups.append(("bcdr.tests", True, pack.bcdr.tests))
    if pack.security is not None:
        security = pack.security
        for name in ("architecture", "testing", "independent_assurance", "cio_report", "connectivity"):
            one(f"security.{name}", getattr(security, name))
        groups.append(("security.recent_issues", True, security.recent_issues or []))
    groups.append(("residual_risks", True, pack.residual_risks or []))
    groups.append(("earlier_conditions", True, pack.earlier_conditions))
    return groups


def iter_items(pack: EvidencePack) -> list[tuple[str, Item]]:
    """List every evidence item of the pack with its JSON path."""
    return [
        (f"{path}[{index}]" if is_list else path, item)
        for path, is_list, items in item_groups(pack)
        for index, item in enumerate(items)
    ]
