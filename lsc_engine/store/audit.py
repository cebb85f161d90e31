"""The audit chain: every write appends an entry whose hash covers the entry before it and the record written."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from lsc_engine.committee.conditions import Action
from lsc_engine.store.db import audit_key, session_scope
from lsc_engine.store.models import (
    ApiToken,
    AssessmentRecord,
    AuditEntry,
    AuditHead,
    ConditionEventRecord,
    ConditionRecord,
    DecisionRecord,
    Disclosure,
    EvaluationRecord,
    RevocationRecord,
    SessionEvent,
    Submission,
    TokenRevocation,
)

Audited = (
    Submission
    | EvaluationRecord
    | AssessmentRecord
    | RevocationRecord
    | ConditionRecord
    | ConditionEventRecord
    | DecisionRecord
    | ApiToken
    | TokenRevocation
    | Disclosure
    | SessionEvent
)

GENESIS = "sha256:" + "0" * 64


def sha256(data: str | bytes) -> str:
    """Digest text or bytes as ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def _utc(value: datetime) -> str:
    """Render a stored timestamp the same way whichever database gave it back."""
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()


#: Every table whose rows are audited, by the entity name the chain records.
AUDITED: dict[str, type[Audited]] = {
    "submission": Submission,
    "evaluation": EvaluationRecord,
    "assessment": AssessmentRecord,
    "revocation": RevocationRecord,
    "condition": ConditionRecord,
    "condition_event": ConditionEventRecord,
    "decision": DecisionRecord,
    "api_token": ApiToken,
    "token_revocation": TokenRevocation,
    "disclosure": Disclosure,
    "session_event": SessionEvent,
}
ENTITY = {model: name for name, model in AUDITED.items()}


#: Columns added after their table's records were first chained: left out of a record's digest while
#: they hold this default, so that records written before the column existed still verify.
ADDED_LATER: dict[str, dict[str, object]] = {"condition": {"confidential": False}}


def record_digest(record: Audited) -> str:
    """Digest every column of a stored record, so that any edit to it shows."""
    fields = record.model_dump(mode="json")
    for name, default in ADDED_LATER.get(ENTITY[type(record)], {}).items():
        if fields.get(name) == default:
            del fields[name]
    for name, value in fields.items():
        if isinstance(value, str) and len(value) > 4096:
            fields[name] = sha256(value)  # large texts (packs, results) enter by their digest
    return sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")))


def mac(key: bytes, entry_hash: str) -> str:
    """Return the HMAC that vouches an entry hash was written by someone holding the key."""
    return "hmac-sha256:" + hmac.new(key, entry_hash.encode(), hashlib.sha256).hexdigest()


def _submission_of(record: Audited) -> str | None:
    if isinstance(record, Submission):
        return record.id
    submission_id = getattr(record, "submission_id", None)
    return submission_id if isinstance(submission_id, str) else None


