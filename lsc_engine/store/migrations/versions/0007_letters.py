"""letters: drafts of the Panel's letters and the letters as issued

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "letter",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("letter_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("decision_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("submission_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=False),
        sa.Column("supersedes", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("documents", sa.Text(), nullable=True),
        sa.Column("digests", sa.Text(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"]),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("letter_id", "revision", name="uq_letter_revision"),
    )
    op.create_index(op.f("ix_letter_letter_id"), "letter", ["letter_id"], unique=False)
    op.create_index(op.f("ix_letter_decision_id"), "letter", ["decision_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_letter_decision_id"), table_name="letter")
    op.drop_index(op.f("ix_letter_letter_id"), table_name="letter")
    op.drop_table("letter")
