"""How often a new pack's exclusions may cite one DMC or one defect, each citation being repeated in the evaluation.

The evaluation lists a held-back DMC in full under every exclusion that holds it back, and a defect under every
exclusion that names it. Without a bound, a pack of a few kilobytes could ask for an evaluation of megabytes
(three hundred exclusions of every active DMC), and the time to build it grows with its size.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsc_engine.core.evidence import EvidencePack, Exclusion, InstallationType
from lsc_engine.errors import Problem

#: The most exclusions that may hold back one DMC, and the most that may name one defect.
MOST_CITATIONS = 5


def check_repeats(pack: EvidencePack) -> list[Problem]:
    """Find each exclusion that holds back a DMC, or names a defect, that enough exclusions before it already do."""
    exclusions = pack.scope.exclusions
    if len(exclusions) <= MOST_CITATIONS:  # the usual case: nothing can be cited too often
        return []
    return _Citations(pack).problems(exclusions)


class _Citations:
    """The exclusions read so far that hold back each DMC, each installation type and name each defect."""

    def __init__(self, pack: EvidencePack) -> None:
        self.type_of = {dmc.id: dmc.installation_type for dmc in pack.scope.dmcs}
        self.first_of_type: dict[InstallationType, str] = {}
        for dmc in pack.scope.dmcs:
            self.first_of_type.setdefault(dmc.installation_type, dmc.id)
        self.defects = {defect.id for defect in (pack.testing.defects or [])} if pack.testing is not None else set()
        self.naming: dict[str, list[int]] = {}  # the exclusions naming each DMC
        self.most_named: dict[InstallationType, str] = {}  # the DMC of each type that the most exclusions name
        self.of_type: dict[InstallationType, list[int]] = {}  # the exclusions holding back every DMC of a type
        self.naming_defect: dict[str, list[int]] = {}

    def problems(self, exclusions: Sequence[Exclusion]) -> list[Problem]:
        """Read the exclusions in order: one problem at most for each, at the first citation too many."""
        found: list[Problem] = []
        for index, exclusion in enumerate(exclusions):
            path = f"scope.exclusions[{index}]"
            dmc_problem = self._holds(index, exclusion, path)
            defect_problem = self._names_defect(index, exclusion, path)
            found += [problem for problem in (dmc_problem, defect_problem) if problem is not None]
        return found

    def _holds(self, index: int, exclusion: Exclusion, path: str) -> Problem | None:
        if exclusion.dmc_ids:
            return self._holds_named(index, exclusion, path)
        kind = exclusion.installation_type
        if kind is None or kind not in self.first_of_type:  # it holds back no DMC
            return None
        dmc_id = self.most_named.get(kind, self.first_of_type[kind])
        count, first = self._holding(dmc_id, kind)
        self.of_type.setdefault(kind, []).append(index)
        if count < MOST_CITATIONS:
            return None
        said = _already(f"DMC {dmc_id!r}", count, first, _HELD)
        return Problem(f"{path}.installation_type", f"this exclusion holds back every {kind} DMC, and {said}")

    def _holds_named(self, index: int, exclusion: Exclusion, path: str) -> Problem | None:
        over: list[tuple[int, str, int, list[int]]] = []
        seen: set[str] = set()
        for position, dmc_id in enumerate(exclusion.dmc_ids):
            kind = self.type_of.get(dmc_id)
            if kind is None or dmc_id in seen:  # a DMC not in the pack: check_consistency says so
                continue
            seen.add(dmc_id)
            count, first = self._holding(dmc_id, kind)
            if count >= MOST_CITATIONS:
                over.append((position, dmc_id, count, first))
            self.naming.setdefault(dmc_id, []).append(index)
            leader = self.most_named.get(kind)
            if leader is None or len(self.naming[dmc_id]) > len(self.naming[leader]):
                self.most_named[kind] = dmc_id
        if not over:
            return None
        position, dmc_id, count, first = over[0]
        others = len(over) - 1
        more = f"; the same holds for {others} other DMC{'s' if others > 1 else ''} it names" if others else ""
        return Problem(f"{path}.dmc_ids[{position}]", _already(f"DMC {dmc_id!r}", count, first, _HELD) + more)

    def _holding(self, dmc_id: str, kind: InstallationType) -> tuple[int, list[int]]:
        """Return how many exclusions read so far hold back a DMC, and the first few of them."""
        named, wide = self.naming.get(dmc_id, []), self.of_type.get(kind, [])
        return len(named) + len(wide), sorted(named[:MOST_CITATIONS] + wide[:MOST_CITATIONS])[:MOST_CITATIONS]

    def _names_defect(self, index: int, exclusion: Exclusion, path: str) -> Problem | None:
        defect_id = exclusion.defect_id
        if defect_id is None or defect_id not in self.defects:  # nothing of it is repeated
            return None
        earlier = self.naming_defect.setdefault(defect_id, [])
        count, first = len(earlier), earlier[:MOST_CITATIONS]
        earlier.append(index)
        if count < MOST_CITATIONS:
            return None
        said = _already(f"defect {defect_id!r}", count, first, _NAMED)
        return Problem(f"{path}.defect_id", f"{said}; name the DMCs it holds back in one exclusion")


#: How a message says that exclusions cite a DMC, and a defect: as done already, and as may be done.
_HELD = ("held back", "hold back one DMC")
_NAMED = ("named", "name one defect")


def _already(what: str, count: int, first: list[int], verbs: tuple[str, str]) -> str:
    """Say which exclusions already cite an item (the first few, and how many more), and how many may."""
    shown = [f"scope.exclusions[{index}]" for index in first]
    rest = count - len(shown)
    if rest:
        listed = f"{', '.join(shown)} and {rest} more"
    else:
        listed = f"{', '.join(shown[:-1])} and {shown[-1]}" if len(shown) > 1 else shown[0]
    done, may = verbs
    return (
        f"{what} is already {done} by {listed}; at most {MOST_CITATIONS} exclusions may {may}, "
        "for the evaluation repeats it under each"
    )
