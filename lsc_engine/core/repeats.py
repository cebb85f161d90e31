"""How often a new pack's exclusions may cite one DMC or one defect, each citation being repeated in the evaluation.

The evaluation lists a held-back DMC in full under every exclusion that holds it back, and a defect under every
exclusion that names it. Without a bound, a pack of a few kilobytes could ask for an evaluation of megabytes
(three hundred exclusions of every active DMC), and the time to build it grows with its size.
"""

from __future__ import annotations

from collections import Counter

from lsc_engine.core.evidence import EvidencePack, InstallationType
from lsc_engine.errors import Problem

#: The most exclusions that may hold back one DMC, and the most that may name one defect.
MOST_CITATIONS = 10

_ADVICE = f"at most {MOST_CITATIONS} exclusions may"


def check_repeats(pack: EvidencePack) -> list[Problem]:
    """Find each exclusion that holds back a DMC, or names a defect, cited by too many exclusions already."""
    exclusions = pack.scope.exclusions
    if len(exclusions) <= MOST_CITATIONS:  # the usual case: no DMC or defect can be cited too often
        return []
    type_of = {dmc.id: dmc.installation_type for dmc in pack.scope.dmcs}
    first_of_type: dict[InstallationType, str] = {}
    for dmc in pack.scope.dmcs:
        first_of_type.setdefault(dmc.installation_type, dmc.id)
    named: Counter[str] = Counter()  # exclusions naming each DMC
    most_named: dict[InstallationType, str] = {}  # the DMC of each type that the most exclusions name
    wide: Counter[InstallationType] = Counter()  # exclusions holding back every DMC of each type
    defects: Counter[str] = Counter()
    problems: list[Problem] = []
    for index, exclusion in enumerate(exclusions):
        path = f"scope.exclusions[{index}]"
        if exclusion.defect_id:
            defects[exclusion.defect_id] += 1
            if defects[exclusion.defect_id] > MOST_CITATIONS:
                problems.append(
                    Problem(
                        f"{path}.defect_id",
                        f"defect {exclusion.defect_id!r} is named by {defects[exclusion.defect_id]} exclusions up to "
                        f"here; {_ADVICE} name one defect (name its DMCs in one exclusion instead)",
                    )
                )
        if exclusion.dmc_ids:
            seen: set[str] = set()
            for position, dmc_id in enumerate(exclusion.dmc_ids):
                kind = type_of.get(dmc_id)
                if kind is None or dmc_id in seen:  # a DMC not in the pack: check_consistency says so
                    continue
                seen.add(dmc_id)
                named[dmc_id] += 1
                leader = most_named.get(kind)
                if leader is None or named[dmc_id] > named[leader]:
                    most_named[kind] = dmc_id
                held = named[dmc_id] + wide[kind]
                if held > MOST_CITATIONS:
                    problems.append(Problem(f"{path}.dmc_ids[{position}]", _too_often("", dmc_id, held)))
        elif exclusion.installation_type in first_of_type:  # every DMC of a type the pack holds
            wide[exclusion.installation_type] += 1
            dmc_id = most_named.get(exclusion.installation_type, first_of_type[exclusion.installation_type])
            held = named[dmc_id] + wide[exclusion.installation_type]
            if held > MOST_CITATIONS:
                every = f"it holds back every {exclusion.installation_type} DMC, so "
                problems.append(Problem(f"{path}.installation_type", _too_often(every, dmc_id, held)))
    return problems


def _too_often(lead: str, dmc_id: str, held: int) -> str:
    return f"{lead}DMC {dmc_id!r} is held back by {held} exclusions up to here; {_ADVICE} hold back one DMC"