def entry_hash(entry: AuditEntry) -> str:
    body = {
        "seq": entry.seq,
        "at": _utc(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "submission_id": entry.submission_id,
        "record_digest": entry.record_digest,
        "prev_hash": entry.prev_hash,
    }
    return sha256(json.dumps(body, sort_keys=True, separators=(",", ":")))


class Chain:
    """The audit chain's head, locked for the rest of the transaction so writers append one at a time."""

    def __init__(self, session: Session) -> None:
        self._session = session
        if session.get_bind().dialect.name == "sqlite":
            # A write before any read takes SQLite's write lock now, so that no other writer can slip in
            # between this transaction's reads and its writes (PostgreSQL's row lock below does the same).
            session.exec(update(AuditHead).where(col(AuditHead.id) == 1).values(seq=AuditHead.seq))
        self._head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
        bind = session.get_bind()
        self._key = audit_key(bind) if isinstance(bind, Engine) else None

    def add(
        self, record: Audited, *, actor: str, action: str, at: datetime, submission_id: str | None = None
    ) -> AuditEntry:
        """Write a record in this transaction and append its entry, flushed first so that its values are final."""
        self._session.add(record)
        self._session.flush()
        return self.append(actor=actor, action=action, record=record, at=at, submission_id=submission_id)

    def append(
        self, *, actor: str, action: str, record: Audited, at: datetime, submission_id: str | None = None
    ) -> AuditEntry:
        """Append an entry for a record written in this transaction (flushed, so its values are final)."""
        entry = AuditEntry(
            seq=self._head.seq + 1,
            at=at,
            actor=actor,
            action=action,
            entity=ENTITY[type(record)],
            entity_id=record.id,
            submission_id=submission_id or _submission_of(record),
            record_digest=record_digest(record),
            prev_hash=self._head.hash,
            hash="",
        )
        entry.hash = entry_hash(entry)
        if self._key is not None:
            entry.mac = mac(self._key, entry.hash)
        self._head.seq, self._head.hash = entry.seq, entry.hash
        self._session.add(entry)
        self._session.add(self._head)
        return entry


#: How each kind of record enters the chain: the actions that write one (a record is written once).
WRITTEN_BY: dict[str, tuple[str, ...]] = {
    "submission": ("submission.create",),
    "evaluation": ("evaluation.create",),
    "assessment": ("assessment.create",),
    "revocation": ("revocation.create",),
    "condition": ("condition.create",),
    "condition_event": tuple(f"condition.{action.value}" for action in Action),
    "decision": ("decision.create",),
    "api_token": ("token.create",),
    "token_revocation": ("token.revoke",),
    "disclosure": ("confidential.read",),
    "session_event": ("session.sign_in", "session.sign_out"),
}


@dataclass(frozen=True)
class Verification:
    """The outcome of checking the audit chain and the records it covers."""

    entries: int
    records: int
    problems: list[str]
    head: str = ""
    keyed_from: int | None = None
    macs_checked: bool = False

    @property
    def intact(self) -> bool:
        """Tell whether nothing was found wrong."""
        return not self.problems


class _Walk:
    """What a walk along the chain has seen so far."""

    def __init__(self, key: bytes | None, keyed_since: int, expect_head: tuple[int, str] | None) -> None:
        self.key = key
        self.keyed_since = keyed_since
        self.expect_head = expect_head
        self.problems: list[str] = []
        self.previous = GENESIS
        self.last_seq = 0
        self.count = 0
        self.keyed_from: int | None = None
        self.covered: dict[tuple[str, str], str] = {}
        self.written_at: dict[tuple[str, str], int] = {}

    def check(self, entry: AuditEntry) -> None:
        """Check one entry against the one before it, its own hash, its MAC, and the record it writes."""
        self.count += 1
        problems = self.problems
        if entry.seq != self.last_seq + 1:
            problems.append(f"audit entry {self.last_seq + 1} is missing (next is {entry.seq})")
        if entry.prev_hash != self.previous:
            problems.append(f"audit entry {entry.seq} does not follow entry {entry.seq - 1}")
        if entry_hash(entry) != entry.hash:
            problems.append(f"audit entry {entry.seq} was altered")
        self._check_mac(entry)
        self._check_written_once(entry)
        if self.expect_head is not None and entry.seq == self.expect_head[0] and entry.hash != self.expect_head[1]:
            problems.append(f"audit entry {entry.seq} is not the one seen earlier: the chain was rewritten")
        self.previous, self.last_seq = entry.hash, entry.seq

    def _check_mac(self, entry: AuditEntry) -> None:
        if entry.mac is not None and self.keyed_from is None:
            self.keyed_from = entry.seq
        if entry.mac is None:
            # Once entries are signed, one that is not was written without the key: that shows without the key too.
            after_keying = self.keyed_from is not None
            if after_keying or (self.key is not None and entry.seq >= self.keyed_since):
                self.problems.append(f"audit entry {entry.seq} was written without the audit key")
            return
        if self.key is None:
            return
        if not hmac.compare_digest(entry.mac, mac(self.key, entry.hash)):
            self.problems.append(f"audit entry {entry.seq} does not carry the audit key's MAC: it was forged")

    def _check_written_once(self, entry: AuditEntry) -> None:
        subject = (entry.entity, entry.entity_id)
        if entry.action not in WRITTEN_BY.get(entry.entity, ()):
            self.problems.append(
                f"audit entry {entry.seq} records {entry.action} of {entry.entity} {entry.entity_id}, "
                "which is not how such a record is written"
            )
        first = self.written_at.get(subject)
        if first is not None:
            self.problems.append(
                f"{entry.entity} {entry.entity_id} is written twice, in audit entries {first} and {entry.seq}: "
                "a record is written once"
            )
        else:
            self.written_at[subject] = entry.seq
            self.covered[subject] = entry.record_digest


def verify(
    session: Session,
    *,
    batch: int = 1000,
    expect_head: tuple[int, str] | None = None,
    key: bytes | None = None,
    keyed_since: int = 1,
) -> Verification:
    """Walk the chain, recompute every hash, MAC and record digest, and report each discrepancy.

    ``expect_head`` is a (sequence, hash) an earlier run reported and kept elsewhere: the chain must still
    hold that entry unchanged, which catches a chain cut short or rewritten from some point on. With ``key``,
    every entry from ``keyed_since`` on must carry that key's MAC, which someone who can write to the database
    but does not hold the key cannot make.
    """
    walk = _Walk(key, keyed_since, expect_head)
    while True:
        entries = session.exec(
            select(AuditEntry).where(col(AuditEntry.seq) > walk.last_seq).order_by(col(AuditEntry.seq)).limit(batch)
        ).all()
        if not entries:
            break
        for entry in entries:
            walk.check(entry)
    problems = walk.problems
    last_seq, previous = walk.last_seq, walk.previous
    if expect_head is not None and expect_head[0] > last_seq:
        problems.append(f"the chain ends at entry {last_seq}, but entry {expect_head[0]} was seen earlier: it was cut")
    head = session.exec(select(AuditHead).where(AuditHead.id == 1)).one()
    if (head.seq, head.hash) != (last_seq, previous):
        problems.append(f"the chain ends at entry {last_seq} but its head says {head.seq}")
    covered = walk.covered
    records = 0
    for entity, model in AUDITED.items():
        for row in session.exec(select(model).execution_options(yield_per=200)):
            record = cast(Audited, row)
            records += 1
            expected = covered.pop((entity, record.id), None)
            if expected is None:
                problems.append(f"{entity} {record.id} has no audit entry")
            elif expected != record_digest(record):
                problems.append(f"{entity} {record.id} was altered after it was written")
    problems += [f"{entity} {ident} is audited but missing" for entity, ident in sorted(covered)]
    return Verification(
        entries=walk.count,
        records=records,
        problems=problems,
        head=f"{last_seq}:{previous}",
        keyed_from=walk.keyed_from,
        macs_checked=key is not None,
    )


def verify_database(
    database: Engine, *, expect_head: tuple[int, str] | None = None, key: bytes | None = None, keyed_since: int = 1
) -> Verification:
    """Verify the audit chain of a database in one read-only session (see ``verify``)."""
    with session_scope(database) as session:
        return verify(session, expect_head=expect_head, key=key, keyed_since=keyed_since)


def head(database: Engine) -> str:
    """Return the chain's head as SEQ:HASH, to keep elsewhere (in the Panel's minutes, say)."""
    with session_scope(database) as session:
        current = session.exec(select(AuditHead).where(AuditHead.id == 1)).one()
        return f"{current.seq}:{current.hash}"
