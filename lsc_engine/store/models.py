"""The stored records. Rows are only ever inserted; the audit head is the one row that moves."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Column, DateTime, Dialect, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored and returned in UTC, whichever database holds it (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store in UTC."""
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC timestamp."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Submission(SQLModel, table=True):
    """An evidence pack exactly as received, as one version of a capability's evidence."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("capability", "version", name="uq_submission_capability_version"),)

    id: str = Field(primary_key=True, max_length=32)
    capability: str = Field(index=True, max_length=120)
    version: int
    cohort: str = Field(sa_column=Column(Text, nullable=False))
    submitter: str = Field(max_length=200)
    statement_date: date
    received_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    pack: str = Field(sa_column=Column(Text, nullable=False))
    pack_digest: str = Field(max_length=80)
    input_digest: str = Field(max_length=80)
    idempotency_key: str | None = Field(default=None, max_length=200, unique=True)
    request_digest: str = Field(max_length=80)


class EvaluationRecord(SQLModel, table=True):
    """One evaluation of a stored submission under one ruleset as at one date."""

    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("submission_id", "number", name="uq_evaluation_submission_number"),)

    id: str = Field(primary_key=True, max_length=32)
    submission_id: str = Field(foreign_key="submission.id", index=True, max_length=32)
    number: int = Field(description="1 for the evaluation made on submission, then 2, 3, ... for re-evaluations")
    ruleset_digest: str = Field(max_length=80)
    as_at: date
    overall: str = Field(max_length=40)
    reason: str = Field(max_length=40)
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    result: str = Field(sa_column=Column(Text, nullable=False))
    result_digest: str = Field(max_length=80)


class AuditEntry(SQLModel, table=True):
    """One write, chained to the one before it by a hash."""

    __tablename__ = "audit_entry"

    seq: int = Field(primary_key=True)
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    actor: str = Field(max_length=200)
    action: str = Field(max_length=80)
    entity: str = Field(max_length=80)
    entity_id: str = Field(max_length=80)
    submission_id: str | None = Field(default=None, max_length=32, index=True)
    record_digest: str = Field(max_length=80)
    prev_hash: str = Field(max_length=80)
    hash: str = Field(max_length=80)


class AuditHead(SQLModel, table=True):
    """The end of the audit chain; locking it orders writers across processes."""

    __tablename__ = "audit_head"

    id: int = Field(primary_key=True)
    seq: int
    hash: str = Field(max_length=80)
