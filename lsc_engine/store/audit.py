"""The audit chain: every write appends an entry whose hash covers the entry before it and the record written."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Generic, TypeVar, cast

from sqlalchemy import Engine, Table, TextClause, bindparam, insert, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import ColumnProperty
from sqlmodel import Session, SQLModel, col, select

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
    LetterRecord,
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
    | LetterRecord
)

R = TypeVar("R", bound=Audited)

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
    "letter": LetterRecord,
}
ENTITY = {model: name for name, model in AUDITED.items()}


#: Columns added after their table's records were first chained: left out of a record's digest while
#: they hold this default, so that records written before the column existed still verify.
ADDED_LATER: dict[str, dict[str, object]] = {"condition": {"confidential": False}}


#: A record's texts long enough to enter its digest by their own: each field's value and that value's digest.
LargeTexts = dict[str, tuple[str, str]]

#: How long a text must be to enter a record's digest by its own digest rather than as it is.
LARGE_TEXT = 4096


def large_texts(record: Audited, known: Mapping[str, str] | None = None) -> LargeTexts:
    """Digest a record's large texts, so that this can be done before the audit chain's head is locked.

    ``known`` gives digests already made of some fields' values (a pack's digest, say), which are not made again.
    """
    texts: LargeTexts = {}
    for name in type(record).model_fields:
        value = getattr(record, name)
        if isinstance(value, str) and len(value) > LARGE_TEXT:
            texts[name] = (value, (known or {}).get(name) or sha256(value))
    return texts


@dataclass(frozen=True, slots=True)
class Draft(Generic[R]):
    """A record built, and its large texts digested, before a transaction locks the audit chain's head."""

    record: R
    texts: LargeTexts

    @classmethod
    def of(cls, record: R, known: Mapping[str, str] | None = None) -> Draft[R]:
        """Digest a record's large texts (``known``: digests already made of some fields' values)."""
        return cls(record, large_texts(record, known))


def record_digest(record: Audited, texts: LargeTexts | None = None) -> str:
    """Digest every column of a stored record, so that any edit to it shows.

    ``texts`` are the record's large texts digested beforehand (``large_texts``); each is used only while
    the field still holds that very value.
    """
    fields = record.model_dump(mode="json")
    for name, default in ADDED_LATER.get(ENTITY[type(record)], {}).items():
        if fields.get(name) == default:
            del fields[name]
    known = texts or {}
    for name, value in fields.items():
        if isinstance(value, str) and len(value) > LARGE_TEXT:
            # Large texts (packs, results) enter by their digest.
            held = known.get(name)
            fields[name] = held[1] if held is not None and getattr(record, name) is held[0] else sha256(value)
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


@dataclass(frozen=True, slots=True)
class _Written:
    """A record written in a transaction, waiting for its audit entry."""

    record: Audited
    actor: str
    action: str
    at: datetime
    submission_id: str | None
    texts: LargeTexts | None


