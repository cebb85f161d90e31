"""The service: evaluate, store, re-evaluate, compare and replay; what the HTTP API and the CLI both call."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict

from lsc_engine.core import engine as rules_engine
from lsc_engine.core.decision import evaluate
from lsc_engine.core.diff import Cause, Diff, Override, changed_cells, diff, differing
from lsc_engine.core.document import PackDocument
from lsc_engine.core.evaluation import Evaluation, Readiness
from lsc_engine.core.evidence import EvidencePack, Group
from lsc_engine.core.loading import gc_paused, parse_pack, read_stored_pack
from lsc_engine.core.ruleset import Ruleset
from lsc_engine.errors import Conflict, InvalidAction, NotFound
from lsc_engine.services.turns import Turns
from lsc_engine.store.audit import Draft, sha256
from lsc_engine.store.db import Collision, Database
from lsc_engine.store.models import ConditionRecord, EvaluationRecord, Submission
from lsc_engine.store.repositories.conditions import new_conditions
from lsc_engine.store.repositories.submissions import (
    EvaluationSummary,
    StoredEvaluation,
    Submissions,
    SubmissionSummary,
    new_evaluation,
    new_submission,
)
from lsc_engine.store.transactions import reading, writing

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Stored:
    """A submission and one of its evaluations, as stored."""

    submission: Submission
    record: StoredEvaluation
    replayed: bool = False

    @property
    def evaluation(self) -> Evaluation:
        """Return the evaluation's result."""
        return self.record.evaluation


@dataclass(frozen=True)
class SubmissionDrafts:
    """What a submission stores, built before the audit chain's head is taken."""

    submission: Draft[Submission]
    evaluation: Draft[EvaluationRecord]
    result: Evaluation
    conditions: list[ConditionRecord]


