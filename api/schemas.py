"""What the HTTP API returns, built from stored records and service results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lsc_engine.core.diff import Diff
from lsc_engine.core.document import PackDocument
from lsc_engine.core.evaluation import Evaluation, Readiness
from lsc_engine.core.evidence import Group
from lsc_engine.core.rating import Rating
from lsc_engine.store.models import Submission
from lsc_engine.store.repositories.submissions import StoredEvaluation, SubmissionSummary


class Read(BaseModel):
    """Base of the response models."""

    model_config = ConfigDict(frozen=True)


class SubmissionRead(Read):
    """A stored submission, without its pack."""

    id: str
    capability: str
    version: int = Field(description="1 for a capability's first submission, then 2, 3, ...")
    cohort: str
    submitter: str
    statement_date: date
    received_at: datetime
    pack_digest: str = Field(description="SHA-256 of the pack exactly as received")
    input_digest: str = Field(description="SHA-256 of the pack's canonical form")

    @classmethod
    def of(cls, submission: Submission | SubmissionSummary) -> SubmissionRead:
        """Build from a stored submission, or its summary."""
        return cls.model_validate(submission, from_attributes=True)


class SubmissionDetail(SubmissionRead):
    """A stored submission with its pack."""

    pack: PackDocument = Field(description="The evidence pack as received")


class EvaluationRead(Read):
    """A stored evaluation."""

    id: str
    submission_id: str
    number: int = Field(description="1 for the evaluation made on submission, then 2, 3, ...")
    reason: str
    created_at: datetime
    ruleset_digest: str
    as_at: date
    overall: Readiness
    result: Evaluation

    @classmethod
    def of(cls, stored: StoredEvaluation, result: Evaluation | None = None) -> EvaluationRead:
        """Build from a stored evaluation, with its result or a redacted view of it."""
        return cls(
            id=stored.id,
            submission_id=stored.submission_id,
            number=stored.number,
            reason=stored.reason,
            created_at=stored.created_at,
            ruleset_digest=stored.ruleset_digest,
            as_at=stored.as_at,
            overall=stored.overall,
            result=stored.evaluation if result is None else result,
        )


class SubmissionCreated(Read):
    """A stored submission and its first evaluation."""

    submission: SubmissionRead
    evaluation: EvaluationRead
    replayed: bool = Field(description="True when an earlier request with the same Idempotency-Key is answered")


class ReEvaluation(Read):
    """A new evaluation of a stored pack and every rating that flipped."""

    evaluation: EvaluationRead
    changes: Diff


class RuleRead(Read):
    """A rule and its metadata."""

    id: str
    title: str
    criterion: str
    group: Group
    rating: Rating
    when: list[dict[str, Any]]
    message: str
    remedy: str | None
    basis: str = Field(description="What the rule rests on: a document, its date and paragraph, or an SEC section")
    provisional: bool = Field(description="True when the rule is the ruleset's own, not the Panel's or the Code's")
    conditions: list[dict[str, Any]]
    examples: dict[str, Any]


class CriterionRead(Read):
    """A criterion of the catalogue."""

    id: str
    name: str
    owners: list[Group]
    parent: str | None
    provisional: bool
    reads: str
    formerly: list[str] = Field(
        default_factory=list, description="Ids the criterion had in earlier rulesets, which stored records may use"
    )


class Catalogue(Read):
    """The criteria and the ruleset version they belong to."""

    ruleset_digest: str
    criteria: list[CriterionRead]


class RuleList(Read):
    """The rules of the loaded ruleset."""

    ruleset_digest: str
    rules: list[RuleRead]


class Health(Read):
    """Liveness or readiness."""

    status: str
    ruleset_digest: str | None = None
