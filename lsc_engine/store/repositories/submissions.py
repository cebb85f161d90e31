"""Submissions and their evaluations: packs exactly as received, each evaluation read back once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Row, and_, func
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import col, select

from lsc_engine.core.evaluation import Condition, Evaluation, Readiness
from lsc_engine.core.model_json import model_json
from lsc_engine.store.audit import Draft, sha256
from lsc_engine.store.models import EvaluationRecord, Submission
from lsc_engine.store.read_once import parsed
from lsc_engine.store.repositories.base import Repository, batches, new_id


@dataclass(frozen=True, slots=True)
class EvaluationSummary:
    """A stored evaluation without its result (megabytes, for a large scope): what lists of evaluations name it by."""

    id: str
    submission_id: str
    number: int
    ruleset_digest: str
    as_at: date
    overall: Readiness
    reason: str
    created_at: datetime
    result_digest: str


@dataclass(frozen=True, slots=True)
class StoredEvaluation(EvaluationSummary):
    """One stored evaluation of a submission, its result parsed once when it was read."""

    evaluation: Evaluation

    @property
    def summary(self) -> EvaluationSummary:
        """Return the evaluation without its result."""
        return EvaluationSummary(*(getattr(self, name) for name in EvaluationSummary.__dataclass_fields__))


#: The columns a summary is read from: every one but the result.
_EVALUATION_SUMMARY_COLUMNS = tuple(getattr(EvaluationRecord, name) for name in EvaluationSummary.__dataclass_fields__)


def _stored(record: EvaluationRecord, evaluation: Evaluation | None = None) -> StoredEvaluation:
    """Read an evaluation record (its result is parsed here unless it is already in hand)."""
    return StoredEvaluation(
        id=record.id,
        submission_id=record.submission_id,
        number=record.number,
        ruleset_digest=record.ruleset_digest,
        as_at=record.as_at,
        overall=Readiness(record.overall),
        reason=record.reason,
        created_at=record.created_at,
        result_digest=record.result_digest,
        evaluation=parsed(record.id, record.result_digest, lambda: record.result) if evaluation is None else evaluation,
    )


#: A submission's pack, as the ORM's loading options name it (SQLModel types the field as its value).
_PACK = cast("QueryableAttribute[str]", Submission.pack)
#: An evaluation's result is read only when it is parsed: a request that has parsed it already does not read it again.
_RESULT_LATER = defer(cast("QueryableAttribute[str]", EvaluationRecord.result))


@dataclass(frozen=True, slots=True)
class SubmissionSummary:
    """A stored submission without its pack (megabytes, for a large one): what lists and pages name it by."""

    id: str
    capability: str
    version: int
    cohort: str
    submitter: str
    statement_date: date
    received_at: datetime
    pack_digest: str
    input_digest: str


#: The columns a summary is read from: every one but the pack.
_SUMMARY_COLUMNS = tuple(getattr(Submission, name) for name in SubmissionSummary.__dataclass_fields__)


def _summaries(rows: Iterable[Row[Any]]) -> list[SubmissionSummary]:
    return [SubmissionSummary(**row._mapping) for row in rows]


class _Conditions(BaseModel):
    """The conditions of a stored evaluation, read without the rest of it (its scope may list 100,000 DMCs)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    conditions: list[Condition]


