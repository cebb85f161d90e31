"""Performance aims (OPSG): the levels DCC says a measure will reach by a later month, where that is still below
the minimum service level.

An aim is an intention, not a result: it is never read as a month's figure, and a measure named only in an aim
has no result to rate. The Panel's papers report such aims (in August 2020, DCC aimed for the firmware measure PM2
to reach 92 % by October 2020, which is below its minimum service level).
"""

from __future__ import annotations

from collections.abc import Sequence

from lsc_engine.core.evidence import MeasureKind, PerformanceAim
from lsc_engine.core.facts.base import Declared, Fact, FixedSection, about, count
from lsc_engine.core.facts.performance import month_words, percent

_AIMS = ("performance_aims", "performance")


class PerformanceAimFacts(FixedSection):
    """Facts of the performance aims, read with the monthly results they are not."""

    declared = (
        Declared("performance_aims_below_minimum", "aims DCC states for measures that stay below the minimum", _AIMS),
        Declared(
            "performance_aims_below_minimum_list",
            "each of those aims: the measure, the level and the month, and whether any monthly result is reported",
            _AIMS,
        ),
        Declared("performance_aims_below_minimum_measures", "the measures those aims are for", _AIMS),
    )

    def derive(self) -> dict[str, Fact]:
        """Derive the aims below the minimum service level from the aims known."""
        if self.pack.performance_aims is None:
            return {}
        aims = self.known.items(self.pack.performance_aims, "performance_aims")
        below = [aim for aim in aims if aim.is_below_minimum]
        found = {"performance_aims_below_minimum": count(below)}
        if below:
            # The performance section records the results left out; they are only filtered here.
            at = self.known.at
            reported = {row.measure for row in self.pack.performance or [] if row.provenance.date <= at}
            found["performance_aims_below_minimum_list"] = about("; ".join(_said(a, reported) for a in below), below)
            found["performance_aims_below_minimum_measures"] = about(_joined([a.measure for a in below]), below)
        return found


def _said(aim: PerformanceAim, reported: set[str]) -> str:
    """Say what an aim is: "service-provider performance measure PM2: 92% aimed for by October 2020, ..."."""
    kind = aim.kind or MeasureKind.of_name(aim.measure)
    minimum = f" ({percent(aim.minimum)}%)" if aim.minimum is not None else ""
    said = (
        f"{kind.label(aim.measure)}: {percent(aim.aim)}% aimed for by {month_words(aim.by_month)}, "
        f"below its minimum service level{minimum}"
    )
    return said if aim.measure in reported else f"{said}, and no monthly result for it is reported"


def _joined(names: Sequence[str]) -> str:
    unique = list(dict.fromkeys(names))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]