class Chain:
    """The audit chain's head, locked for the rest of the transaction so writers append one at a time.

    Audited records are not sent as they are added: when the transaction seals the chain, just before it
    commits, each gets its entry, and the records, the entries and the moved head are written together (on
    PostgreSQL in one statement), so that a write makes few round trips while it holds the head. Until then,
    a query in the same transaction does not see them.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._written: list[_Written] = []
        self._dialect = session.get_bind().dialect.name
        if self._dialect == "sqlite":
            # A write before any read takes SQLite's write lock now, so that no other writer can slip in
            # between this transaction's reads and its writes (PostgreSQL's row lock below does the same).
            session.exec(update(AuditHead).where(col(AuditHead.id) == 1).values(seq=AuditHead.seq))
        head = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
        self._seq, self._hash = session.exec(head).one()
        #: The head's sequence number as the lock found it: the last audited write before this transaction.
        self.found = self._seq
        bind = session.get_bind()
        self._key = audit_key(bind) if isinstance(bind, Engine) else None

    def add(
        self,
        record: Audited,
        *,
        actor: str,
        action: str,
        at: datetime,
        submission_id: str | None = None,
        texts: LargeTexts | None = None,
    ) -> None:
        """Write a record in this transaction, with its entry, when the chain is sealed.

        ``texts`` are its large texts digested before the head was locked (``large_texts``).
        """
        self._written.append(_Written(record, actor, action, at, submission_id, texts))

    def seal(self) -> list[AuditEntry]:
        """Write the records added in this transaction, in order, each with its entry, and move the head.

        A record's digest is taken here, from its values as they are written.
        """
        written, self._written = self._written, []
        entries = [self._entry(each) for each in written]
        if not entries:
            return entries
        runs = [*_runs([each.record for each in written]), _run(entries)]
        if self._dialect == "postgresql":
            # Everything in one statement, one round trip; its rows' foreign keys are checked once all are in.
            shape = tuple((table, len(rows)) for table, rows in runs)
            params = {
                _name(n, i, key): value
                for n, (_, rows) in enumerate(runs)
                for i, row in enumerate(rows)
                for key, value in row.items()
            }
            params |= {"head_seq": self._seq, "head_hash": self._hash}
            self._session.connection().execute(_appending(shape), params)
            return entries
        for table, rows in runs:  # one statement per table, its rows sent together
            self._session.exec(insert(table), params=rows)
        self._session.exec(update(AuditHead).where(col(AuditHead.id) == 1).values(seq=self._seq, hash=self._hash))
        return entries

    def _entry(self, written: _Written) -> AuditEntry:
        record = written.record
        entry = AuditEntry(
            seq=self._seq + 1,
            at=written.at,
            actor=written.actor,
            action=written.action,
            entity=ENTITY[type(record)],
            entity_id=record.id,
            submission_id=written.submission_id or _submission_of(record),
            record_digest=record_digest(record, written.texts),
            prev_hash=self._hash,
            hash="",
        )
        entry.hash = entry_hash(entry)
        if self._key is not None:
            entry.mac = mac(self._key, entry.hash)
        self._seq, self._hash = entry.seq, entry.hash
        return entry


def _row(record: SQLModel) -> dict[str, object]:
    """Return a record's columns and values, to insert."""
    return {attribute.columns[0].key: getattr(record, attribute.key) for attribute in _columns(type(record))}


@cache
def _columns(model: type[SQLModel]) -> list[ColumnProperty[object]]:
    return list(sa_inspect(model).column_attrs)


def _runs(records: list[Audited]) -> list[tuple[Table, list[dict[str, object]]]]:
    """Group records into runs of one table each, in the order written (a record may refer to one before it)."""
    runs: list[tuple[Table, list[dict[str, object]]]] = []
    for record in records:
        table = _table(type(record))
        if not runs or runs[-1][0] is not table:
            runs.append((table, []))
        runs[-1][1].append(_row(record))
    return runs


def _run(entries: list[AuditEntry]) -> tuple[Table, list[dict[str, object]]]:
    return _table(AuditEntry), [_row(entry) for entry in entries]


def _name(run: int, row: int, column: str) -> str:
    return f"w{run}_{row}_{column}"


@lru_cache(maxsize=64)
def _appending(shape: tuple[tuple[Table, int], ...]) -> TextClause:
    """Build the statement that inserts rows into some tables and moves the head (PostgreSQL), once per shape.

    Its inserts are data-modifying CTEs of the head's update. It is the same text for every write of the same
    shape (so many rows into these tables, in this order), so it is compiled once: SQLAlchemy compiles a
    multi-row insert of its own anew each time.
    """
    head = _table(AuditHead).c
    parts: list[str] = []
    binds = [bindparam("head_seq", type_=head.seq.type), bindparam("head_hash", type_=head.hash.type)]
    for n, (table, count) in enumerate(shape):
        columns = list(table.columns)
        rows = []
        for i in range(count):
            names = [_name(n, i, column.key) for column in columns]
            binds += [bindparam(name, type_=column.type) for name, column in zip(names, columns, strict=True)]
            rows.append("(" + ", ".join(f":{name}" for name in names) + ")")
        quoted = ", ".join(f'"{column.name}"' for column in columns)
        parts.append(f'written_{n} AS (INSERT INTO "{table.name}" ({quoted}) VALUES {", ".join(rows)})')
    sql = f"WITH {', '.join(parts)} UPDATE audit_head SET seq = :head_seq, hash = :head_hash WHERE id = 1"
    return text(sql).bindparams(*binds)


@cache
def _table(model: type[SQLModel]) -> Table:
    return cast(Table, sa_inspect(model).local_table)


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
    "letter": ("letter.draft", "letter.edit", "letter.issue"),
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
