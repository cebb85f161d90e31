"""What every section of facts shares: the fact, its declaration, and the section that derives and dates it."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from operator import attrgetter
from typing import ClassVar, Final, Protocol, TypeVar

from lsc_engine.core.evidence import EvidencePack, Item
from lsc_engine.core.facts.known import Known

FactValue = str | int | float | bool
_I = TypeVar("_I", bound=Item)

#: Evidence ids kept per fact; counts stay exact, the id list is a sample.
MAX_EVIDENCE_IDS = 25


class Fact:
    """A derived value and the ids of the evidence behind it, never changed once made (see ``__init__``)."""

    __slots__ = ("confidential", "evidence", "evidence_count", "value")

    def __init__(
        self, value: FactValue, evidence: tuple[str, ...] = (), evidence_count: int = 0, confidential: bool = False
    ) -> None:
        # Final: mypy refuses to assign them again, and the compiled class refuses it when the program runs.
        self.value: Final = value
        self.evidence: Final = evidence
        self.evidence_count: Final = evidence_count
        self.confidential: Final = confidential

    def _key(self) -> tuple[FactValue, tuple[str, ...], int, bool]:
        return self.value, self.evidence, self.evidence_count, self.confidential

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if isinstance(other, Fact) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __reduce__(self) -> tuple[type[Fact], tuple[FactValue, tuple[str, ...], int, bool]]:
        return Fact, self._key()

    def __repr__(self) -> str:
        value, evidence, count, confidential = self._key()
        return f"Fact(value={value!r}, evidence={evidence!r}, evidence_count={count!r}, confidential={confidential!r})"


class Change(StrEnum):
    """How a fact's value may change with the as-at date alone, the evidence staying as it is."""

    NEVER = "does not change with the date"
    WINDOWS = "as incidents leave the windows and look-backs it counts in"
    DAILY = "grows by one a day, and restarts or stops when what it counts from changes"
    MONTHLY = "on the first day of each month"
    DUE_DATES = "on the day after a due date"

    @property
    def with_date(self) -> bool:
        """Whether the fact can change with the date at all."""
        return self is not Change.NEVER


@dataclass(frozen=True, slots=True)
class Declared:
    """A fact as its section declares it: name, meaning, the pack paths it reads, and how it changes with the date."""

    name: str
    meaning: str
    reads: tuple[str, ...]
    changes: Change = Change.NEVER


class Parameters(Protocol):
    """What the derivation needs of the ruleset's parameters."""

    @property
    def stability_window_days(self) -> int: ...
    @property
    def blocking_categories(self) -> list[int]: ...
    @property
    def lookback_days(self) -> int: ...
    @property
    def worst_month_lookback_days(self) -> int: ...
    @property
    def performance_target(self) -> float: ...
    @property
    def performance_minimum(self) -> float: ...
    @property
    def performance_reporting_lag_days(self) -> int: ...


class Section(ABC):
    """The facts one part of the pack gives: each declared, derived as at a date, and dated where it may change.

    A section is built once per evaluation from the evidence known then; ``facts`` and ``change_dates`` may then
    be asked about any date no earlier than that.
    """

    #: Every fact the section may derive.
    declared: ClassVar[tuple[Declared, ...]] = ()
    #: The names of those that may change with the date, read from ``declared``.
    dated: ClassVar[frozenset[str]] = frozenset()
    #: The names of all of them, read from ``declared``.
    declared_names: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        # Read once per class: the path to green asks every dated section about every cell it probes.
        cls.dated = frozenset(fact.name for fact in cls.declared if fact.changes.with_date)
        cls.declared_names = frozenset(fact.name for fact in cls.declared)

    def __init__(self, pack: EvidencePack, parameters: Parameters, known: Known) -> None:
        self.pack = pack
        self.parameters = parameters
        self.known = known

    @abstractmethod
    def facts(self, as_at: date) -> dict[str, Fact]:
        """Derive the section's facts as at a date."""

    def change_dates(
        self, after: date, until: date, names: Set[str], reaching: Mapping[str, Iterable[float]]
    ) -> set[date]:
        """Return the dates after ``after`` on which one of the named facts may differ from the day before.

        Dates past ``until`` may be among them. A fact that grows by one a day (``Change.DAILY``) is dated where it
        reaches one of ``reaching[name]`` (the numbers rules compare it with) and where what it counts from may
        change. Dates on which nothing changes after all may be listed; none on which something does is missed.
        """
        return set()


