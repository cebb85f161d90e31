"""The committee workflow: group assessments, revocations, conditions to closure, the Panel's decision, the gate."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from lsc_engine.committee.conditions import Action, ConditionState, Event, check_action, replay, report_schedule
from lsc_engine.committee.gate import (
    Assessment,
    DecisionSummary,
    Revocation,
    gate,
)
from lsc_engine.committee.snapshot import Snapshot
from lsc_engine.committee.snapshot import snapshot as build_snapshot
from lsc_engine.committee.views import DecisionView, Outcome, ReadinessView
from lsc_engine.core.evaluation import Condition, Evaluation
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.ruleset import Rating, Ruleset
from lsc_engine.errors import Conflict, InvalidAction, NotFound
from lsc_engine.store import repository
from lsc_engine.store.audit import Chain
from lsc_engine.store.db import session_scope
from lsc_engine.store.models import (
    AssessmentRecord,
    ConditionEventRecord,
    ConditionRecord,
    DecisionRecord,
    EvaluationRecord,
    RevocationRecord,
    Submission,
)

GROUP_RATINGS = (Rating.GREEN, Rating.AMBER, Rating.RED)


def _new_id() -> str:
    return uuid.uuid4().hex


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


def condition_state(record: ConditionRecord, events: list[ConditionEventRecord], today: date) -> ConditionState:
    """Build a condition's current state from its record and history."""
    history = [_event(e) for e in sorted(events, key=lambda e: e.number)]
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


def register_conditions(
    session: Session,
    chain: Chain,
    *,
    submission: Submission,
    conditions: list[Condition],
    actor: str,
    now: datetime,
) -> None:
    """Enter an evaluation's conditions in the capability's register; those already there keep their state."""
    known = {
        record.key
        for record in session.exec(select(ConditionRecord).where(ConditionRecord.capability == submission.capability))
    }
    for condition in conditions:
        if condition.id in known:
            continue
        source = f"carried over: {condition.carried_over_from}" if condition.carried_over_from else condition.raised_by
        record = ConditionRecord(
            id=_new_id(),
            capability=submission.capability,
            key=condition.id,
            kind=condition.kind.value,
            owner=condition.owner.value,
            criteria=json.dumps(condition.criteria),
            text=condition.text,
            due=condition.due,
            source=source[:120],
            submission_id=submission.id,
            actor=actor,
            created_at=now,
            confidential=condition.confidential,
        )
        chain.add(record, actor=actor, action="condition.create", at=now)


