"""The programme-wide register of conditions: read from every capability's register, evaluations and decisions."""

from __future__ import annotations

from datetime import date

from lsc_engine.committee.conditions import ConditionState
from lsc_engine.committee.register import Filters, Register, build, first_attached, letter_mentions
from lsc_engine.core.evaluation import Condition
from lsc_engine.store.db import Database
from lsc_engine.store.transactions import Transaction, reading


def read_register(database: Database, *, filters: Filters, today: date) -> Register:
    """Return every capability's conditions as at a day, numbered as the letters number them, filtered."""
    with reading(database) as tx:
        found = tx.conditions.everywhere(today=today)
        conditions = {capability: [state for state, _ in states] for capability, states in found.items()}
        came_with = {state.id: submission for states in found.values() for state, submission in states}
        placed = tx.submissions.placed(submission for submission in came_with.values() if submission)
        versions = {
            condition_id: placed[submission][1]
            for condition_id, submission in came_with.items()
            if submission is not None and submission in placed
        }
        copies = _copies(tx, list(found), set(placed))
        decisions = tx.committee.every_decision()
    return build(
        conditions,
        copies=copies,
        versions=versions,
        letters=letter_mentions(decisions),
        filters=filters,
        as_on=today,
        attached_on=first_attached(decisions),
    )


def classified(tx: Transaction, capability: str, states: list[ConditionState]) -> list[ConditionState]:
    """Mark confidential each condition whose copy in the capability's newest evaluation is (the stricter governs).

    A condition is entered once, with the first evaluation that raises it; a later version may raise it from
    evidence that is now confidential, and every view of it must then withhold it alike.
    """
    copies = _copies(tx, [capability], set())
    return [
        state.model_copy(update={"confidential": True})
        if not state.confidential and (copy := copies.get((capability, state.key))) is not None and copy.confidential
        else state
        for state in states
    ]


def _copies(tx: Transaction, capabilities: list[str], entered_with: set[str]) -> dict[tuple[str, str], Condition]:
    """Return the evaluations' copies of each capability's conditions, by capability and key.

    A copy is read from the newest evaluation of the version a condition was entered with and of the
    capability's newest version; the newer copy is kept, confidential if either is (the stricter governs).
    """
    newest = tx.submissions.newest_of(capabilities)
    placed = tx.submissions.placed(set(entered_with) | set(newest.values()))
    conditions = tx.submissions.latest_conditions(placed)
    copies: dict[tuple[str, str], Condition] = {}
    for submission in sorted(placed, key=placed.__getitem__):  # by capability, then version
        capability = placed[submission][0]
        for condition in conditions[submission]:
            key = (capability, condition.id)
            earlier = copies.get(key)
            confidential = condition.confidential or (earlier is not None and earlier.confidential)
            copies[key] = condition.model_copy(update={"confidential": confidential})
    return copies