class FixedSection(Section):
    """A section none of whose facts change with the date: they are derived once, when it is built."""

    def __init__(self, pack: EvidencePack, parameters: Parameters, known: Known) -> None:
        super().__init__(pack, parameters, known)
        self._facts = self.derive()

    @abstractmethod
    def derive(self) -> dict[str, Fact]:
        """Derive the section's facts from the evidence known."""

    def facts(self, as_at: date) -> dict[str, Fact]:
        """Return the facts derived once: they are the same at every date."""
        return dict(self._facts)


def about(value: FactValue, items: Iterable[Item]) -> Fact:
    """Make a fact of a value and the items behind it (a sample of their ids; their count and confidentiality)."""
    listed = items if isinstance(items, (tuple, list)) else tuple(items)
    if not listed:
        return Fact(value)
    # map: in C, for long lists
    return Fact(value, tuple(map(_id, listed[:MAX_EVIDENCE_IDS])), len(listed), any(map(_confidential, listed)))


_confidential = attrgetter("confidential")
_id = attrgetter("id")


def count(items: Sequence[Item]) -> Fact:
    """Make a fact of how many items there are, with the items behind it."""
    return about(len(items), items)


def reported_later(
    name: str, listed: Sequence[_I] | None, known: Sequence[Item], dated: Callable[[_I], date] | None = None
) -> dict[str, Fact]:
    """Return ``{name: the date the first item was reported}`` when a pack lists items but none was known yet.

    A section whose items were all reported after the as-at date had not been reported at that date: it is
    missing evidence, not an empty list. Its section then derives no other fact, as for a section the pack leaves
    out, and rules read this one to say what is missing and from when it was reported. ``dated`` is the date each
    item became known (its report date, unless its section knows it later).
    """
    if not listed or known:
        return {}
    first = min(dated(item) if dated is not None else item.provenance.date for item in listed)
    return {name: about(first.isoformat(), listed)}


def empty_reported_later(name: str, listed: Sequence[Item] | None, statement: date, at: date) -> dict[str, Fact]:
    """Return ``{name: the statement's date}`` when a pack lists no items and its statement postdates the as-at date.

    An empty list says there were none as at the statement that gives it, and nothing of the time before: as at an
    earlier date the section had not been reported, just as when every item it lists was reported later.
    """
    if listed is None or listed or statement <= at:
        return {}
    return {name: Fact(statement.isoformat())}


def not_yet_reported(
    name: str, listed: Sequence[_I] | None, known: Sequence[Item], statement: date, at: date
) -> dict[str, Fact]:
    """Return ``{name: the date it was reported}`` when a list section had not been reported at the as-at date.

    That is so when every item it lists was reported later, and when it lists none and its statement postdates the
    as-at date: either way the section is missing evidence then, not a list to read as none.
    """
    return reported_later(name, listed, known) or empty_reported_later(name, listed, statement, at)


def reached(operands: Iterable[float]) -> set[int]:
    """Return the whole values at which a whole-number fact compared with these operands may change the outcome."""
    return {bound for operand in operands for bound in (math.ceil(operand), math.floor(operand) + 1)}


def fact_values(facts: Mapping[str, Fact]) -> dict[str, FactValue]:
    """Return just the values of a set of facts."""
    return {name: fact.value for name, fact in facts.items()}
