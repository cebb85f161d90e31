"""audit entries may carry an HMAC; actors have room for the identity that authenticated them

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Every table and the column naming who acted.
ACTORS = [
    ("submission", "submitter"),
    ("audit_entry", "actor"),
    ("assessment", "actor"),
    ("revocation", "actor"),
    ("condition", "actor"),
    ("condition_event", "actor"),
    ("decision", "actor"),
    ("api_token", "actor"),
    ("token_revocation", "actor"),
    ("disclosure", "actor"),
]


def _resize(length_from: int, length_to: int) -> None:
    for table, column in ACTORS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                existing_type=sqlmodel.sql.sqltypes.AutoString(length=length_from),
                type_=sqlmodel.sql.sqltypes.AutoString(length=length_to),
                existing_nullable=False,
            )


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("audit_entry", sa.Column("mac", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
    _resize(200, 400)


def downgrade() -> None:
    """Revert this revision."""
    _resize(400, 200)
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_column("mac")
