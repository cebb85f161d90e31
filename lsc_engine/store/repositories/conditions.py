"""The conditions register: each capability's conditions, and the events that move them to closure."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlmodel import col, select

from lsc_engine.committee.conditions import Action, ConditionState, Event, replay, report_schedule
from lsc_engine.core.evaluation import Condition
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.store.models import ConditionEventRecord, ConditionRecord
from lsc_engine.store.repositories.base import Repository, new_id


def _event(record: ConditionEventRecord) -> Event:
    return Event(
        number=record.number,
        action=Action(record.action),
        actor=record.actor,
        at=record.at,
        on=record.on,
        evidence=record.evidence,
        rationale=record.rationale,
        approver=record.approver,
    )


def _condition(record: ConditionRecord, history: list[Event], today: date) -> ConditionState:
    """Build a condition's state as at a day from its record and its history."""
    history = sorted(history, key=lambda e: e.number)
    kind = ConditionKind(record.kind)
    status, pause = replay(history, kind)
    reports = [e for e in history if e.action == Action.REPORT]
    next_due, missed = report_schedule(kind, status, record.created_at.date(), record.report_every_days, reports, today)
    open_now = status.value in ("open", "breached")
    return ConditionState(
        id=record.id,
        capability=record.capability,
        key=record.key,
        kind=kind,
        owner=Group(record.owner),
        criteria=json.loads(record.criteria),
        text=record.text,
        due=record.due,
        due_date=record.due_date,
        source=record.source,
        created_at=record.created_at,
        status=status,
        pause=pause,
        reports=reports,
        next_report_due=next_due,
        report_overdue=missed,
        overdue=open_now and record.due_date is not None and today > record.due_date,
        history=history,
        confidential=record.confidential,
    )


def in_letter_order(states: list[ConditionState]) -> list[ConditionState]:
    """Order a capability's conditions as its register lists them and a letter numbers them: kind, then age."""
    order = list(ConditionKind)
    return sorted(states, key=lambda s: (order.index(s.kind), s.created_at, s.key))


class Conditions(Repository):
    """A capability's conditions, raised by rules or added by hand, with their state as at a day."""

    def keys(self, capability: str) -> set[str]:
        """Return the keys of a capability's registered conditions."""
        query = select(ConditionRecord.key).where(ConditionRecord.capability == capability)
        return set(self._session.exec(query))

    def of_capability(self, capability: str, *, today: date) -> list[ConditionState]:
        """Return a capability's conditions as at a day, by kind, then oldest first."""
        records = self._session.exec(
            select(ConditionRecord)
            .where(ConditionRecord.capability == capability)
            .order_by(col(ConditionRecord.created_at), col(ConditionRecord.key))
        ).all()
        events: dict[str, list[Event]] = {record.id: [] for record in records}
        if records:
            query = select(ConditionEventRecord).where(col(ConditionEventRecord.condition_id).in_(list(events)))
            for event in self._session.exec(query):
                events[event.condition_id].append(_event(event))
        return in_letter_order([_condition(record, events[record.id], today) for record in records])

    def everywhere(self, *, today: date) -> dict[str, list[tuple[ConditionState, str | None]]]:
        """Return each capability's conditions as at a day, in letter order, with the submission each came with."""
        records = self._session.exec(select(ConditionRecord)).all()
        events: dict[str, list[Event]] = {record.id: [] for record in records}
        for event in self._session.exec(select(ConditionEventRecord)):
            events[event.condition_id].append(_event(event))
        came_with = {record.id: record.submission_id for record in records}
        states: dict[str, list[ConditionState]] = {}
        for record in records:
            states.setdefault(record.capability, []).append(_condition(record, events[record.id], today))
        return {
            capability: [(state, came_with[state.id]) for state in in_letter_order(found)]
            for capability, found in sorted(states.items())
        }

    def get(self, condition_id: str, *, today: date) -> ConditionState | None:
        """Return one condition as at a day."""
        record = self._session.get(ConditionRecord, condition_id)
        if record is None:
            return None
        query = select(ConditionEventRecord).where(ConditionEventRecord.condition_id == condition_id)
        return _condition(record, [_event(e) for e in self._session.exec(query)], today)

    def register(self, records: list[ConditionRecord], *, known: set[str]) -> None:
        """Enter conditions built by ``new_conditions`` in their register; ``known`` keys keep their state."""
        known = set(known)
        for record in records:
            if record.key not in known:
                known.add(record.key)
                self._audited(record, actor=record.actor, action="condition.create", at=record.created_at)

    def add(
        self,
        capability: str,
        *,
        key: str,
        kind: ConditionKind,
        owner: Group,
        criteria: list[str],
        text: str,
        due: str,
        due_date: date | None,
        report_every_days: int | None,
        submission_id: str,
        confidential: bool,
        actor: str,
        at: datetime,
        source: str = "manual",
    ) -> ConditionState:
        """Register a condition, raised by a rule (its source) or added by hand, on a submission of the capability."""
        record = ConditionRecord(
            id=new_id(),
            capability=capability,
            key=key,
            kind=kind.value,
            owner=owner.value,
            criteria=json.dumps(criteria),
            text=text,
            due=due,
            due_date=due_date,
            report_every_days=report_every_days,
            source=source,
            submission_id=submission_id,
            actor=actor,
            created_at=at,
            confidential=confidential,
        )
        self._audited(record, actor=actor, action="condition.create", at=at)
        return _condition(record, [], at.date())

    def add_event(
        self,
        condition: ConditionState,
        action: Action,
        *,
        on: date,
        evidence: str | None,
        rationale: str | None,
        approver: str | None,
        actor: str,
        at: datetime,
    ) -> ConditionState:
        """Append an event to a condition read in this transaction; return its state after it."""
        record = self._session.get(ConditionRecord, condition.id)  # already loaded: no query
        if record is None:
            raise LookupError(f"condition {condition.id} was not read in this transaction")
        event = ConditionEventRecord(
            id=new_id(),
            condition_id=condition.id,
            number=len(condition.history) + 1,
            action=action.value,
            actor=actor,
            at=at,
            on=on,
            evidence=evidence,
            rationale=rationale,
            approver=approver,
        )
        self._audited(event, actor=actor, action=f"condition.{action.value}", at=at, submission_id=record.submission_id)
        return _condition(record, [*condition.history, _event(event)], at.date())


def new_conditions(
    conditions: list[Condition], *, capability: str, submission_id: str, actor: str, at: datetime
) -> list[ConditionRecord]:
    """Build the register's records of an evaluation's conditions, to enter with ``Conditions.register``."""
    records = []
    for condition in conditions:
        carried = condition.carried_over_from
        records.append(
            ConditionRecord(
                id=new_id(),
                capability=capability,
                key=condition.id,
                kind=condition.kind.value,
                owner=condition.owner.value,
                criteria=json.dumps(condition.criteria),
                text=condition.text,
                due=condition.due,
                due_date=None,
                report_every_days=None,
                source=(f"carried over: {carried}" if carried else condition.raised_by)[:120],
                submission_id=submission_id,
                actor=actor,
                created_at=at,
                confidential=condition.confidential,
            )
        )
    return records
