"""How much of a new pack the evaluation may repeat: citations of one DMC or defect, and earlier conditions.

The evaluation lists a held-back DMC in full under every exclusion that holds it back, and a defect under every
exclusion that names it; it repeats an earlier condition's text and origin on every cell the condition weighs on,
once as a finding and once in the path to green. Without a bound, a pack of a few kilobytes could ask for an
evaluation of megabytes (three hundred exclusions of every active DMC), and the time to build it grows with its
size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsc_engine.core.evidence import EvidencePack, Exclusion, InstallationType
from lsc_engine.errors import Problem

#: The most exclusions that may hold back one DMC, and the most that may name one defect.
MOST_CITATIONS = 5
#: The most earlier conditions a pack may carry: each may be written some thirty times over.
MOST_EARLIER_CONDITIONS = 50


def check_repeats(pack: EvidencePack) -> list[Problem]:
    """Find exclusions citing a DMC or defect that enough exclusions before them already do; too many conditions."""
    problems = []
    if len(pack.earlier_conditions) > MOST_EARLIER_CONDITIONS:
        problems.append(
            Problem(
                f"earlier_conditions[{MOST_EARLIER_CONDITIONS}]",
                f"the pack carries {len(pack.earlier_conditions)} earlier conditions; at most "
                f"{MOST_EARLIER_CONDITIONS} may be carried, for the evaluation repeats each on every criterion it "
                "weighs on",
            )
        )
    exclusions = pack.scope.exclusions
    if len(exclusions) > MOST_CITATIONS:  # else, as usual, nothing can be cited too often
        problems += _Citations(pack).problems(exclusions)
    return problems


class _Citations:
    """How many exclusions read so far hold back each DMC and each type's DMCs, and name each defect; the first few."""

    def __init__(self, pack: EvidencePack) -> None:
        self.type_of = {dmc.id: dmc.installation_type for dmc in pack.scope.dmcs}
        self.first_of_type: dict[InstallationType, str] = {}
        for dmc in pack.scope.dmcs:
            self.first_of_type.setdefault(dmc.installation_type, dmc.id)
        self.defects = {defect.id for defect in (pack.testing.defects or [])} if pack.testing is not None else set()
        self.naming = _Tally()  # the exclusions naming each DMC
        self.of_type = _Tally()  # the exclusions holding back every DMC of a type
        self.naming_defect = _Tally()
        self.most_named: dict[InstallationType, str] = {}  # the DMC of each type that the most exclusions name
        self.leading: dict[InstallationType, int] = {}  # how many exclusions name it
        self.told: dict[str, str] = {}  # the exclusion whose problem said so in full, by DMC and by defect

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
        count = self.naming.count(dmc_id) + self.of_type.count(kind)
        first = self._first(dmc_id, kind) if count >= MOST_CITATIONS else []
        self.of_type.add(kind, index)
        if count < MOST_CITATIONS:
            return None
        lead, again = f"this exclusion holds back every {kind} DMC, and ", f"every {kind} DMC is held back"
        said = self._said(f"DMC {dmc_id!r}", path, count, first, _HELD, lead=lead, again=again)
        return Problem(f"{path}.installation_type", said)

    def _holds_named(self, index: int, exclusion: Exclusion, path: str) -> Problem | None:
        # The loop that runs once per DMC named: what it reads, read into locals.
        type_of, naming, named = self.type_of, self.naming, self.naming.counts
        wide, most_named, leading = self.of_type.counts, self.most_named, self.leading
        over: tuple[int, str, int, list[int]] | None = None
        others = 0
        for dmc_id in dict.fromkeys(exclusion.dmc_ids):
            kind = type_of.get(dmc_id)
            if kind is None:  # a DMC not in the pack: check_consistency says so
                continue
            before = named.get(dmc_id, 0)
            if before + wide.get(kind, 0) >= MOST_CITATIONS:
                if over is None:
                    position = exclusion.dmc_ids.index(dmc_id)
                    over = (position, dmc_id, before + wide.get(kind, 0), self._first(dmc_id, kind))
                else:
                    others += 1
            naming.add(dmc_id, index)
            if before + 1 > leading.get(kind, 0):
                most_named[kind], leading[kind] = dmc_id, before + 1
        if over is None:
            return None
        position, dmc_id, count, first = over
        where = f"{path}.dmc_ids[{position}]"
        more = f"; the same holds for {others} other DMC{'s' if others > 1 else ''} it names" if others else ""
        return Problem(where, self._said(f"DMC {dmc_id!r}", path, count, first, _HELD) + more)

    def _first(self, dmc_id: str, kind: InstallationType) -> list[int]:
        """Return the first few exclusions read so far that hold back a DMC."""
        return sorted(self.naming.first(dmc_id) + self.of_type.first(kind))[:MOST_CITATIONS]

    def _names_defect(self, index: int, exclusion: Exclusion, path: str) -> Problem | None:
        defect_id = exclusion.defect_id
        if defect_id is None or defect_id not in self.defects:  # nothing of it is repeated
            return None
        count, first = self.naming_defect.count(defect_id), self.naming_defect.first(defect_id)
        self.naming_defect.add(defect_id, index)
        if count < MOST_CITATIONS:
            return None
        where = f"{path}.defect_id"
        said = self._said(f"defect {defect_id!r}", path, count, first, _NAMED)
        return Problem(where, f"{said}; name the DMCs it holds back in one exclusion")

    def _said(
        self,
        what: str,
        path: str,
        count: int,
        first: list[int],
        verbs: tuple[str, str],
        *,
        lead: str = "",
        again: str | None = None,
    ) -> str:
        """Say in full, the first time, which exclusions already cite an item; after that, point back there.

        ``lead`` comes before the full saying; ``again`` says what happens once more (by default, the item cited).
        """
        told = self.told.setdefault(what, path)
        if told != path:
            return f"{again or f'{what} is {verbs[0]}'} once more here (see {told})"
        return lead + _already(what, count, first, verbs)


class _Tally:
    """How many exclusions cite each key, and the first few of them."""

    def __init__(self) -> None:
        self.counts: dict[Any, int] = {}
        self.firsts: dict[Any, list[int]] = {}

    def add(self, key: object, index: int) -> None:
        """Count one more exclusion citing the key."""
        self.counts[key] = self.counts.get(key, 0) + 1
        first = self.firsts.setdefault(key, [])
        if len(first) < MOST_CITATIONS:
            first.append(index)

    def count(self, key: object) -> int:
        """Return how many exclusions cite the key."""
        return self.counts.get(key, 0)

    def first(self, key: object) -> list[int]:
        """Return the first few exclusions citing the key."""
        return self.firsts.get(key, [])


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
