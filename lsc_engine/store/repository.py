"""The four queries the web pages still make with a session of their own.

Everything else asks the repositories through a transaction (``lsc_engine.store.transactions``); these
go once the pages call ``Service.standing`` and ``Service.capabilities`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from lsc_engine.store.models import EvaluationRecord, Submission
from lsc_engine.store.repositories.submissions import Submissions


def get_submission(session: Session, *, submission_id: str) -> Submission | None:
    """Return a submission by id."""
    return Submissions(session, None).get(submission_id)


def latest_submission(session: Session, *, capability: str) -> Submission | None:
    """Return the newest version of a capability's evidence."""
    return Submissions(session, None).latest(capability)


def latest_evaluation(session: Session, *, submission_id: str) -> EvaluationRecord | None:
    """Return a submission's newest evaluation record, its result unread."""
    query = (
        select(EvaluationRecord)
        .where(EvaluationRecord.submission_id == submission_id)
        .order_by(col(EvaluationRecord.number).desc())
    )
    return session.exec(query.limit(1)).first()


def get_capabilities(session: Session) -> Sequence[str]:
    """Return every capability with a stored submission, in name order."""
    return Submissions(session, None).capabilities()
