"""Operational readiness facts (OPSG): DCC's operational acceptance, service providers and Service Users."""

from __future__ import annotations

from collections.abc import Sequence

from lsc_engine.core.evidence import ServiceProvider
from lsc_engine.core.facts.base import Declared, Fact, FixedSection, about, count, not_yet_reported

_ACCEPTANCE = ("operations.acceptance",)
_PROVIDERS = ("operations.service_providers",)


class OperationsFacts(FixedSection):
    """Facts of the operations and service users sections; none changes with the date."""

    declared = (
        Declared("operational_acceptance_given", "whether DCC operational acceptance has been given", _ACCEPTANCE),
        Declared("operational_acceptance_date", "date operational acceptance was given or is planned", _ACCEPTANCE),
        Declared("service_providers_not_ready", "service providers not ready", _PROVIDERS),
        Declared("service_providers_not_ready_names", "names of the service providers not ready", _PROVIDERS),
        Declared(
            "service_providers_reported_from",
            "when every service provider in the pack was reported on after the as-at date: the date the first was",
            _PROVIDERS,
        ),
        Declared(
            "user_readiness_percent",
            "share (%) of surveyed Service Users who say they are ready",
            ("service_users.readiness",),
        ),
        Declared("user_communications", "notices sent to Service Users", ("service_users.communications",)),
    )

    def derive(self) -> dict[str, Fact]:
        """Derive the operations facts from the acceptance, providers and Service User evidence known."""
        known = self.known
        found: dict[str, Fact] = {}
        operations = self.pack.operations
        if operations is not None:
            acceptance = known.item(operations.acceptance, "operations.acceptance")
            if acceptance is not None:
                # Acceptance planned for a date after the evidence was known has not been given yet.
                given = acceptance.given and (acceptance.date is None or acceptance.date <= known.at)
                found["operational_acceptance_given"] = about(given, [acceptance])
                if acceptance.date is not None:
                    found["operational_acceptance_date"] = about(acceptance.date.isoformat(), [acceptance])
            providers = known.items(operations.service_providers, "operations.service_providers")
            late = not_yet_reported(
                "service_providers_reported_from",
                operations.service_providers,
                providers,
                self.pack.statement.date,
                known.at,
            )
            found |= late or _readiness(providers)
        users = self.pack.service_users
        if users is not None:
            readiness = known.item(users.readiness, "service_users.readiness")
            if readiness is not None and readiness.surveyed:
                share = 100.0 * readiness.ready / readiness.surveyed
                found["user_readiness_percent"] = about(share, [readiness])
            found["user_communications"] = count(known.items(users.communications, "service_users.communications"))
        return found


def _readiness(providers: Sequence[ServiceProvider]) -> dict[str, Fact]:
    not_ready = [p for p in providers if not p.ready]
    found = {"service_providers_not_ready": count(not_ready)}
    if not_ready:
        found["service_providers_not_ready_names"] = about(", ".join(p.name for p in not_ready), not_ready)
    return found
