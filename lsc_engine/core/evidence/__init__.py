"""The evidence pack: what DCC submits with its statement of readiness (pydantic v2 models), one module a section.

The sections of a pack are models; the records inside them (items of evidence and their parts) are slotted,
frozen pydantic dataclasses. Both validate and publish their schema the same way, but a pack may hold hundreds
of thousands of records, and a slotted record takes about a fifth of a model's memory and builds faster.
"""

from lsc_engine.core.evidence.base import (
    RECORD_CONFIG,
    SCHEMA_VERSION,
    ConditionKind,
    Count,
    Group,
    Identifier,
    Item,
    Level,
    Model,
    Month,
    Percent,
    Provenance,
    Service,
    Text,
    Timestamp,
)
from lsc_engine.core.evidence.bcdr import Bcdr, BcdrPlan, BcdrTest, TestResult
from lsc_engine.core.evidence.consumers import ConsumerRisk
from lsc_engine.core.evidence.earlier_conditions import EarlierCondition
from lsc_engine.core.evidence.incidents import Incident
from lsc_engine.core.evidence.migration import Migration, Rehearsal
from lsc_engine.core.evidence.operations import (
    Communication,
    OperationalAcceptance,
    Operations,
    ServiceProvider,
    ServiceUsers,
    UserReadiness,
)
from lsc_engine.core.evidence.pack import EvidencePack, item_groups, iter_items
from lsc_engine.core.evidence.performance import MeasureKind, PerformanceRow, measure_kind
from lsc_engine.core.evidence.residual import ResidualRisk
from lsc_engine.core.evidence.scope import Dmc, Exclusion, InstallationType, Scope, Statement
from lsc_engine.core.evidence.security import (
    ApprovalStatus,
    ArchitectureApproval,
    Arrangement,
    AssuranceStatus,
    CioReport,
    CioStatus,
    Connectivity,
    IndependentAssurance,
    Security,
    SecurityIssue,
    SecurityTesting,
    SecurityTestingStatus,
)
from lsc_engine.core.evidence.testing import (
    Defect,
    DefectStatus,
    PhaseStatus,
    TestException,
    Testing,
    TestingIssue,
    TestPhase,
)

__all__ = [
    "RECORD_CONFIG",
    "SCHEMA_VERSION",
    "ApprovalStatus",
    "ArchitectureApproval",
    "Arrangement",
    "AssuranceStatus",
    "Bcdr",
    "BcdrPlan",
    "BcdrTest",
    "CioReport",
    "CioStatus",
    "Communication",
    "ConditionKind",
    "Connectivity",
    "ConsumerRisk",
    "Count",
    "Defect",
    "DefectStatus",
    "Dmc",
    "EarlierCondition",
    "EvidencePack",
    "Exclusion",
    "Group",
    "Identifier",
    "Incident",
    "IndependentAssurance",
    "InstallationType",
    "Item",
    "Level",
    "MeasureKind",
    "Migration",
    "Model",
    "Month",
    "OperationalAcceptance",
    "Operations",
    "Percent",
    "PerformanceRow",
    "PhaseStatus",
    "Provenance",
    "Rehearsal",
    "ResidualRisk",
    "Scope",
    "Security",
    "SecurityIssue",
    "SecurityTesting",
    "SecurityTestingStatus",
    "Service",
    "ServiceProvider",
    "ServiceUsers",
    "Statement",
    "TestException",
    "TestPhase",
    "TestResult",
    "Testing",
    "TestingIssue",
    "Text",
    "Timestamp",
    "UserReadiness",
    "item_groups",
    "iter_items",
    "measure_kind",
]
