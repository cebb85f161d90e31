"""The programme-wide register of conditions: every capability's conditions, numbered as its letters number them.

A condition an earlier decision set, carried over into several capabilities (or cohorts), is one thread: each
capability holds its own copy with its own status, and the register shows them together under the decision
that set it. The copies of one thread are copies of one condition, so the stricter governs them all: if any
copy is confidential, every copy's text, due point and origin are for its owner group and the Panel only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, computed_field

from lsc_engine.committee.conditions import ConditionState, Status
from lsc_engine.committee.views import DecisionView
from lsc_engine.core.evaluation import Condition
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.core.words import condition_label, day_words

#: A condition's status in words.
STATUS_WORDS = {
    Status.OPEN: "Open",
    Status.SATISFIED: "Satisfied",
    Status.WAIVED: "Waived",
    Status.BREACHED: "Breached",
}
#: What the register's source of a condition says when an earlier decision's condition was carried over.
CARRIED = "carried over: "
_CRITERION = re.compile(r"LSC(?=\d)")


def criterion_words(criterion: str) -> str:
    """Write a criterion as the Panel's papers do: LSC 6, LSC 10.4."""
    return _CRITERION.sub("LSC ", criterion, count=1)


class Filters(BaseModel):
    """Which conditions the register shows; each filter left empty shows all."""

    model_config = ConfigDict(frozen=True)

    capability: str | None = None
    owner: Group | None = None
    kind: ConditionKind | None = None
    status: Status | None = None
    open_only: bool = Field(default=False, description="Only conditions still to be met (open or breached)")

    def admits(self, entry: Entry) -> bool:
        """Tell whether an entry passes every filter."""
        condition = entry.condition
        return (
            (self.capability is None or entry.capability == self.capability)
            and (self.owner is None or condition.owner == self.owner)
            and (self.kind is None or condition.kind == self.kind)
            and (self.status is None or condition.status == self.status)
            and (not self.open_only or condition.is_open)
        )


class LetterMention(BaseModel):
    """Where the Panel's latest standing decision to attach a condition numbered it."""

    model_config = ConfigDict(frozen=True)

    decision_id: str
    considered_on: date
    number: int

    def words(self) -> str:
        """Say where the letter numbered the condition: "condition 2, decision of 6 March 2020"."""
        return f"condition {self.number}, decision of {day_words(self.considered_on)}"


class Member(BaseModel):
    """A capability a thread's condition is attached to, its number there, and where it stands there."""

    model_config = ConfigDict(frozen=True)

    capability: str
    number: int
    status: Status

    def words(self) -> str:
        """Say where the copy stands: "MOC-MDS condition 1: open"."""
        return f"{self.capability} condition {self.number}: {STATUS_WORDS[self.status].lower()}"


class Entry(BaseModel):
    """One condition on the register, on one capability."""

    model_config = ConfigDict(frozen=True)

    capability: str
    number: int = Field(description="Its number on the capability's register, in the order its letters number them")
    condition: ConditionState
    carried_from: str | None = Field(
        default=None, description="The id of the earlier decision's condition it carries over: the thread it is in"
    )
    origin: str | None = Field(default=None, description="The earlier decision that set it, in words")
    entered_with: int | None = Field(default=None, description="The version of the evidence it was entered with")
    raised_on: date | None = Field(
        default=None,
        description="When it was first set: by the earlier decision for one carried over, else when it was entered",
    )
    letter: LetterMention | None = Field(default=None, description="Where the latest decision attaching it put it")
    alongside: list[Member] = Field(
        default_factory=list, description="The same carried-over condition on other capabilities"
    )

    @property
    def first_raised(self) -> date:
        """Return when the condition was first set: the earlier decision's date, or the day it was entered here."""
        return self.raised_on or self.condition.created_at.date()

    @property
    def kind_words(self) -> str:
        """Return its kind in words, noting a carry-over."""
        kind = self.condition.kind
        return condition_label(kind.value, self.carried_from is not None and kind != ConditionKind.CARRIED_OVER)

    @property
    def criteria_words(self) -> str:
        """Return its criteria as the Panel writes them."""
        return ", ".join(criterion_words(criterion) for criterion in self.condition.criteria)

    @property
    def status_words(self) -> str:
        """Return its status in words."""
        return STATUS_WORDS[self.condition.status]

    @property
    def came_from(self) -> str:
        """Say where the condition came from: an earlier decision, a version of DCC's evidence, or a committee."""
        if self.carried_from is not None:
            return f"Carried over from {self.origin or 'an earlier decision'}"
        if self.condition.source == "manual":
            return "Added by hand"
        version = f" version {self.entered_with} of" if self.entered_with is not None else ""
        return f"Raised from{version} DCC's evidence"

    @property
    def letter_words(self) -> str:
        """Say where a letter numbered it, or that no decision has attached it."""
        return self.letter.words() if self.letter is not None else "Not attached to a decision"


