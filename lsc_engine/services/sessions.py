"""Browser sign-in: a token exchanged for a session whose secret lives only in an HttpOnly cookie."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete
from sqlmodel import col, select

from lsc_engine.access.policy import Principal
from lsc_engine.errors import Unauthenticated
from lsc_engine.services.tokens import Recent, Tokens, token_hash
from lsc_engine.store.audit import Chain
from lsc_engine.store.db import session_scope
from lsc_engine.store.models import SessionEvent, WebSession


def csrf_token(session_secret: str) -> str:
    """Derive the anti-forgery value a session's forms carry (a page from another site cannot know it)."""
    return hashlib.sha256(f"csrf:{session_secret}".encode()).hexdigest()[:32]


class Sessions:
    """Start, resolve and end browser sessions; a session ends with its token."""

    def __init__(
        self,
        database: Engine,
        tokens: Tokens,
        *,
        lifetime: timedelta = timedelta(hours=8),
        clock: Callable[[], datetime] | None = None,
        cache_seconds: float = 0.0,
    ) -> None:
        self.database = database
        self.tokens = tokens
        self.lifetime = lifetime
        self._clock = clock or (lambda: datetime.now(UTC))
        self._cache = Recent[tuple[str, datetime] | None](cache_seconds)

    def start(self, token: str) -> tuple[str, Principal]:
        """Sign in with a token: return a new session secret and who it speaks for."""
        principal = self.tokens.resolve(token.strip())
        if principal is None:
            raise Unauthenticated("that token is unknown or revoked")
        secret = secrets.token_urlsafe(32)
        now = self._clock()
        with session_scope(self.database) as session:
            chain = Chain(session)
            session.exec(delete(WebSession).where(col(WebSession.expires_at) < now))
            session.add(
                WebSession(
                    id=token_hash(secret), token_id=principal.token_id, created_at=now, expires_at=now + self.lifetime
                )
            )
            _record(chain, principal.actor, principal.token_id, "sign_in", now)
            session.commit()
        return secret, principal

    def resolve(self, secret: str) -> Principal | None:
        """Return who a session speaks for, or None once it has ended, expired or lost its token."""
        found = self._cache.get(token_hash(secret), lambda: self._lookup(secret))
        if found is None or found[1] <= self._clock():
            return None
        return self.tokens.principal(found[0])

    def end(self, secret: str, principal: Principal) -> None:
        """Sign out: the session's secret never works again."""
        key = token_hash(secret)
        with session_scope(self.database) as session:
            chain = Chain(session)
            session.exec(delete(WebSession).where(col(WebSession.id) == key))
            _record(chain, principal.actor, principal.token_id, "sign_out", self._clock())
            session.commit()
        self._cache.forget(key)

    def _lookup(self, secret: str) -> tuple[str, datetime] | None:
        with session_scope(self.database) as session:
            row = session.exec(select(WebSession).where(WebSession.id == token_hash(secret))).first()
            return (row.token_id, row.expires_at) if row is not None else None


def _record(chain: Chain, actor: str, token_id: str, event: str, at: datetime) -> None:
    """Append a sign-in or sign-out to the audit chain."""
    record = SessionEvent(id=uuid.uuid4().hex, token_id=token_id, event=event, at=at)
    chain.add(record, actor=actor, action=f"session.{event}", at=at)
