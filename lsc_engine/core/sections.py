"""The sections of an evidence pack that hold evidence items, by JSON path; the catalogue says who reads each."""

from __future__ import annotations

#: Sections holding a list of items, then sections holding one item. ``earlier_conditions`` is not here:
#: each earlier condition names its own owner.
LISTS = (
    "scope.dmcs",
    "scope.exclusions",
    "testing.phases",
    "testing.defects",
    "testing.issues",
    "migration.rehearsals",
    "operations.service_providers",
    "service_users.communications",
    "incidents",
    "performance",
    "performance_aims",
    "consumer_risks",
    "bcdr.tests",
    "security.recent_issues",
    "residual_risks",
    "milestones.events",
    "milestones.stability_statements",
    "milestones.go_live_criteria",
)
SINGLES = (
    "operations.acceptance",
    "service_users.readiness",
    "bcdr.plan",
    "security.architecture",
    "security.testing",
    "security.independent_assurance",
    "security.cio_report",
    "security.connectivity",
)
SECTIONS = LISTS + SINGLES
