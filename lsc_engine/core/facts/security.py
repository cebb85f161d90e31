"""Security facts (SSC): approvals, testing, assurance, the CIO report, connectivity and recent issues."""

from __future__ import annotations

from lsc_engine.core.evidence import Level, SecurityTestingStatus
from lsc_engine.core.facts.base import Declared, Fact, FixedSection, about, count, not_yet_reported

_TESTING = ("security.testing",)
_CONNECTIVITY = ("security.connectivity",)
_ISSUES = ("security.recent_issues",)


class SecurityFacts(FixedSection):
    """Facts of the security section; none changes with the date."""

    declared = (
        Declared(
            "security_architecture_status",
            "security architecture approval: approved, pending or rejected",
            ("security.architecture",),
        ),
        Declared("security_testing_status", "security testing: not_started, in_progress or complete", _TESTING),
        Declared("security_testing_open_high", "open high-severity security test findings", _TESTING),
        Declared(
            "assurance_status",
            "independent assurance: none, in_progress, reported or confirmed",
            ("security.independent_assurance",),
        ),
        Declared("cio_report_status", "CIO report: none, submitted, reviewed or accepted", ("security.cio_report",)),
        Declared("connectivity_arrangement", "connectivity: interim or target", _CONNECTIVITY),
        Declared("connectivity_description", "the connectivity in use", _CONNECTIVITY),
        Declared("connectivity_target", "the target connectivity", _CONNECTIVITY),
        Declared("security_issues_open", "recent security issues still open", _ISSUES),
        Declared("security_issues_open_high", "recent high-severity security issues still open", _ISSUES),
        Declared(
            "security_issues_reported_from",
            "when every recent security issue in the pack was reported after the as-at date: the date the first was",
            _ISSUES,
        ),
    )

    def derive(self) -> dict[str, Fact]:
        """Derive the security facts from the security evidence known."""
        security = self.pack.security
        if security is None:
            return {}
        known = self.known
        found: dict[str, Fact] = {}
        architecture = known.item(security.architecture, "security.architecture")
        if architecture is not None:
            found["security_architecture_status"] = about(architecture.status.value, [architecture])
        testing = known.item(security.testing, "security.testing")
        if testing is not None:
            found["security_testing_status"] = about(testing.status.value, [testing])
            high = testing.open_high_findings if testing.status != SecurityTestingStatus.NOT_STARTED else 0
            found["security_testing_open_high"] = about(high, [testing])
        assurance = known.item(security.independent_assurance, "security.independent_assurance")
        if assurance is not None:
            found["assurance_status"] = about(assurance.status.value, [assurance])
        cio = known.item(security.cio_report, "security.cio_report")
        if cio is not None:
            found["cio_report_status"] = about(cio.status.value, [cio])
        link = known.item(security.connectivity, "security.connectivity")
        if link is not None:
            found["connectivity_arrangement"] = about(link.arrangement.value, [link])
            found["connectivity_description"] = about(link.description, [link])
            if link.target_description:
                found["connectivity_target"] = about(link.target_description, [link])
        if security.recent_issues is not None:
            issues = known.items(security.recent_issues, "security.recent_issues")
            late = not_yet_reported(
                "security_issues_reported_from", security.recent_issues, issues, self.pack.statement.date, known.at
            )
            if late:
                return found | late
            unresolved = [i for i in issues if not i.resolved]
            found["security_issues_open"] = count(unresolved)
            found["security_issues_open_high"] = count([i for i in unresolved if i.severity == Level.HIGH])
        return found
