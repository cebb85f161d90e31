"""The service: evaluate, store, re-evaluate, compare and replay; what the HTTP API and the CLI both call."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from lsc_engine.core import engine as rules_engine
from lsc_engine.core.decision import evaluate
from lsc_engine.core.diff import Cause, Diff, Override, changed_cells, diff, differing
from lsc_engine.core.evaluation import Evaluation, Readiness
from lsc_engine.core.evidence import EvidencePack, Group
from lsc_engine.core.loading import gc_paused, parse_pack
from lsc_engine.core.ruleset import Rating, Ruleset
from lsc_engine.errors import Conflict, NotFound
from lsc_engine.services.committee import register_conditions
from lsc_engine.store import repository
from lsc_engine.store.audit import Chain, sha256
from lsc_engine.store.db import session_scope
from lsc_engine.store.models import EvaluationRecord, Submission

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Stored:
    """A submission and one of its evaluations, as stored."""

    submission: Submission
    record: EvaluationRecord
    evaluation: Evaluation
    replayed: bool = False


class ReplayFlip(BaseModel):
    """A stored submission whose outcome a candidate ruleset would change."""

    model_config = ConfigDict(frozen=True)

    submission_id: str
    capability: str
    version: int
    as_at: date
    overall_before: Readiness
    overall_after: Readiness
    diff: Diff


class Service:
    """Evaluation with storage: one per process, holding the database engine and the loaded ruleset."""

    def __init__(
        self, database: Engine, ruleset: Ruleset, *, clock: Clock = _utc_now, max_items: int | None = None
    ) -> None:
        self.database = database
        self.ruleset = ruleset
        self.max_items = max_items
        self._clock = clock
        rules_engine.prepare(ruleset)

    def self_check(self, body: bytes, *, as_at: date | None = None) -> Evaluation:
        """Evaluate a pack without storing anything."""
        with gc_paused(len(body)):  # a large pack is built, evaluated and freed without the cycle collector walking it
            pack = parse_pack(body, yaml_allowed=False, max_items=self.max_items)
            result = evaluate(pack, self.ruleset, as_at=as_at or pack.statement.date)
            del pack
        return result

    def submit(
        self, body: bytes, *, submitter: str, as_at: date | None = None, idempotency_key: str | None = None
    ) -> Stored:
        """Validate, evaluate and store a pack; a retry with the same idempotency key returns the first result."""
        with gc_paused(len(body)):  # as in self_check
            return self._submit(body, submitter, as_at, idempotency_key)

    def _submit(self, body: bytes, submitter: str, as_at: date | None, idempotency_key: str | None) -> Stored:
        pack = parse_pack(body, yaml_allowed=False, max_items=self.max_items)
        when = as_at or pack.statement.date
        request_digest = sha256(body + f"|as_at={when.isoformat()}".encode())
        if idempotency_key is not None:
            earlier = self._replay(idempotency_key, request_digest)
            if earlier is not None:
                return earlier
        result = evaluate(pack, self.ruleset, as_at=when)
        try:
            return self._store_submission(body, pack, result, submitter, idempotency_key, request_digest)
        except IntegrityError:
            # Another request with the same key won the race; answer with what it stored.
            if idempotency_key is not None:
                earlier = self._replay(idempotency_key, request_digest)
                if earlier is not None:
                    return earlier
            raise

    def _replay(self, idempotency_key: str, request_digest: str) -> Stored | None:
        with session_scope(self.database) as session:
            earlier = repository.get_submission_by_key(session, idempotency_key=idempotency_key)
            if earlier is None:
                return None
            if earlier.request_digest != request_digest:
                raise Conflict(
                    "this Idempotency-Key was already used for a different request",
                    details={"idempotency_key": idempotency_key, "submission_id": earlier.id},
                )
            record = repository.get_evaluations(session, submission_id=earlier.id)[0]
            return Stored(earlier, record, Evaluation.model_validate_json(record.result), replayed=True)

    def _store_submission(
        self,
        body: bytes,
        pack: EvidencePack,
        result: Evaluation,
        submitter: str,
        idempotency_key: str | None,
        request_digest: str,
    ) -> Stored:
        with session_scope(self.database) as session:
            chain = Chain(session)
            now = self._clock()
            submission = Submission(
                id=uuid.uuid4().hex,
                capability=pack.statement.capability,
                version=repository.next_version(session, capability=pack.statement.capability),
                cohort=pack.statement.cohort,
                submitter=submitter,
                statement_date=pack.statement.date,
                received_at=now,
                pack=body.decode("utf-8"),
                pack_digest=sha256(body),
                input_digest=result.input_digest,
                idempotency_key=idempotency_key,
                request_digest=request_digest,
            )
            chain.add(submission, actor=submitter, action="submission.create", at=now)
            record = self._record(submission.id, 1, result, "submission", now)
            chain.add(record, actor=submitter, action="evaluation.create", at=now)
            register_conditions(
                session, chain, submission=submission, conditions=result.conditions, actor=submitter, now=now
            )
            session.commit()
            return Stored(submission, record, result)

    def _record(
        self, submission_id: str, number: int, result: Evaluation, reason: str, now: datetime
    ) -> EvaluationRecord:
        text = result.model_dump_json()
        return EvaluationRecord(
            id=uuid.uuid4().hex,
            submission_id=submission_id,
            number=number,
            ruleset_digest=result.ruleset_digest,
            as_at=result.as_at,
            overall=result.overall.value,
            reason=reason,
            created_at=now,
            result=text,
            result_digest=sha256(text),
        )

    def get_submission(self, submission_id: str) -> Submission:
        """Return a stored submission."""
        with session_scope(self.database) as session:
            return self._submission(session, submission_id)

    def _submission(self, session: Session, submission_id: str) -> Submission:
        submission = repository.get_submission(session, submission_id=submission_id)
        if submission is None:
            raise NotFound(f"no submission {submission_id}", details={"submission_id": submission_id})
        return submission

    def list_submissions(self, *, capability: str | None, limit: int, offset: int) -> list[Submission]:
        """Return stored submissions, newest first."""
        with session_scope(self.database) as session:
            return list(repository.get_submissions(session, capability=capability, limit=limit, offset=offset))

    def list_evaluations(self, submission_id: str) -> list[EvaluationRecord]:
        """Return a submission's evaluations, oldest first."""
        with session_scope(self.database) as session:
            self._submission(session, submission_id)
            return list(repository.get_evaluations(session, submission_id=submission_id))

    def re_evaluate(self, submission_id: str, *, as_at: date | None, actor: str) -> tuple[Stored, Diff]:
        """Evaluate a stored pack again under the current ruleset, store the result, and say what flipped."""
        with session_scope(self.database) as session:
            submission = self._submission(session, submission_id)
            previous = repository.latest_evaluation(session, submission_id=submission_id)
        assert previous is not None, "every submission is stored with its first evaluation"
        pack = parse_pack(submission.pack.encode(), yaml_allowed=False)
        result = evaluate(pack, self.ruleset, as_at=as_at or previous.as_at)
        with session_scope(self.database) as session:
            chain = Chain(session)
            now = self._clock()
            number = repository.next_evaluation_number(session, submission_id=submission_id)
            record = self._record(submission_id, number, result, "re-evaluation", now)
            chain.add(record, actor=actor, action="evaluation.create", at=now)
            session.commit()
        before = Evaluation.model_validate_json(previous.result)
        changes = diff(before, result, before_id=previous.id, after_id=record.id)
        return Stored(submission, record, result), changes

    def diff(self, submission_id: str, *, before_id: str | None, after_id: str | None) -> Diff:
        """Compare two evaluations, given by evaluation or submission id (a submission means its latest)."""
        with session_scope(self.database) as session:
            self._submission(session, submission_id)
            history = repository.get_evaluations(session, submission_id=submission_id)
            before = self._resolve(session, before_id) if before_id else history[0]
            after = self._resolve(session, after_id) if after_id else history[-1]
            packs = {
                before.submission_id: self._submission(session, before.submission_id).pack,
                after.submission_id: self._submission(session, after.submission_id).pack,
            }
            latest = {
                (a.criterion, a.group): a
                for a in repository.get_assessments(session, submission_id=after.submission_id)
            }
            overrides = [
                Override(
                    criterion=a.criterion,
                    group=Group(a.group),
                    proposed=Rating(a.proposed),
                    decided=Rating(a.rating),
                    assessor=a.assessor,
                    rationale=a.rationale,
                )
                for a in latest.values()
                if a.override
            ]
        old = Evaluation.model_validate_json(before.result)
        new = Evaluation.model_validate_json(after.result)
        attribution = self._attribute(old, new, packs[after.submission_id])
        return diff(old, new, before_id=before.id, after_id=after.id, attribution=attribution, overrides=overrides)

    def _resolve(self, session: Session, ident: str) -> EvaluationRecord:
        record = repository.get_evaluation(session, evaluation_id=ident)
        if record is not None:
            return record
        if repository.get_submission(session, submission_id=ident) is not None:
            latest = repository.latest_evaluation(session, submission_id=ident)
            if latest is not None:
                return latest
        raise NotFound(f"no evaluation or submission {ident}", details={"id": ident})

    def _attribute(self, old: Evaluation, new: Evaluation, new_pack: str) -> dict[tuple[str, Group], list[Cause]]:
        """Split a change between new evidence and a new as-at date by evaluating the new pack at the old date."""
        factors = differing(old, new)
        if set(factors) != {Cause.EVIDENCE, Cause.AS_AT} or new.ruleset_digest != self.ruleset.digest:
            return {}
        middle = evaluate(parse_pack(new_pack.encode(), yaml_allowed=False), self.ruleset, as_at=old.as_at)
        by_evidence, by_date = changed_cells(old, middle), changed_cells(middle, new)
        return {
            key: [cause for cause, cells in ((Cause.EVIDENCE, by_evidence), (Cause.AS_AT, by_date)) if key in cells]
            for key in changed_cells(old, new)
        }

    def replay(self, candidate: Ruleset) -> tuple[int, list[ReplayFlip]]:
        """Evaluate every stored submission under a candidate ruleset and list those whose ratings would change."""
        flips = []
        with session_scope(self.database) as session:
            ids = list(repository.all_submission_ids(session))
        for submission_id in ids:
            with session_scope(self.database) as session:
                submission = self._submission(session, submission_id)
                record = repository.latest_evaluation(session, submission_id=submission_id)
            assert record is not None, "every submission is stored with its first evaluation"
            current = Evaluation.model_validate_json(record.result)
            pack = parse_pack(submission.pack.encode(), yaml_allowed=False)
            proposed = evaluate(pack, candidate, as_at=current.as_at)
            changes = diff(current, proposed, before_id=record.id, after_id="candidate")
            if changes.changes or changes.overall_changed:
                flips.append(
                    ReplayFlip(
                        submission_id=submission.id,
                        capability=submission.capability,
                        version=submission.version,
                        as_at=current.as_at,
                        overall_before=current.overall,
                        overall_after=proposed.overall,
                        diff=changes,
                    )
                )
        return len(ids), flips


def pack_document(submission: Submission) -> object:
    """Return the stored pack as a JSON value."""
    return json.loads(submission.pack)