class Thread(BaseModel):
    """A condition of an earlier decision carried over into one or more capabilities."""

    model_config = ConfigDict(frozen=True)

    carried_from: str
    origin: str
    members: list[Member]


class Register(BaseModel):
    """The conditions of every capability, filtered, numbered per capability as the letters number them."""

    model_config = ConfigDict(frozen=True)

    as_on: date = Field(description="The day the statuses and overdue flags speak for")
    filters: Filters
    capabilities: list[str] = Field(description="Every capability with evidence, whether or not the filters show it")
    entries: list[Entry] = Field(description="The conditions the filters show, by capability, then number")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def threads(self) -> list[Thread]:
        """Group the carried-over conditions shown by the earlier condition they carry, each naming its origin."""
        threads = []
        for carried_from, entries in self.by_thread().items():
            first = entries[0]
            members = [Member(capability=first.capability, number=first.number, status=first.condition.status)]
            members = sorted([*members, *first.alongside], key=lambda m: m.capability)
            origin = next((e.origin for e in entries if e.origin), "an earlier decision")
            threads.append(Thread(carried_from=carried_from, origin=origin, members=members))
        return threads

    def by_thread(self) -> dict[str, list[Entry]]:
        """Group the entries shown by the thread they are in: threads in order of first entry, entries in order."""
        # The page shows each thread's entries: grouped in one pass, not found by reading every entry per thread.
        return _by_thread(self.entries)

    def by_capability(self) -> list[tuple[str, list[Entry]]]:
        """Return the entries shown that belong to no thread, by capability."""
        grouped: dict[str, list[Entry]] = {}
        for entry in self.entries:
            if entry.carried_from is None:
                grouped.setdefault(entry.capability, []).append(entry)
        return list(grouped.items())


def letter_mentions(decisions: Iterable[DecisionView]) -> dict[str, LetterMention]:
    """Find, for each condition, the number the latest standing decision attaching it gave it."""
    mentions: dict[str, tuple[tuple[date, datetime], LetterMention]] = {}
    for decision in decisions:
        if decision.superseded_by is not None:
            continue
        when = (decision.considered_on, decision.recorded_at)
        for attached in decision.snapshot.conditions:
            earlier = mentions.get(attached.id)
            if earlier is None or earlier[0] < when:
                mention = LetterMention(
                    decision_id=decision.id, considered_on=decision.considered_on, number=attached.number
                )
                mentions[attached.id] = (when, mention)
    return {ident: mention for ident, (_, mention) in mentions.items()}


def first_attached(decisions: Iterable[DecisionView]) -> dict[str, date]:
    """Find, for each condition, the day the Panel first considered a standing decision attaching it."""
    found: dict[str, date] = {}
    for decision in decisions:
        if decision.superseded_by is not None:
            continue
        for attached in decision.snapshot.conditions:
            found[attached.id] = min(found.get(attached.id, decision.considered_on), decision.considered_on)
    return found


