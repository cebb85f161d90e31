"""A stored submission as the committee's pages name it, with its newest evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lsc_engine.core.evaluation import Evaluation
from lsc_engine.errors import NotFound
from lsc_engine.services.submissions import Service
from lsc_engine.store import repository
from lsc_engine.store.db import session_scope


@dataclass(frozen=True)
class SubmissionInfo:
    """A stored submission as the pages name it, with the newest version of its capability."""

    id: str
    capability: str
    version: int
    statement_date: date
    latest_id: str
    latest_version: int


def submission_info(service: Service, submission_id: str) -> tuple[SubmissionInfo, Evaluation]:
    """Return a stored submission and its newest evaluation, or raise NotFound."""
    with session_scope(service.database) as session:
        submission = repository.get_submission(session, submission_id=submission_id)
        if submission is None:
            raise NotFound(f"There is no submission {submission_id}.", details={"submission_id": submission_id})
        record = repository.latest_evaluation(session, submission_id=submission_id)
        latest = repository.latest_submission(session, capability=submission.capability)
        assert record is not None, "every submission is stored with its first evaluation"
        assert latest is not None, "a stored submission is a version of its capability"
        info = SubmissionInfo(
            id=submission.id,
            capability=submission.capability,
            version=submission.version,
            statement_date=submission.statement_date,
            latest_id=latest.id,
            latest_version=latest.version,
        )
        return info, Evaluation.model_validate_json(record.result)
