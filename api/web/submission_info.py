"""A stored submission as the pages name it, with its newest evaluation, or a not-found page in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lsc_engine.core.evaluation import Evaluation
from lsc_engine.errors import NotFound
from lsc_engine.services.submissions import Service, Standing


@dataclass(frozen=True)
class SubmissionInfo:
    """A stored submission as the pages name it, with the newest version of its capability."""

    id: str
    capability: str
    version: int
    statement_date: date
    latest_id: str
    latest_version: int


def standing(service: Service, submission_id: str) -> Standing:
    """Return where a stored submission stands, or raise NotFound in words for the page."""
    try:
        return service.standing(submission_id)
    except NotFound as error:
        raise NotFound(f"There is no submission with the id “{submission_id}”.", details=error.details) from None


def submission_info(service: Service, submission_id: str) -> tuple[SubmissionInfo, Evaluation]:
    """Return a stored submission and its newest evaluation, or raise NotFound."""
    found = standing(service, submission_id)
    submission = found.submission
    info = SubmissionInfo(
        id=submission.id,
        capability=submission.capability,
        version=submission.version,
        statement_date=submission.statement_date,
        latest_id=found.newest.id,
        latest_version=found.newest.version,
    )
    return info, found.evaluation.evaluation