@dataclass(frozen=True)
class Standing:
    """Where a stored submission stands: its newest evaluation, and its capability's newest version (no pack)."""

    submission: SubmissionSummary
    evaluation: StoredEvaluation
    newest: SubmissionSummary

    @property
    def is_newest(self) -> bool:
        """Tell whether this is its capability's newest version (the one the gate reads)."""
        return self.submission.id == self.newest.id


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
        self,
        database: Database,
        ruleset: Ruleset,
        *,
        clock: Clock = _utc_now,
        max_items: int | None = None,
        evaluations: int | None = None,
    ) -> None:
        """``evaluations``: how many packs this process parses and evaluates at once (None: no bound)."""
        self.database = database
        self.ruleset = ruleset
        self.max_items = max_items
        self._clock = clock
        self._turns = Turns(evaluations)
        rules_engine.prepare(ruleset)

    def self_check(self, body: bytes, *, as_at: date | None = None) -> Evaluation:
        """Evaluate a pack without storing anything."""
        with self._turns.turn(submission=False):
            return self._checked(body, as_at)

    def self_check_read(self, pack: EvidencePack, *, as_at: date | None, read_from: int) -> Evaluation:
        """Evaluate a pack read elsewhere from ``read_from`` bytes (the pages' uploads), in a self-check's turn.

        The turn is taken after waiting submissions, and not while one is being stored; as for ``self_check``, the
        cycle collector is held off while a large pack is evaluated.
        """
        with self._turns.turn(submission=False), gc_paused(read_from):
            return evaluate(pack, self.ruleset, as_at=as_at or pack.statement.date)

    def self_check_now(self, body: bytes, *, as_at: date | None = None) -> Evaluation | None:
        """Evaluate a pack without storing anything if a turn is free at once; None, having done nothing, if not."""
        with self._turns.turn_now() as taken:
            return self._checked(body, as_at) if taken else None

    def _checked(self, body: bytes, as_at: date | None) -> Evaluation:
        # A large pack is built, evaluated and freed without the cycle collector walking it.
        with gc_paused(len(body)):
            pack = parse_pack(body, yaml_allowed=False, max_items=self.max_items)
            result = evaluate(pack, self.ruleset, as_at=as_at or pack.statement.date)
            del pack
        return result

    def submit(
        self,
        body: bytes,
        *,
        submitter: str,
        as_at: date | None = None,
        idempotency_key: str | None = None,
        key_holder: str = "",
    ) -> Stored:
        """Validate, evaluate and store a pack; a retry with the same idempotency key returns the first result.

        An idempotency key is the caller's own (``key_holder``: the token that sent it): another caller's same key
        neither replays this submission nor learns of it.
        """
        with gc_paused(len(body)):  # as in self_check
            scoped = None if idempotency_key is None else HeldKey(idempotency_key, key_holder)
            return self._submit(body, submitter, as_at, scoped)

    def _submit(self, body: bytes, submitter: str, as_at: date | None, idempotency_key: HeldKey | None) -> Stored:
        with ExitStack() as storing:
            with self._turns.turn(submission=True):
                pack = parse_pack(body, yaml_allowed=False, max_items=self.max_items)
                when = self._kept_date(as_at or pack.statement.date, "as_at" if as_at else "statement.date")
                request_digest = sha256(body + f"|as_at={when.isoformat()}".encode())
                if idempotency_key is not None:
                    earlier = self._replay(idempotency_key, request_digest)
                    if earlier is not None:
                        return earlier
                result = evaluate(pack, self.ruleset, as_at=when)
                drafts = self._drafts(body, pack, result, submitter, idempotency_key, request_digest)
                # Self-checks are held back before this turn is given back, so that none starts in between.
                storing.enter_context(self._turns.storing())
            try:
                return self._store_submission(drafts)
            except Collision:
                # Another request with the same key won the race; answer with what it stored.
                if idempotency_key is not None:
                    earlier = self._replay(idempotency_key, request_digest)
                    if earlier is not None:
                        return earlier
                raise

    def _replay(self, idempotency_key: HeldKey, request_digest: str) -> Stored | None:
        with reading(self.database) as tx:
            earlier = tx.submissions.by_idempotency_key(idempotency_key.stored)
            if earlier is None:
                return None
            if earlier.request_digest != request_digest:
                raise Conflict(
                    "this Idempotency-Key was already used for a different request",
                    details={"idempotency_key": idempotency_key.key, "submission_id": earlier.id},
                )
            return Stored(earlier, tx.submissions.first_evaluation(earlier.id), replayed=True)

    def _drafts(
        self,
        body: bytes,
        pack: EvidencePack,
        result: Evaluation,
        submitter: str,
        idempotency_key: HeldKey | None,
        request_digest: str,
    ) -> SubmissionDrafts:
        """Build, serialise and digest everything a submission stores but its version, before the head is taken."""
        now = self._clock()
        submission = new_submission(
            body=body,
            capability=pack.statement.capability,
            cohort=pack.statement.cohort,
            statement_date=pack.statement.date,
            input_digest=result.input_digest,
            idempotency_key=idempotency_key.stored if idempotency_key else None,
            request_digest=request_digest,
            submitter=submitter,
            at=now,
        )
        submission_id = submission.record.id
        return SubmissionDrafts(
            submission=submission,
            evaluation=new_evaluation(submission_id, result, reason="submission", at=now, number=1),
            result=result,
            conditions=new_conditions(
                result.conditions,
                capability=pack.statement.capability,
                submission_id=submission_id,
                actor=submitter,
                at=now,
            ),
        )

    def _store_submission(self, drafts: SubmissionDrafts) -> Stored:
        """Store a submission: under the audit chain's head, only its version is given and its records appended."""
        submitter = drafts.submission.record.submitter
        with writing(self.database) as tx:
            standing = tx.capabilities.standing(drafts.submission.record.capability)
            submission = tx.submissions.add(drafts.submission, after=standing.version)
            record = tx.submissions.add_evaluation(drafts.evaluation, drafts.result, actor=submitter)
            tx.conditions.register(drafts.conditions, known=standing.condition_keys)
        return Stored(submission, record)

    def get_submission(self, submission_id: str) -> SubmissionSummary:
        """Return a stored submission without its pack."""
        with reading(self.database) as tx:
            return _summary(tx.submissions, submission_id)

    def evidence(self, submission_id: str) -> EvidencePack:
        """Return a stored submission's pack, read back as evaluated."""
        with reading(self.database) as tx:
            pack = _submission(tx.submissions, submission_id).pack
        return read_stored_pack(pack)

    def list_submissions(self, *, capability: str | None, limit: int, offset: int) -> list[SubmissionSummary]:
        """Return stored submissions without their packs, newest first."""
        with reading(self.database) as tx:
            return tx.submissions.newest_first(capability=capability, limit=limit, offset=offset)

    def capabilities(self) -> list[str]:
        """Return every capability with a stored submission, in name order."""
        with reading(self.database) as tx:
            return tx.submissions.capabilities()

    def standing(self, submission_id: str) -> Standing:
        """Return a stored submission with its newest evaluation and its capability's newest version."""
        with reading(self.database) as tx:
            submission = _summary(tx.submissions, submission_id)
            newest = tx.submissions.latest(submission.capability)
            assert newest is not None, "a stored submission is a version of its capability"
            return Standing(submission, tx.submissions.latest_evaluation(submission_id), newest)

    def capability_evaluations(self, capability: str) -> list[tuple[int, EvaluationSummary]]:
        """Return a summary of every evaluation of every version of a capability, with its version, oldest first."""
        with reading(self.database) as tx:
            newest = tx.submissions.latest(capability)
            if newest is None:
                return []
            versions = tx.submissions.versions(capability, through=newest.version)
            found = tx.submissions.evaluation_summaries(ident for _, ident in versions)
        return [(version, summary) for version, ident in versions for summary in found.get(ident, [])]

    def evaluations(self, submission_id: str) -> list[StoredEvaluation]:
        """Return a submission's evaluations, oldest first."""
        with reading(self.database) as tx:
            _summary(tx.submissions, submission_id)
            return tx.submissions.evaluations(submission_id)

    def evaluation_summaries(self, submission_id: str) -> list[EvaluationSummary]:
        """Return a submission's evaluations without their results, oldest first."""
        with reading(self.database) as tx:
            _summary(tx.submissions, submission_id)
            return tx.submissions.evaluation_summaries([submission_id]).get(submission_id, [])

    def evaluation(self, evaluation_id: str) -> StoredEvaluation:
        """Return a stored evaluation by its id."""
        with reading(self.database) as tx:
            stored = tx.submissions.evaluation(evaluation_id)
        if stored is None:
            raise NotFound(f"no evaluation {evaluation_id}", details={"evaluation_id": evaluation_id})
        return stored

    def _kept_date(self, as_at: date, field: str) -> date:
        """Refuse an as-at date still to come for an evaluation that is kept (a self-check may look ahead)."""
        today = self._clock().date()
        if as_at > today:
            raise InvalidAction(
                f"an evaluation kept on record speaks for a day that has come; {as_at} is after today ({today})",
                details={"field": field, "as_at": as_at.isoformat(), "today": today.isoformat()},
            )
        return as_at

    def re_evaluate(self, submission_id: str, *, as_at: date | None, actor: str) -> tuple[Stored, Diff]:
        """Evaluate a stored pack again under the current ruleset, store the result, and say what flipped."""
        with reading(self.database) as tx:
            submission = _submission(tx.submissions, submission_id)
            previous = tx.submissions.latest_evaluation(submission_id)
        pack = read_stored_pack(submission.pack)
        result = evaluate(pack, self.ruleset, as_at=self._kept_date(as_at or previous.as_at, "as_at"))
        draft = new_evaluation(submission_id, result, reason="re-evaluation", at=self._clock())
        with writing(self.database) as tx:
            record = tx.submissions.add_evaluation(draft, result, actor=actor)
        changes = diff(previous.evaluation, result, before_id=previous.id, after_id=record.id)
        return Stored(submission, record), changes

    def pack(self, submission_id: str) -> PackDocument:
        """Return a stored pack as received, with the conditions its evaluations hold confidential."""
        with reading(self.database) as tx:
            submission = _submission(tx.submissions, submission_id)
            evaluations = tx.submissions.evaluations(submission_id)
        secret = frozenset(
            condition.id
            for stored in evaluations
            for condition in stored.evaluation.conditions
            if condition.confidential
        )
        return PackDocument.of(json.loads(submission.pack), confidential_conditions=secret)

    def diff(self, submission_id: str, *, before_id: str | None, after_id: str | None) -> Diff:
        """Compare two evaluations, given by evaluation or submission id (a submission means its latest)."""
        with reading(self.database) as tx:
            submissions = tx.submissions
            capability = _summary(submissions, submission_id).capability
            before = _resolve(submissions, before_id, capability) if before_id else None
            after = _resolve(submissions, after_id, capability) if after_id else None
            before = before or submissions.first_evaluation(submission_id)
            after = after or submissions.latest_evaluation(submission_id)
            latest = {(a.criterion, a.group): a for a in tx.committee.assessments(after.submission_id)}
        overrides = [
            Override(
                criterion=a.criterion,
                group=a.group,
                proposed=a.proposed,
                decided=a.rating,
                assessor=a.assessor,
                rationale=a.rationale,
            )
            for a in latest.values()
            if a.override
        ]
        old, new = before.evaluation, after.evaluation
        attribution = self._attribute(old, new, after.submission_id)
        return diff(old, new, before_id=before.id, after_id=after.id, attribution=attribution, overrides=overrides)

    def _attribute(self, old: Evaluation, new: Evaluation, new_id: str) -> dict[tuple[str, Group], list[Cause]]:
        """Split a change between new evidence and a new as-at date by evaluating the new pack at the old date.

        Only such a change reads the new pack (a stored pack never changes, so it may be read after the comparison).
        """
        factors = differing(old, new)
        if set(factors) != {Cause.EVIDENCE, Cause.AS_AT} or new.ruleset_digest != self.ruleset.digest:
            return {}
        middle = evaluate(self.evidence(new_id), self.ruleset, as_at=old.as_at)
        by_evidence, by_date = changed_cells(old, middle), changed_cells(middle, new)
        return {
            key: [cause for cause, cells in ((Cause.EVIDENCE, by_evidence), (Cause.AS_AT, by_date)) if key in cells]
            for key in changed_cells(old, new)
        }

    def replay(self, candidate: Ruleset) -> tuple[int, list[ReplayFlip]]:
        """Evaluate every stored submission under a candidate ruleset and list those whose ratings would change."""
        flips = []
        with reading(self.database) as tx:
            ids = tx.submissions.ids()
        for submission_id in ids:
            with reading(self.database) as tx:
                submission = _submission(tx.submissions, submission_id)
                record = tx.submissions.latest_evaluation(submission_id)
            current = record.evaluation
            pack = read_stored_pack(submission.pack)
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