class Committee:
    """Everything the sub-committees and the Panel record; every write audited in its own transaction."""

    def __init__(self, database: Engine, ruleset: Ruleset, *, clock: Any = None) -> None:
        self.database = database
        self.ruleset = ruleset
        self._clock = clock or (lambda: datetime.now(UTC))

    # -- reading -----------------------------------------------------------------------------------

    def _submission(self, session: Session, submission_id: str) -> Submission:
        submission = repository.get_submission(session, submission_id=submission_id)
        if submission is None:
            raise NotFound(f"no submission {submission_id}", details={"submission_id": submission_id})
        return submission

    def _latest_evaluation(self, session: Session, submission_id: str) -> EvaluationRecord:
        record = repository.latest_evaluation(session, submission_id=submission_id)
        assert record is not None, "every submission is stored with its first evaluation"
        return record

    def _assessments(self, session: Session, submission_id: str) -> list[AssessmentRecord]:
        return list(repository.get_assessments(session, submission_id=submission_id))

    def _revocations(self, session: Session, submission_id: str) -> list[RevocationRecord]:
        query = (
            select(RevocationRecord)
            .where(RevocationRecord.submission_id == submission_id)
            .order_by(col(RevocationRecord.recorded_at))
        )
        return list(session.exec(query))

    def _conditions(self, session: Session, capability: str) -> list[ConditionState]:
        records = session.exec(
            select(ConditionRecord)
            .where(ConditionRecord.capability == capability)
            .order_by(col(ConditionRecord.created_at), col(ConditionRecord.key))
        ).all()
        events: dict[str, list[ConditionEventRecord]] = {record.id: [] for record in records}
        if records:
            for event in session.exec(
                select(ConditionEventRecord).where(col(ConditionEventRecord.condition_id).in_(list(events)))
            ):
                events[event.condition_id].append(event)
        today = self._clock().date()
        order = list(ConditionKind)
        states = [condition_state(record, events[record.id], today) for record in records]
        return sorted(states, key=lambda s: (order.index(s.kind), s.created_at, s.key))

    def _current_decision(self, session: Session, submission_id: str) -> DecisionRecord | None:
        decisions = session.exec(select(DecisionRecord).where(DecisionRecord.submission_id == submission_id)).all()
        superseded = {d.supersedes for d in decisions if d.supersedes}
        current = [d for d in decisions if d.id not in superseded]
        return current[0] if current else None

    def assessments(self, submission_id: str) -> list[Assessment]:
        """Return every assessment of a submission, oldest first (the last per criterion and group counts)."""
        with session_scope(self.database) as session:
            self._submission(session, submission_id)
            return [_assessment(record) for record in self._assessments(session, submission_id)]

    def conditions(self, capability: str) -> list[ConditionState]:
        """Return a capability's conditions with their status and history."""
        with session_scope(self.database) as session:
            return self._conditions(session, capability)

    def condition(self, condition_id: str) -> ConditionState:
        """Return one condition."""
        with session_scope(self.database) as session:
            record = session.get(ConditionRecord, condition_id)
            if record is None:
                raise NotFound(f"no condition {condition_id}", details={"condition_id": condition_id})
            return next(s for s in self._conditions(session, record.capability) if s.id == condition_id)

    def readiness(self, capability: str) -> ReadinessView:
        """Return the capability's current position and whether it may go live, or start migration, now."""
        with session_scope(self.database) as session:
            submission = repository.latest_submission(session, capability=capability)
            if submission is None:
                raise NotFound(f"no submission for capability {capability}", details={"capability": capability})
        return self.position(submission.id)

    def position(self, submission_id: str) -> ReadinessView:
        """Return the gate as it stands for one submission (the capability's newest or an earlier version)."""
        with session_scope(self.database) as session:
            submission = self._submission(session, submission_id)
            capability = submission.capability
            record = self._latest_evaluation(session, submission.id)
            assessments = [_assessment(a) for a in self._assessments(session, submission.id)]
            revocations = [
                Revocation(id=r.id, group=Group(r.group), reason=r.reason, actor=r.actor)
                for r in self._revocations(session, submission.id)
            ]
            decision_record = self._current_decision(session, submission.id)
            conditions = self._conditions(session, capability)
        evaluation = Evaluation.model_validate_json(record.result)
        decision = _summary(decision_record) if decision_record else None
        result = gate(
            evaluation, assessments=assessments, revocations=revocations, decision=decision, conditions=conditions
        )
        return ReadinessView(
            capability=capability,
            submission_id=submission.id,
            version=submission.version,
            evaluation_id=record.id,
            as_at=evaluation.as_at,
            ruleset_digest=evaluation.ruleset_digest,
            gate=result,
            conditions=conditions,
            revocations=revocations,
            decision=decision,
        )

    # -- writing -----------------------------------------------------------------------------------

    def assess(
        self,
        submission_id: str,
        *,
        criterion: str,
        group: Group,
        accepted: bool,
        rating: Rating,
        assessor: str,
        rationale: str | None,
        actor: str,
    ) -> Assessment:
        """Record a group's decision on a criterion: confirm the proposal, or override it with a rationale."""
        if (criterion, group) not in {(c.id, g) for c, g in self.ruleset.catalogue.cells()}:
            raise InvalidAction(
                f"{group.value} does not rate {criterion}", details={"criterion": criterion, "group": group.value}
            )
        if rating not in GROUP_RATINGS:
            raise InvalidAction("a group rates green, amber or red", details={"rating": rating.value})
        if accepted and rating == Rating.RED:
            raise InvalidAction("a group cannot accept DCC's statement and rate the criterion red")
        if not assessor.strip():
            raise InvalidAction("an assessment needs a named assessor")
        with session_scope(self.database) as session:
            chain = Chain(session)
            self._submission(session, submission_id)
            evaluation_record = self._latest_evaluation(session, submission_id)
            evaluation = Evaluation.model_validate_json(evaluation_record.result)
            proposed = next(c.rating for c in evaluation.ratings if (c.criterion, c.group) == (criterion, group))
            override = rating != proposed
            if override and not (rationale or "").strip():
                raise InvalidAction(
                    f"overriding the proposed {proposed.value} with {rating.value} needs a written rationale",
                    details={"proposed": proposed.value, "rating": rating.value},
                )
            now = self._clock()
            record = AssessmentRecord(
                id=_new_id(),
                submission_id=submission_id,
                evaluation_id=evaluation_record.id,
                criterion=criterion,
                group=group.value,
                accepted=accepted,
                proposed=proposed.value,
                rating=rating.value,
                override=override,
                assessor=assessor.strip(),
                rationale=(rationale or "").strip() or None,
                actor=actor,
                recorded_at=now,
            )
            chain.add(record, actor=actor, action="assessment.create", at=now)
            session.commit()
            return _assessment(record)

    def revoke(self, submission_id: str, *, group: Group, reason: str, actor: str) -> Revocation:
        """Record a group withdrawing its recommendation; readiness changes at once."""
        if not reason.strip():
            raise InvalidAction("a revocation needs its reason")
        with session_scope(self.database) as session:
            chain = Chain(session)
            self._submission(session, submission_id)
            now = self._clock()
            record = RevocationRecord(
                id=_new_id(),
                submission_id=submission_id,
                group=group.value,
                reason=reason.strip(),
                actor=actor,
                recorded_at=now,
            )
            chain.add(record, actor=actor, action="revocation.create", at=now)
            session.commit()
            return Revocation(id=record.id, group=group, reason=record.reason, actor=actor)

    def add_condition(
        self,
        capability: str,
        *,
        kind: ConditionKind,
        owner: Group,
        criteria: list[str],
        text: str,
        due: str,
        due_date: date | None,
        report_every_days: int | None,
        key: str | None,
        actor: str,
        confidential: bool = False,
    ) -> ConditionState:
        """Add a condition by hand (a group or the Panel), to a capability that has a submission."""
        known = {c.id for c in self.ruleset.catalogue.criteria}
        unknown = [c for c in criteria if c not in known]
        if unknown or not criteria:
            raise InvalidAction("a condition names one or more known criteria", details={"unknown": unknown})
        if not text.strip() or not due.strip():
            raise InvalidAction("a condition needs its text and when it is due")
        if kind == ConditionKind.CARRIED_OVER:
            raise InvalidAction("give the kind of the condition; carrying over is recorded by the engine")
        with session_scope(self.database) as session:
            chain = Chain(session)
            latest = repository.latest_submission(session, capability=capability)
            if latest is None:
                raise NotFound(f"no submission for capability {capability}", details={"capability": capability})
            taken = {
                r.key for r in session.exec(select(ConditionRecord).where(ConditionRecord.capability == capability))
            }
            key = key or f"manual-{len(taken) + 1}"
            if key in taken:
                raise Conflict(f"{capability} already has a condition {key}", details={"key": key})
            now = self._clock()
            record = ConditionRecord(
                id=_new_id(),
                capability=capability,
                key=key,
                kind=kind.value,
                owner=owner.value,
                criteria=json.dumps(criteria),
                text=text.strip(),
                due=due.strip(),
                due_date=due_date,
                report_every_days=report_every_days,
                source="manual",
                submission_id=latest.id,
                actor=actor,
                created_at=now,
                confidential=confidential,
            )
            chain.add(record, actor=actor, action="condition.create", at=now)
            session.commit()
            return condition_state(record, [], now.date())

    def act(
        self,
        condition_id: str,
        action: Action,
        *,
        actor: str,
        on: date | None = None,
        evidence: str | None = None,
        rationale: str | None = None,
        approver: str | None = None,
    ) -> ConditionState:
        """Satisfy, waive, breach, report on, arm, trigger or clear a condition, if its state allows."""
        with session_scope(self.database) as session:
            chain = Chain(session)
            record = session.get(ConditionRecord, condition_id)
            if record is None:
                raise NotFound(f"no condition {condition_id}", details={"condition_id": condition_id})
            events = list(
                session.exec(select(ConditionEventRecord).where(ConditionEventRecord.condition_id == condition_id))
            )
            now = self._clock()
            state = condition_state(record, events, now.date())
            check_action(
                state.kind, state.status, state.pause, action, evidence=evidence, rationale=rationale, approver=approver
            )
            event = ConditionEventRecord(
                id=_new_id(),
                condition_id=condition_id,
                number=len(events) + 1,
                action=action.value,
                actor=actor,
                at=now,
                on=on or now.date(),
                evidence=(evidence or "").strip() or None,
                rationale=(rationale or "").strip() or None,
                approver=(approver or "").strip() or None,
            )
            chain.add(
                event, actor=actor, action=f"condition.{action.value}", at=now, submission_id=record.submission_id
            )
            session.commit()
            return condition_state(record, [*events, event], now.date())

    def decide(
        self,
        submission_id: str,
        *,
        outcome: Outcome,
        considered_on: date,
        condition_ids: list[str] | None,
        notes: str | None,
        supersedes: str | None,
        actor: str,
    ) -> DecisionView:
        """Record the Panel's decision; deciding again needs ``supersedes`` naming the decision it corrects."""
        with session_scope(self.database) as session:
            chain = Chain(session)
            submission = self._submission(session, submission_id)
            current = self._current_decision(session, submission_id)
            if current is not None and supersedes != current.id:
                raise Conflict(
                    "the Panel has already decided on this submission; a correction must supersede that decision",
                    details={"current_decision": current.id},
                )
            if current is None and supersedes is not None:
                raise Conflict("there is no current decision to supersede", details={"supersedes": supersedes})
            conditions = self._conditions(session, submission.capability)
            if condition_ids is None:
                attached = [c for c in conditions if c.is_open]
            else:
                by_id = {c.id: c for c in conditions}
                missing = [ident for ident in condition_ids if ident not in by_id]
                if missing:
                    raise InvalidAction(
                        f"conditions not on {submission.capability}: {', '.join(missing)}", details={"unknown": missing}
                    )
                attached = [by_id[ident] for ident in condition_ids]
            if outcome == "recommend_with_conditions" and not attached:
                raise InvalidAction("a recommendation with conditions needs at least one condition")
            if outcome == "recommend" and attached:
                raise InvalidAction("conditions are attached: the outcome is recommend_with_conditions")
            record = self._latest_evaluation(session, submission_id)
            evaluation = Evaluation.model_validate_json(record.result)
            assessments = [_assessment(a) for a in self._assessments(session, submission_id)]
            pack = parse_pack(submission.pack.encode(), yaml_allowed=False)
            snapshot = build_snapshot(
                submission, pack, evaluation, assessments, attached, outcome, considered_on, notes, record.id
            )
            now = self._clock()
            decision = DecisionRecord(
                id=_new_id(),
                submission_id=submission_id,
                evaluation_id=record.id,
                outcome=outcome,
                considered_on=considered_on,
                supersedes=supersedes,
                snapshot=json.dumps(snapshot.model_dump(mode="json"), sort_keys=True),
                actor=actor,
                recorded_at=now,
            )
            chain.add(decision, actor=actor, action="decision.create", at=now)
            session.commit()
            return _decision_view(decision, superseded_by=None)

    def decision(self, decision_id: str) -> DecisionView:
        """Return a recorded decision."""
        with session_scope(self.database) as session:
            record = session.get(DecisionRecord, decision_id)
            if record is None:
                raise NotFound(f"no decision {decision_id}", details={"decision_id": decision_id})
            later = session.exec(select(DecisionRecord).where(DecisionRecord.supersedes == decision_id)).first()
            return _decision_view(record, superseded_by=later.id if later else None)

    def decisions(self, submission_id: str) -> list[DecisionView]:
        """Return every decision recorded on a submission, oldest first."""
        with session_scope(self.database) as session:
            self._submission(session, submission_id)
            records = session.exec(
                select(DecisionRecord)
                .where(DecisionRecord.submission_id == submission_id)
                .order_by(col(DecisionRecord.recorded_at))
            ).all()
        by_supersedes = {r.supersedes: r.id for r in records if r.supersedes}
        return [_decision_view(r, superseded_by=by_supersedes.get(r.id)) for r in records]


def _summary(record: DecisionRecord) -> DecisionSummary:
    return DecisionSummary(id=record.id, outcome=record.outcome, considered_on=record.considered_on)


def _decision_view(record: DecisionRecord, *, superseded_by: str | None) -> DecisionView:
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
