"""Residual risk facts: the risks DCC says remain after go-live, how high, mitigated and accepted by whom.

Every group assesses the same risks, and each accepts them for itself (TAG and OPSG supported DCC's
assessments and accepted the mitigations; SSC accepted subject to its security conditions), so whether a risk
is accepted is asked group by group: DCC's own acceptance, or another group's, is a proposal awaiting it.
"""

from __future__ import annotations

from typing import Final

from lsc_engine.core.evidence import Group, Level, ResidualRisk
from lsc_engine.core.facts.acceptance import acceptors, joined, names_group, terms
from lsc_engine.core.facts.base import Declared, Fact, FixedSection, about, count, not_yet_reported

_RISKS = ("residual_risks",)
#: The groups in the order they are declared, listed once: iterating an enum runs Python.
_GROUPS: Final = tuple(Group)


def awaiting(group: Group) -> str:
    """Name the fact counting the risks someone accepted but the group has not."""
    return f"residual_risks_awaiting_{group.value.casefold()}"


def awaiting_who(group: Group) -> str:
    """Name the fact saying who accepted the risks the group has not."""
    return f"{awaiting(group)}_accepted_by"


def on_terms(group: Group) -> str:
    """Name the fact giving the terms the group's acceptance of the risks is subject to, when the pack states any."""
    return f"residual_risks_{group.value.casefold()}_terms"


def _names(risk: ResidualRisk) -> list[str]:
    """Return who the pack says accepted a risk, each name as given; none when nobody did."""
    return acceptors(risk.accepted_by) if risk.accepted_by else []


def _per_group() -> tuple[Declared, ...]:
    declared: list[Declared] = []
    for group in Group:
        declared.append(
            Declared(awaiting(group), f"residual risks accepted by someone, but not by {group.value}", _RISKS)
        )
        declared.append(Declared(awaiting_who(group), f"who accepted the residual risks {group.value} has not", _RISKS))
        declared.append(
            Declared(on_terms(group), f"the terms {group.value} accepted the residual risks on, as stated", _RISKS)
        )
    return tuple(declared)


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
        *_per_group(),
    )

    def derive(self) -> dict[str, Fact]:
        """Derive the residual risk facts from the risks known."""
        if self.pack.residual_risks is None:
            return {}
        risks = self.known.items(self.pack.residual_risks, "residual_risks")
        late = not_yet_reported(
            "residual_risks_reported_from", self.pack.residual_risks, risks, self.pack.statement.date, self.known.at
        )
        if late:
            return late
        high = [r for r in risks if Level.HIGH in (r.likelihood, r.impact)]
        # Who accepted each risk, read once: a risk may name a hundred, and each name is asked about every group.
        named = [(risk, _names(risk)) for risk in risks]
        found = {
            "residual_risks": count(risks),
            "residual_risks_mitigated": count([r for r in risks if r.mitigation]),
            "residual_risks_high": count(high),
            "residual_risks_high_unmitigated": count([r for r in high if not r.mitigation]),
            "residual_risks_unaccepted": count([r for r, names in named if not names]),
        }
        for group in _GROUPS:
            # A name that is not the group's states none of its terms: only the group's own are asked for them.
            own = [[name for name in names if names_group(name, group)] for _, names in named]
            pending = [(r, names) for (r, names), mine in zip(named, own, strict=True) if names and not mine]
            found[awaiting(group)] = count([r for r, _ in pending])
            if pending:
                who = joined(name for _, names in pending for name in names)
                found[awaiting_who(group)] = about(who, [r for r, _ in pending])
            stated = zip(named, own, strict=True)
            qualified = [(r, t) for (r, _), mine in stated for n in mine if (t := terms(n, group)) is not None]
            if qualified:
                found[on_terms(group)] = about(joined(t for _, t in qualified), [r for r, _ in qualified])
        return found