class Submissions(Repository):
    """Stored packs by capability and version, and the evaluations made of each."""

    # -- submissions -------------------------------------------------------------------------------

    def get(self, submission_id: str) -> Submission | None:
        """Return a submission by id."""
        return self._session.get(Submission, submission_id)

    def without_pack(self, submission_id: str) -> Submission | None:
        """Return a submission by id without reading its pack (megabytes, for a large one), which it refuses to give."""
        query = select(Submission).where(Submission.id == submission_id)
        return self._session.exec(query.options(defer(_PACK, raiseload=True))).first()

    def summary(self, submission_id: str) -> SubmissionSummary | None:
        """Return a submission by id without its pack."""
        query = select(*_SUMMARY_COLUMNS).where(Submission.id == submission_id)
        return next(iter(_summaries(self._session.execute(query).all())), None)

    def by_idempotency_key(self, idempotency_key: str) -> Submission | None:
        """Return the submission made with an idempotency key."""
        query = select(Submission).where(Submission.idempotency_key == idempotency_key)
        return self._session.exec(query).first()

    def newest_first(self, *, capability: str | None, limit: int, offset: int) -> list[SubmissionSummary]:
        """Return submissions without their packs, newest first, optionally for one capability."""
        query = select(*_SUMMARY_COLUMNS)
        if capability is not None:
            query = query.where(Submission.capability == capability)
        query = query.order_by(col(Submission.received_at).desc(), col(Submission.id)).limit(limit).offset(offset)
        return _summaries(self._session.execute(query).all())

    def latest(self, capability: str) -> SubmissionSummary | None:
        """Return the newest version of a capability's evidence without its pack."""
        query = select(*_SUMMARY_COLUMNS).where(Submission.capability == capability)
        query = query.order_by(col(Submission.version).desc()).limit(1)
        return next(iter(_summaries(self._session.execute(query).all())), None)

    def versions(self, capability: str, *, through: int) -> list[tuple[int, str]]:
        """Return a capability's versions up to ``through`` as (version, submission id), oldest first."""
        query = (
            select(Submission.version, Submission.id)
            .where(Submission.capability == capability, Submission.version <= through)
            .order_by(col(Submission.version))
        )
        return [(version, ident) for version, ident in self._session.exec(query).all()]

    def placed(self, ids: Iterable[str]) -> dict[str, tuple[str, int]]:
        """Return the capability and version of each of these submissions that is stored, by id (no pack is read)."""
        found: dict[str, tuple[str, int]] = {}
        for batch in batches(ids):
            query = select(Submission.id, Submission.capability, Submission.version).where(
                col(Submission.id).in_(batch)
            )
            found |= {ident: (capability, version) for ident, capability, version in self._session.exec(query).all()}
        return found

    def newest_of(self, capabilities: Iterable[str]) -> dict[str, str]:
        """Return the id of the newest version of each of these capabilities that has one, by capability."""
        found: dict[str, str] = {}
        for batch in batches(capabilities):
            newest = (
                select(Submission.capability, func.max(Submission.version).label("version"))
                .where(col(Submission.capability).in_(batch))
                .group_by(col(Submission.capability))
                .subquery()
            )
            query = select(Submission.capability, Submission.id).join(
                newest,
                and_(col(Submission.capability) == newest.c.capability, col(Submission.version) == newest.c.version),
            )
            found |= dict(self._session.exec(query).all())
        return found

    def ids(self) -> list[str]:
        """Return the id of every stored submission, oldest first."""
        query = select(Submission.id).order_by(col(Submission.received_at), col(Submission.id))
        return list(self._session.exec(query).all())

    def capabilities(self) -> list[str]:
        """Return every capability with a stored submission, in name order."""
        query = select(Submission.capability).distinct().order_by(col(Submission.capability))
        return list(self._session.exec(query).all())

    def add(self, draft: Draft[Submission], *, after: int) -> Submission:
        """Store a pack built by ``new_submission`` as the version of its capability's evidence after ``after``."""
        submission = draft.record
        submission.version = after + 1
        self._audited(
            submission,
            actor=submission.submitter,
            action="submission.create",
            at=submission.received_at,
            texts=draft.texts,
        )
        return submission

    # -- evaluations -------------------------------------------------------------------------------

    def evaluation(self, evaluation_id: str) -> StoredEvaluation | None:
        """Return an evaluation by id."""
        record = self._session.get(EvaluationRecord, evaluation_id, options=[_RESULT_LATER])
        return _stored(record) if record is not None else None

    def evaluations(self, submission_id: str) -> list[StoredEvaluation]:
        """Return a submission's evaluations, oldest first."""
        query = (
            select(EvaluationRecord)
            .where(EvaluationRecord.submission_id == submission_id)
            .order_by(col(EvaluationRecord.number))
            .options(_RESULT_LATER)
        )
        return [_stored(record) for record in self._session.exec(query).all()]

    def evaluation_summaries(self, submission_ids: Iterable[str]) -> dict[str, list[EvaluationSummary]]:
        """Return each of these submissions' evaluations without their results, oldest first, by submission id."""
        found: dict[str, list[EvaluationSummary]] = {}
        for batch in batches(submission_ids):
            query = (
                select(*_EVALUATION_SUMMARY_COLUMNS)
                .where(col(EvaluationRecord.submission_id).in_(batch))
                .order_by(col(EvaluationRecord.submission_id), col(EvaluationRecord.number))
            )
            for row in self._session.execute(query).all():
                values = dict(row._mapping)
                values["overall"] = Readiness(values["overall"])
                found.setdefault(row.submission_id, []).append(EvaluationSummary(**values))
        return found

    def submission_of_evaluations(self, evaluation_ids: Iterable[str]) -> dict[str, str]:
        """Return the submission of each of these evaluations that exists, by evaluation id."""
        found: dict[str, str] = {}
        for batch in batches(evaluation_ids):
            query = select(EvaluationRecord.id, EvaluationRecord.submission_id).where(
                col(EvaluationRecord.id).in_(batch)
            )
            found.update((ident, submission) for ident, submission in self._session.exec(query).all())
        return found

    def latest_conditions(self, ids: Iterable[str]) -> dict[str, list[Condition]]:
        """Return the conditions of each of these submissions' newest evaluations, by submission id."""
        wanted = set(ids)
        found: dict[str, list[Condition]] = {}
        number = col(EvaluationRecord.number)
        for batch in batches(wanted):
            newest = (
                select(EvaluationRecord.submission_id, func.max(number).label("number"))
                .where(col(EvaluationRecord.submission_id).in_(batch))
                .group_by(col(EvaluationRecord.submission_id))
                .subquery()
            )
            query = select(EvaluationRecord.submission_id, EvaluationRecord.result).join(
                newest,
                and_(col(EvaluationRecord.submission_id) == newest.c.submission_id, number == newest.c.number),
            )
            for ident, result in self._session.exec(query).all():
                found[ident] = _Conditions.model_validate_json(result).conditions
        missing = sorted(wanted - found.keys())
        if missing:
            raise LookupError(f"submission {missing[0]} has no evaluation: each is stored with its first")
        return found

    def first_evaluation(self, submission_id: str) -> StoredEvaluation:
        """Return the evaluation a submission was stored with."""
        return self._edge_evaluation(submission_id, newest=False)

    def latest_evaluation(self, submission_id: str) -> StoredEvaluation:
        """Return a submission's newest evaluation."""
        return self._edge_evaluation(submission_id, newest=True)

    def _edge_evaluation(self, submission_id: str, *, newest: bool) -> StoredEvaluation:
        number = col(EvaluationRecord.number)
        query = (
            select(EvaluationRecord)
            .where(EvaluationRecord.submission_id == submission_id)
            .order_by(number.desc() if newest else number)
            .options(_RESULT_LATER)
        )
        record = self._session.exec(query.limit(1)).first()
        if record is None:
            raise LookupError(f"submission {submission_id} has no evaluation: each is stored with its first")
        return _stored(record)

    def add_evaluation(self, draft: Draft[EvaluationRecord], evaluation: Evaluation, *, actor: str) -> StoredEvaluation:
        """Store an evaluation of a submission (see ``new_evaluation``), numbered next unless it has its number."""
        record = draft.record
        if record.number == NEXT:
            query = select(func.max(EvaluationRecord.number)).where(
                EvaluationRecord.submission_id == record.submission_id
            )
            record.number = int(self._session.exec(query).one() or 0) + 1
        self._audited(record, actor=actor, action="evaluation.create", at=record.created_at, texts=draft.texts)
        return _stored(record, evaluation)


