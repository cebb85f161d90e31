"""Browser sessions, stored by the hash of their secret, and the audited record of signing in and out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select

from lsc_engine.store.models import SessionEvent, WebSession
from lsc_engine.store.repositories.base import Repository, new_id


class Sessions(Repository):
    """Live sessions come and go (their rows are deleted); sign-ins and sign-outs stay in the audit chain."""

    def start(self, key: str, *, token_id: str, at: datetime, expires_at: datetime) -> None:
        """Store a new session, clearing out those already expired."""
        self._session.exec(delete(WebSession).where(col(WebSession.expires_at) < at))
        self._session.add(WebSession(id=key, token_id=token_id, created_at=at, expires_at=expires_at))

    def end(self, key: str) -> str | None:
        """Delete a session, so that its secret never works again; return its token's id, or None if there was none."""
        row = self._session.exec(select(WebSession).where(WebSession.id == key)).first()
        if row is None:
            return None
        self._session.exec(delete(WebSession).where(col(WebSession.id) == key))
        return row.token_id

    def find(self, key: str) -> tuple[str, datetime] | None:
        """Return a session's token id and when it expires, or None if there is no such session."""
        row = self._session.exec(select(WebSession).where(WebSession.id == key)).first()
        return (row.token_id, row.expires_at) if row is not None else None

    def record(self, event: str, *, token_id: str, actor: str, at: datetime) -> None:
        """Append a sign-in or sign-out to the audit chain."""
        record = SessionEvent(id=new_id(), token_id=token_id, event=event, at=at)
        self._audited(record, actor=actor, action=f"session.{event}", at=at)
