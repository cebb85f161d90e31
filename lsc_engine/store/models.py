"""The stored records. Rows are only ever inserted; the audit head is the one row that moves."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Boolean, Column, DateTime, Dialect, Text, TypeDecorator, UniqueConstraint, false
from sqlmodel import Field, SQLModel

#: Room for who acted: role, name and the identity that authenticated them (token id, or JWT issuer and subject).
ACTOR_LENGTH = 400


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
    submitter: str = Field(max_length=ACTOR_LENGTH)
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
    actor: str = Field(max_length=ACTOR_LENGTH)
    action: str = Field(max_length=80)
    entity: str = Field(max_length=80)
    entity_id: str = Field(max_length=80)
    submission_id: str | None = Field(default=None, max_length=32, index=True)
    record_digest: str = Field(max_length=80)
    prev_hash: str = Field(max_length=80)
    hash: str = Field(max_length=80)
    mac: str | None = Field(default=None, max_length=80, description="HMAC of the hash, where a key is configured")


class AuditHead(SQLModel, table=True):
    """The end of the audit chain; locking it orders writers across processes."""

    __tablename__ = "audit_head"

    id: int = Field(primary_key=True)
    seq: int
    hash: str = Field(max_length=80)


class AssessmentRecord(SQLModel, table=True):
    """A group's decision on one criterion of a submission: the engine's proposal confirmed or overridden."""

    __tablename__ = "assessment"

    id: str = Field(primary_key=True, max_length=32)
    submission_id: str = Field(foreign_key="submission.id", index=True, max_length=32)
    evaluation_id: str = Field(foreign_key="evaluation.id", max_length=32)
    criterion: str = Field(max_length=20)
    group: str = Field(max_length=10)
    accepted: bool = Field(description="Whether the group accepts DCC's statement of readiness for the criterion")
    proposed: str = Field(max_length=40)
    rating: str = Field(max_length=40)
    override: bool
    assessor: str = Field(max_length=200)
    rationale: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    actor: str = Field(max_length=ACTOR_LENGTH)
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class RevocationRecord(SQLModel, table=True):
    """A group withdrawing its recommendation of a submission."""

    __tablename__ = "revocation"

    id: str = Field(primary_key=True, max_length=32)
    submission_id: str = Field(foreign_key="submission.id", index=True, max_length=32)
    group: str = Field(max_length=10)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    actor: str = Field(max_length=ACTOR_LENGTH)
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class ConditionRecord(SQLModel, table=True):
    """A condition on a capability's go-live, raised by a rule or by hand; its state comes from its events."""

    __tablename__ = "condition"
    __table_args__ = (UniqueConstraint("capability", "key", name="uq_condition_capability_key"),)

    id: str = Field(primary_key=True, max_length=32)
    capability: str = Field(index=True, max_length=120)
    key: str = Field(max_length=120)
    kind: str = Field(max_length=40)
    owner: str = Field(max_length=10)
    criteria: str = Field(sa_column=Column(Text, nullable=False), description="JSON list of criterion ids")
    text: str = Field(sa_column=Column(Text, nullable=False))
    due: str = Field(max_length=400)
    due_date: date | None = None
    report_every_days: int | None = None
    source: str = Field(max_length=120, description="The rule that raised it, 'manual', or 'carried over'")
    submission_id: str | None = Field(default=None, foreign_key="submission.id", max_length=32)
    actor: str = Field(max_length=ACTOR_LENGTH)
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    confidential: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=false()),
        description="Rests on confidential evidence: its text is for the owner group and the Panel",
    )


class ConditionEventRecord(SQLModel, table=True):
    """Something that happened to a condition: satisfied, waived, breached, a report, a pause armed or cleared."""

    __tablename__ = "condition_event"
    __table_args__ = (UniqueConstraint("condition_id", "number", name="uq_condition_event_number"),)

    id: str = Field(primary_key=True, max_length=32)
    condition_id: str = Field(foreign_key="condition.id", index=True, max_length=32)
    number: int
    action: str = Field(max_length=40)
    actor: str = Field(max_length=ACTOR_LENGTH)
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    on: date = Field(description="The date the event speaks for (a report's date, when evidence arrived)")
    evidence: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    rationale: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    approver: str | None = Field(default=None, max_length=200)