def _submission(submissions: Submissions, submission_id: str) -> Submission:
    """Return a stored submission with its pack, or raise NotFound."""
    submission = submissions.get(submission_id)
    if submission is None:
        raise NotFound(f"no submission {submission_id}", details={"submission_id": submission_id})
    return submission


def _summary(submissions: Submissions, submission_id: str) -> SubmissionSummary:
    """Return a stored submission without its pack, or raise NotFound."""
    summary = submissions.summary(submission_id)
    if summary is None:
        raise NotFound(f"no submission {submission_id}", details={"submission_id": submission_id})
    return summary


@dataclass(frozen=True)
class HeldKey:
    """An idempotency key as its sender gave it, and as it is stored: digested with who sent it."""

    key: str
    holder: str

    @property
    def stored(self) -> str:
        """Return the key as stored: unique to its holder, and as long whatever the key's length."""
        return sha256(f"{self.holder}\x00{self.key}")


def _resolve(submissions: Submissions, ident: str, capability: str) -> StoredEvaluation:
    """Return an evaluation by its id, or a submission's newest by the submission's id, of one capability only.

    An id of another capability's evidence is not found: a comparison never reaches past the capability in the
    address, so whatever may be seen of it is decided by that address alone.
    """
    stored = submissions.evaluation(ident)
    owner = submissions.summary(stored.submission_id if stored is not None else ident)
    if owner is not None and owner.capability == capability:
        return stored if stored is not None else submissions.latest_evaluation(ident)
    raise NotFound(f"no evaluation or submission {ident} of {capability}", details={"id": ident})