def _carried_from(condition: ConditionState, copy: Condition | None) -> str | None:
    """Return the earlier condition a condition carries over, from the evaluation's copy or the register's source."""
    if copy is not None and copy.carried_over_from is not None:
        return copy.carried_over_from
    return condition.source.removeprefix(CARRIED) if condition.source.startswith(CARRIED) else None


def _origin(copy: Condition | None) -> str | None:
    """Name the earlier decision that set a condition, as the pack names it or by the day it was set."""
    if copy is None:
        return None
    if copy.origin is not None:
        return copy.origin.words()
    if copy.carried_over_since is not None:
        return f"an earlier decision of {day_words(copy.carried_over_since)}"
    return None


def _raised_on(state: ConditionState, copy: Condition | None, attached: date | None) -> date | None:
    """Date a condition by the earlier decision that set it, else by the first decision attaching it if sooner."""
    if copy is not None and copy.carried_over_since:
        return copy.carried_over_since
    if attached is not None and attached < state.created_at.date():
        return attached
    return None


def build(
    conditions: Mapping[str, list[ConditionState]],
    *,
    copies: Mapping[tuple[str, str], Condition],
    versions: Mapping[str, int],
    letters: Mapping[str, LetterMention],
    filters: Filters,
    as_on: date,
    attached_on: Mapping[str, date] | None = None,
) -> Register:
    """Number each capability's conditions, thread the carried-over ones, and keep those the filters admit.

    ``conditions`` holds each capability's conditions in letter order; ``copies`` the evaluations' copies by
    capability and key; ``versions`` the version of the evidence each condition (by id) was entered with;
    ``attached_on`` the day a decision first attached each, which dates a condition entered after the meeting.
    """
    entries: list[Entry] = []
    for capability, states in conditions.items():
        for number, state in enumerate(states, 1):
            copy = copies.get((capability, state.key))
            stricter = state.confidential or (copy is not None and copy.confidential)
            entries.append(
                Entry(
                    capability=capability,
                    number=number,
                    condition=state.model_copy(update={"confidential": stricter}),
                    carried_from=_carried_from(state, copy),
                    origin=_origin(copy),
                    entered_with=versions.get(state.id),
                    raised_on=_raised_on(state, copy, (attached_on or {}).get(state.id)),
                    letter=letters.get(state.id),
                )
            )
    entries = _threaded(entries)
    return Register(
        as_on=as_on,
        filters=filters,
        capabilities=list(conditions),
        entries=[entry for entry in entries if filters.admits(entry)],
    )


def _by_thread(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    """Group carried-over entries by the earlier condition they carry, in order of first entry, entries in order."""
    threads: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.carried_from is not None:
            threads.setdefault(entry.carried_from, []).append(entry)
    return threads


def _threaded(entries: list[Entry]) -> list[Entry]:
    """Tell each carried-over copy where the others stand, the stricter copy's confidentiality governing all."""
    threads = _by_thread(entries)
    # What every copy of a thread shares is worked out once per thread, not once per copy: whether any copy is
    # confidential, and each copy as a member. Members are frozen, so the copies' lists can share them.
    shared = {
        carried_from: (
            any(e.condition.confidential for e in thread),
            [(e, Member(capability=e.capability, number=e.number, status=e.condition.status)) for e in thread],
        )
        for carried_from, thread in threads.items()
    }
    result = []
    for entry in entries:
        found = shared.get(entry.carried_from) if entry.carried_from is not None else None
        if found is None:
            result.append(entry)
            continue
        confidential, members = found
        # Each copy still lists every other copy, so this part stays as long as the output it writes.
        others = [member for e, member in members if e is not entry]
        condition = entry.condition.model_copy(update={"confidential": confidential})
        result.append(entry.model_copy(update={"condition": condition, "alongside": others}))
    return result