class DecisionRecord(SQLModel, table=True):
    """The Panel's decision on a submission; a correction is a new decision that supersedes it."""

    __tablename__ = "decision"

    id: str = Field(primary_key=True, max_length=32)
    submission_id: str = Field(foreign_key="submission.id", index=True, max_length=32)
    evaluation_id: str = Field(foreign_key="evaluation.id", max_length=32)
    outcome: str = Field(max_length=40)
    considered_on: date
    supersedes: str | None = Field(default=None, max_length=32, unique=True)
    snapshot: str = Field(sa_column=Column(Text, nullable=False), description="JSON: what the letter is built from")
    actor: str = Field(max_length=ACTOR_LENGTH)
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class ApiToken(SQLModel, table=True):
    """A bearer token: who holds it and in what role. Only its hash is stored."""

    __tablename__ = "api_token"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    token_hash: str = Field(max_length=80, unique=True)
    actor: str = Field(max_length=ACTOR_LENGTH)
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class TokenRevocation(SQLModel, table=True):
    """The end of a token's life; a revoked token never authenticates again."""

    __tablename__ = "token_revocation"

    id: str = Field(primary_key=True, max_length=32)
    token_id: str = Field(foreign_key="api_token.id", unique=True, max_length=32)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    actor: str = Field(max_length=ACTOR_LENGTH)
    revoked_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class WebSession(SQLModel, table=True):
    """A browser's sign-in with a token: the cookie holds a random secret, this row only its hash.

    The one kind of row outside the audit chain, on purpose: it is working state, deleted when the session ends
    or expires so that its secret stops working, and a chained row may never change or go. What happened is
    chained instead: each sign-in and sign-out is a ``SessionEvent``.
    """

    __tablename__ = "web_session"

    id: str = Field(primary_key=True, max_length=80, description="SHA-256 of the cookie's secret")
    token_id: str = Field(foreign_key="api_token.id", index=True, max_length=32)
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class RateWindow(SQLModel, table=True):
    """How many requests a token has been granted in one minute, shared by every replica."""

    __tablename__ = "rate_window"

    token_id: str = Field(primary_key=True, max_length=32)
    minute: int = Field(primary_key=True, description="Minutes since the epoch")
    granted: int = Field(default=0)


class Disclosure(SQLModel, table=True):
    """Confidential evidence shown to someone allowed to see it: who, what, where and from which submission."""

    __tablename__ = "disclosure"

    id: str = Field(primary_key=True, max_length=32)
    submission_id: str | None = Field(default=None, max_length=32, index=True)
    actor: str = Field(max_length=ACTOR_LENGTH)
    view: str = Field(max_length=200, description="The endpoint or page that showed the items")
    items: str = Field(sa_column=Column(Text, nullable=False), description="JSON list of the confidential item ids")
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class SessionEvent(SQLModel, table=True):
    """A browser signing in with a token, or signing out; sessions come and go, these stay."""

    __tablename__ = "session_event"

    id: str = Field(primary_key=True, max_length=32)
    token_id: str = Field(index=True, max_length=32)
    event: str = Field(max_length=20, description="sign_in or sign_out")
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class LetterRecord(SQLModel, table=True):
    """One revision of a Panel letter: a draft as composed or edited, or the letter as issued, with its files."""

    __tablename__ = "letter"
    __table_args__ = (UniqueConstraint("letter_id", "revision", name="uq_letter_revision"),)

    id: str = Field(primary_key=True, max_length=32)
    letter_id: str = Field(index=True, max_length=32, description="The letter; its revisions share it")
    revision: int
    decision_id: str = Field(foreign_key="decision.id", index=True, max_length=32)
    submission_id: str = Field(foreign_key="submission.id", max_length=32)
    state: str = Field(max_length=10, description="draft or issued")
    letter_date: date
    supersedes: str | None = Field(default=None, max_length=32, description="The issued letter this one corrects")
    content: str = Field(sa_column=Column(Text, nullable=False), description="JSON: the letter's text")
    documents: str | None = Field(
        default=None, sa_column=Column(Text, nullable=True), description="JSON: each file as issued (PDF in base64)"
    )
    digests: str | None = Field(
        default=None, sa_column=Column(Text, nullable=True), description="JSON: each issued file's SHA-256"
    )
    actor: str = Field(max_length=ACTOR_LENGTH)
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