#: The number of a record not yet numbered: a version or an evaluation's number is given under the head's lock.
NEXT = 0


def new_submission(
    *,
    body: bytes,
    capability: str,
    cohort: str,
    statement_date: date,
    input_digest: str,
    idempotency_key: str | None,
    request_digest: str,
    submitter: str,
    at: datetime,
) -> Draft[Submission]:
    """Build a submission of a pack exactly as received, to store with ``Submissions.add``, which gives its version."""
    pack_digest = sha256(body)
    submission = Submission(
        id=new_id(),
        capability=capability,
        version=NEXT,
        cohort=cohort,
        submitter=submitter,
        statement_date=statement_date,
        received_at=at,
        pack=body.decode("utf-8"),
        pack_digest=pack_digest,
        input_digest=input_digest,
        idempotency_key=idempotency_key,
        request_digest=request_digest,
    )
    return Draft.of(submission, known={"pack": pack_digest})  # the pack is the body, so its digest is the body's


def new_evaluation(
    submission_id: str, evaluation: Evaluation, *, reason: str, at: datetime, number: int = NEXT
) -> Draft[EvaluationRecord]:
    """Build an evaluation record, serialised and digested, to store with ``Submissions.add_evaluation``.

    ``number`` 1 is the evaluation a submission is stored with; by default it is numbered next when stored.
    """
    text = model_json(evaluation).decode()
    result_digest = sha256(text)
    record = EvaluationRecord(
        id=new_id(),
        submission_id=submission_id,
        number=number,
        ruleset_digest=evaluation.ruleset_digest,
        as_at=evaluation.as_at,
        overall=evaluation.overall.value,
        reason=reason,
        created_at=at,
        result=text,
        result_digest=result_digest,
    )
    return Draft.of(record, known={"result": result_digest})
