"""Committee records: the groups' assessments and revocations, and the Panel's decisions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import col, select

from lsc_engine.committee.gate import Assessment, DecisionSummary, Outcome
from lsc_engine.committee.snapshot import Snapshot
from lsc_engine.committee.views import DecisionView, RecordedRevocation
from lsc_engine.core.evidence import Group
from lsc_engine.core.rating import Rating
from lsc_engine.store.models import AssessmentRecord, DecisionRecord, RevocationRecord, Submission
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
        recorded_at=record.recorded_at,
    )


def _revocation(record: RevocationRecord) -> RecordedRevocation:
    return RecordedRevocation(
        id=record.id,
        group=Group(record.group),
        reason=record.reason,
        actor=record.actor,
        recorded_at=record.recorded_at,
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


def _decisions(records: Sequence[DecisionRecord]) -> list[DecisionView]:
    """Read decision records, each with the correction among them that superseded it, if any."""
    by_supersedes = {r.supersedes: r.id for r in records if r.supersedes}
    return [_decision(r, superseded_by=by_supersedes.get(r.id)) for r in records]


class Committee(Repository):
    """What the sub-committees and the Panel recorded about a submission, as the committee workflow's types."""

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

    def last_assessor(self, actor: str) -> str | None:
        """Return the assessor's name on the latest assessment this caller recorded, if any."""
        query = (
            select(AssessmentRecord.assessor)
            .where(AssessmentRecord.actor == actor)
            .order_by(col(AssessmentRecord.recorded_at).desc(), col(AssessmentRecord.id).desc())
            .limit(1)
        )
        return self._session.exec(query).first()

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
        return _decisions(records)

    def every_decision(self) -> list[DecisionView]:
        """Return every recorded decision: by submission in the order they were received, each's oldest first."""
        records = self._session.exec(
            select(DecisionRecord)
            .join(Submission, col(Submission.id) == col(DecisionRecord.submission_id))
            .order_by(col(Submission.received_at), col(Submission.id), col(DecisionRecord.recorded_at))
        ).all()
        return _decisions(records)

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
