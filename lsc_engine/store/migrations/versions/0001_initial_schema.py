"""initial schema

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("submission_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("record_digest", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_submission_id"), ["submission_id"], unique=False)

    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # The chain starts from a fixed genesis hash.
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "sha256:" + "0" * 64}])
    op.create_table(
        "submission",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("capability", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cohort", sa.Text(), nullable=False),
        sa.Column("submitter", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("statement_date", sa.Date(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pack", sa.Text(), nullable=False),
        sa.Column("pack_digest", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("input_digest", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("request_digest", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("capability", "version", name="uq_submission_capability_version"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_capability"), ["capability"], unique=False)

    op.create_table(
        "evaluation",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("submission_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("ruleset_digest", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("as_at", sa.Date(), nullable=False),
        sa.Column("overall", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("result_digest", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id", "number", name="uq_evaluation_submission_number"),
    )
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_submission_id"), ["submission_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_submission_id"))

    op.drop_table("evaluation")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_capability"))

    op.drop_table("submission")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_submission_id"))

    op.drop_table("audit_entry")
