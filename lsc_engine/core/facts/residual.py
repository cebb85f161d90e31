"""Residual risk facts: the risks DCC says remain after go-live, how high, mitigated and accepted.

Every group assesses the same risks (TAG and OPSG support DCC's assessments and accept the mitigations; SSC
weighs them with its security conditions), so the facts are the section's, not any one group's.
"""

from __future__ import annotations

from lsc_engine.core.evidence import Level
from lsc_engine.core.facts.base import Declared, Fact, FixedSection, count, reported_later

_RISKS = ("residual_risks",)


class ResidualFacts(FixedSection):
    """Facts of the residual risks section; none changes with the date."""

    declared = (
        Declared("residual_risks", "residual risks stated", _RISKS),
        Declared(
            "residual_risks_reported_from",
            "when every residual risk in the pack was stated after the as-at date: the date the first was",
            _RISKS,
        ),
        Declared("residual_risks_mitigated", "residual risks stated with a mitigation", _RISKS),
        Declared(
            "residual_risks_high_unmitigated",
            "high-likelihood or high-impact residual risks with no mitigation",
            _RISKS,
        ),
        Declared("residual_risks_unaccepted", "residual risks nobody has accepted", _RISKS),
        Declared("residual_risks_high", "high-likelihood or high-impact residual risks", _RISKS),
    )

    def derive(self) -> dict[str, Fact]:
        """Derive the residual risk facts from the risks known."""
        if self.pack.residual_risks is None:
            return {}
        risks = self.known.items(self.pack.residual_risks, "residual_risks")
        late = reported_later("residual_risks_reported_from", self.pack.residual_risks, risks)
        if late:
            return late
        high = [r for r in risks if Level.HIGH in (r.likelihood, r.impact)]
        return {
            "residual_risks": count(risks),
            "residual_risks_mitigated": count([r for r in risks if r.mitigation]),
            "residual_risks_high": count(high),
            "residual_risks_high_unmitigated": count([r for r in high if not r.mitigation]),
            "residual_risks_unaccepted": count([r for r in risks if not r.accepted_by]),
        }
