"""Every query the service makes, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from lsc_engine.store.models import AssessmentRecord, EvaluationRecord, Submission


def get_submission(session: Session, *, submission_id: str) -> Submission | None:
    """Return a submission by id."""
    return session.get(Submission, submission_id)


def get_submission_by_key(session: Session, *, idempotency_key: str) -> Submission | None:
    """Return the submission made with an idempotency key."""
    return session.exec(select(Submission).where(Submission.idempotency_key == idempotency_key)).first()


def get_submissions(
    session: Session, *, capability: str | None = None, limit: int = 100, offset: int = 0
) -> Sequence[Submission]:
    """Return submissions, newest first, optionally for one capability."""
    query = select(Submission)
    if capability is not None:
        query = query.where(Submission.capability == capability)
    query = query.order_by(col(Submission.received_at).desc(), col(Submission.id)).limit(limit).offset(offset)
    return session.exec(query).all()


def next_version(session: Session, *, capability: str) -> int:
    """Return the version number the next submission for a capability takes."""
    current = session.exec(select(func.max(Submission.version)).where(Submission.capability == capability)).one()
    return int(current or 0) + 1


def latest_submission(session: Session, *, capability: str) -> Submission | None:
    """Return the newest version of a capability's evidence."""
    query = select(Submission).where(Submission.capability == capability).order_by(col(Submission.version).desc())
    return session.exec(query.limit(1)).first()


def get_evaluation(session: Session, *, evaluation_id: str) -> EvaluationRecord | None:
    """Return an evaluation by id."""
    return session.get(EvaluationRecord, evaluation_id)


def get_evaluations(session: Session, *, submission_id: str) -> Sequence[EvaluationRecord]:
    """Return a submission's evaluations, oldest first."""
    query = (
        select(EvaluationRecord)
        .where(EvaluationRecord.submission_id == submission_id)
        .order_by(col(EvaluationRecord.number))
    )
    return session.exec(query).all()


def latest_evaluation(session: Session, *, submission_id: str) -> EvaluationRecord | None:
    """Return a submission's newest evaluation."""
    query = (
        select(EvaluationRecord)
        .where(EvaluationRecord.submission_id == submission_id)
        .order_by(col(EvaluationRecord.number).desc())
    )
    return session.exec(query.limit(1)).first()


def all_submission_ids(session: Session) -> Sequence[str]:
    """Return the id of every stored submission, oldest first."""
    query = select(Submission.id).order_by(col(Submission.received_at), col(Submission.id))
    return session.exec(query).all()


def next_evaluation_number(session: Session, *, submission_id: str) -> int:
    """Return the number the next evaluation of a submission takes."""
    query = select(func.max(EvaluationRecord.number)).where(EvaluationRecord.submission_id == submission_id)
    return int(session.exec(query).one() or 0) + 1


def get_assessments(session: Session, *, submission_id: str) -> Sequence[AssessmentRecord]:
    """Return a submission's assessments, oldest first."""
    query = (
        select(AssessmentRecord)
        .where(AssessmentRecord.submission_id == submission_id)
        .order_by(col(AssessmentRecord.recorded_at), col(AssessmentRecord.id))
    )
    return session.exec(query).all()


def get_capabilities(session: Session) -> Sequence[str]:
    """Return every capability with a stored submission, in name order."""
    return session.exec(select(Submission.capability).distinct().order_by(col(Submission.capability))).all()
