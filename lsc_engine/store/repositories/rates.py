"""Request counts per token per minute, shared by every replica through the database."""

from __future__ import annotations

from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from lsc_engine.store.models import RateWindow
from lsc_engine.store.repositories.base import Repository


class Rates(Repository):
    """One row per token and minute: how many requests the replicas have taken between them."""

    def take(self, token_id: str, *, minute: int, lease: int) -> int:
        """Add a lease to a token's count for a minute in one statement; return the count with it."""
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table: Table = RateWindow.__table__  # type: ignore[attr-defined]
        statement = (
            insert(table)
            .values(token_id=token_id, minute=minute, granted=lease)
            .on_conflict_do_update(index_elements=["token_id", "minute"], set_={"granted": table.c.granted + lease})
            .returning(table.c.granted)
        )
        total = int(self._session.execute(statement).scalar_one())
        if total <= lease:  # the first lease of a minute: forget minutes long past
            self._session.exec(delete(RateWindow).where(col(RateWindow.minute) < minute - 1))
        return total
