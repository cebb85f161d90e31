"""Committee records: assessments, revocations, conditions with their events, and the Panel's decisions."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlmodel import col, select

from lsc_engine.committee.conditions import Action, ConditionState, Event, replay, report_schedule
from lsc_engine.committee.gate import Assessment, DecisionSummary, Outcome
from lsc_engine.committee.snapshot import Snapshot
from lsc_engine.committee.views import DecisionView, RecordedRevocation
from lsc_engine.core.evaluation import Condition
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.core.ruleset import Rating
from lsc_engine.store.models import (
    AssessmentRecord,
    ConditionEventRecord,
    ConditionRecord,
    DecisionRecord,
    RevocationRecord,
)
from lsc_engine.store.repositories.base import Repository, new_id


def stored_snapshot(snapshot: Snapshot) -> str:
    """Write a snapshot as a decision record keeps it (and the audit chain hashes it): JSON, keys sorted."""
    return json.dumps(snapshot.model_dump(mode="json"), sort_keys=True)


def _assessment(record: AssessmentRecord) -> Assessment:
    return Assessment(
        id=record.id,
        criterion=record.criterion,
        group=Group(record.group),
        accepted=record.accepted,
        proposed=Rating(record.proposed),
        rating=Rating(record.rating),
        override=record.override,
        assessor=record.assessor,
        rationale=record.rationale,
    )


def _revocation(record: RevocationRecord) -> RecordedRevocation:
    return RecordedRevocation(
        id=record.id,
        group=Group(record.group),
        reason=record.reason,
        actor=record.actor,
        recorded_at=record.recorded_at,
    )


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


def _decision(record: DecisionRecord, *, superseded_by: str | None) -> DecisionView:
    return DecisionView(
        id=record.id,
        submission_id=record.submission_id,
        evaluation_id=record.evaluation_id,
        outcome=record.outcome,
        considered_on=record.considered_on,
        supersedes=record.supersedes,
        superseded_by=superseded_by,
        actor=record.actor,
        recorded_at=record.recorded_at,
        snapshot=Snapshot.model_validate_json(record.snapshot),
    )


class Committee(Repository):
    """What the sub-committees and the Panel recorded, read back as the committee workflow's own types."""

    # -- assessments and revocations ----------------------------------------------------------------

    def assessments(self, submission_id: str) -> list[Assessment]:
        """Return a submission's assessments, oldest first."""
        query = (
            select(AssessmentRecord)
            .where(AssessmentRecord.submission_id == submission_id)
            .order_by(col(AssessmentRecord.recorded_at), col(AssessmentRecord.id))
        )
        return [_assessment(record) for record in self._session.exec(query)]

    def add_assessment(
        self,
        submission_id: str,
        *,
        evaluation_id: str,
        criterion: str,
        group: Group,
        accepted: bool,
        proposed: Rating,
        rating: Rating,
        assessor: str,
        rationale: str | None,
        actor: str,
        at: datetime,
    ) -> Assessment:
        """Record a group's decision on a criterion of the evaluation it was shown."""
        record = AssessmentRecord(
            id=new_id(),
            submission_id=submission_id,
            evaluation_id=evaluation_id,
            criterion=criterion,
            group=group.value,
            accepted=accepted,
            proposed=proposed.value,
            rating=rating.value,
            override=rating != proposed,
            assessor=assessor,
            rationale=rationale,
            actor=actor,
            recorded_at=at,
        )
        self._audited(record, actor=actor, action="assessment.create", at=at)
        return _assessment(record)

    def revocations(self, submission_id: str, *, group: Group | None = None) -> list[RecordedRevocation]:
        """Return the revocations of a submission (or of one group), oldest first."""
        query = select(RevocationRecord).where(RevocationRecord.submission_id == submission_id)
        if group is not None:
            query = query.where(RevocationRecord.group == group.value)
        return [_revocation(r) for r in self._session.exec(query.order_by(col(RevocationRecord.recorded_at)))]

    def add_revocation(
        self, submission_id: str, *, group: Group, reason: str, actor: str, at: datetime
    ) -> RecordedRevocation:
        """Record a group withdrawing its recommendation."""
        record = RevocationRecord(
            id=new_id(), submission_id=submission_id, group=group.value, reason=reason, actor=actor, recorded_at=at
        )
        self._audited(record, actor=actor, action="revocation.create", at=at)
        return _revocation(record)

    # -- conditions ----------------------------------------------------------------------------------

    def condition_keys(self, capability: str) -> set[str]:
        """Return the keys of a capability's registered conditions."""
        query = select(ConditionRecord.key).where(ConditionRecord.capability == capability)
        return set(self._session.exec(query))

    def conditions(self, capability: str, *, today: date) -> list[ConditionState]:
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
        order = list(ConditionKind)
        states = [_condition(record, events[record.id], today) for record in records]
        return sorted(states, key=lambda s: (order.index(s.kind), s.created_at, s.key))

    def condition(self, condition_id: str, *, today: date) -> ConditionState | None:
        """Return one condition as at a day."""
        record = self._session.get(ConditionRecord, condition_id)
        if record is None:
            return None
        query = select(ConditionEventRecord).where(ConditionEventRecord.condition_id == condition_id)
        return _condition(record, [_event(e) for e in self._session.exec(query)], today)

    def register(
        self, conditions: list[Condition], *, capability: str, submission_id: str, actor: str, at: datetime
    ) -> None:
        """Enter an evaluation's conditions in the capability's register; those already there keep their state."""
        known = self.condition_keys(capability)
        for condition in conditions:
            if condition.id in known:
                continue
            source = (
                f"carried over: {condition.carried_over_from}" if condition.carried_over_from else condition.raised_by
            )
            self._add_condition(
                capability,
                key=condition.id,
                kind=condition.kind,
                owner=condition.owner,
                criteria=condition.criteria,
                text=condition.text,
                due=condition.due,
                due_date=None,
                report_every_days=None,
                source=source[:120],
                submission_id=submission_id,
                confidential=condition.confidential,
                actor=actor,
                at=at,
            )

    def add_condition(
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
    ) -> ConditionState:
        """Register a condition added by hand, on the capability's newest submission."""
        record = self._add_condition(
            capability,
            key=key,
            kind=kind,
            owner=owner,
            criteria=criteria,
            text=text,
            due=due,
            due_date=due_date,
            report_every_days=report_every_days,
            source="manual",
            submission_id=submission_id,
            confidential=confidential,
            actor=actor,
            at=at,
        )
        return _condition(record, [], at.date())

    def _add_condition(
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
        source: str,
        submission_id: str,
        confidential: bool,
        actor: str,
        at: datetime,
    ) -> ConditionRecord:
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
        return record

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

    # -- decisions ------------------------------------------------------------------------------------

    def current_decision(self, submission_id: str) -> DecisionSummary | None:
        """Return the Panel's decision on a submission that no correction has superseded."""
        records = self._session.exec(select(DecisionRecord).where(DecisionRecord.submission_id == submission_id))
        decisions = list(records)
        superseded = {d.supersedes for d in decisions if d.supersedes}
        current = [d for d in decisions if d.id not in superseded]
        if not current:
            return None
        return DecisionSummary(id=current[0].id, outcome=current[0].outcome, considered_on=current[0].considered_on)

    def decision(self, decision_id: str) -> DecisionView | None:
        """Return a recorded decision, with the correction that superseded it if any."""
        record = self._session.get(DecisionRecord, decision_id)
        if record is None:
            return None
        later = self._session.exec(select(DecisionRecord).where(DecisionRecord.supersedes == decision_id)).first()
        return _decision(record, superseded_by=later.id if later else None)

    def decisions(self, submission_id: str) -> list[DecisionView]:
        """Return every decision recorded on a submission, oldest first."""
        records = self._session.exec(
            select(DecisionRecord)
            .where(DecisionRecord.submission_id == submission_id)
            .order_by(col(DecisionRecord.recorded_at))
        ).all()
        by_supersedes = {r.supersedes: r.id for r in records if r.supersedes}
        return [_decision(r, superseded_by=by_supersedes.get(r.id)) for r in records]

    def add_decision(
        self,
        submission_id: str,
        *,
        evaluation_id: str,
        outcome: Outcome,
        considered_on: date,
        supersedes: str | None,
        snapshot: Snapshot,
        actor: str,
        at: datetime,
    ) -> DecisionView:
        """Record the Panel's decision with the snapshot its letter is built from."""
        record = DecisionRecord(
            id=new_id(),
            submission_id=submission_id,
            evaluation_id=evaluation_id,
            outcome=outcome,
            considered_on=considered_on,
            supersedes=supersedes,
            snapshot=stored_snapshot(snapshot),
            actor=actor,
            recorded_at=at,
        )
        self._audited(record, actor=actor, action="decision.create", at=at)
        return _decision(record, superseded_by=None)
