"""The evidence pack: every section in one model, and its evidence items listed by where they sit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import ConfigDict, Field

from lsc_engine.core.evidence.base import Date, Item, Model
from lsc_engine.core.evidence.bcdr import Bcdr
from lsc_engine.core.evidence.consumers import ConsumerRisk
from lsc_engine.core.evidence.earlier_conditions import EarlierCondition
from lsc_engine.core.evidence.incidents import Incident
from lsc_engine.core.evidence.migration import Migration
from lsc_engine.core.evidence.milestones import Milestones
from lsc_engine.core.evidence.operations import Operations, ServiceUsers
from lsc_engine.core.evidence.performance import PerformanceAim, PerformanceRow
from lsc_engine.core.evidence.residual import ResidualRisk
from lsc_engine.core.evidence.scope import Scope, Statement
from lsc_engine.core.evidence.security import Security
from lsc_engine.core.evidence.testing import Testing


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
    incidents_reported_to: Date | None = Field(
        default=None,
        description="The last day the incident reporting covers, when later than every incident's report date",
    )
    performance: list[PerformanceRow] | None = Field(default=None, description="Absent means not reported")
    performance_aims: list[PerformanceAim] | None = Field(
        default=None, description="Levels DCC aims for measures to reach by a later month; absent means none stated"
    )
    consumer_risks: list[ConsumerRisk] | None = Field(default=None, description="Absent means not assessed")
    bcdr: Bcdr | None = None
    security: Security | None = None
    residual_risks: list[ResidualRisk] | None = Field(default=None, description="Absent means not assessed")
    earlier_conditions: list[EarlierCondition] = Field(default_factory=list)
    milestones: Milestones | None = Field(default=None, description="Absent means no timeline or agreed criteria")


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
    groups.append(("performance_aims", True, pack.performance_aims or []))
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
    if pack.milestones is not None:
        groups.append(("milestones.events", True, pack.milestones.events))
        groups.append(("milestones.stability_statements", True, pack.milestones.stability_statements))
        groups.append(("milestones.go_live_criteria", True, pack.milestones.go_live_criteria))
    return groups


def iter_items(pack: EvidencePack) -> list[tuple[str, Item]]:
    """List every evidence item of the pack with its JSON path."""
    return [
        (f"{path}[{index}]" if is_list else path, item)
        for path, is_list, items in item_groups(pack)
        for index, item in enumerate(items)
    ]
