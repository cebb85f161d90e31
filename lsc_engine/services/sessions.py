"""Browser sign-in: a token exchanged for a session whose secret lives only in an HttpOnly cookie."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from lsc_engine.access.policy import Principal
from lsc_engine.access.recent import Recent
from lsc_engine.access.sessions import new_session_secret, session_key
from lsc_engine.errors import Unauthenticated
from lsc_engine.services.tokens import Tokens
from lsc_engine.store.db import UNAVAILABLE, Database
from lsc_engine.store.transactions import reading, writing


class Sessions:
    """Start, resolve and end browser sessions; a session ends with its token."""

    def __init__(
        self,
        database: Database,
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
        self._cache = Recent[tuple[str, datetime] | None](cache_seconds, unavailable=UNAVAILABLE)

    def start(self, token: str) -> tuple[str, Principal]:
        """Sign in with a token: return a new session secret and who it speaks for."""
        principal = self.tokens.resolve(token.strip())
        if principal is None:
            raise Unauthenticated("that token is unknown or revoked")
        secret = new_session_secret()
        now = self._clock()
        with writing(self.database) as tx:
            tx.sessions.start(session_key(secret), token_id=principal.token_id, at=now, expires_at=now + self.lifetime)
            tx.sessions.record("sign_in", token_id=principal.token_id, actor=principal.actor, at=now)
        return secret, principal

    def resolve(self, secret: str) -> Principal | None:
        """Return who a session speaks for, or None once it has ended, expired or lost its token."""
        key = session_key(secret)
        found = self._cache.get(key, lambda: self._find(key))
        if found is None or found[1] <= self._clock():
            return None
        return self.tokens.principal(found[0])

    def end(self, secret: str, principal: Principal) -> None:
        """Sign out: the session's secret never works again; only a session that existed is recorded as ended."""
        key = session_key(secret)
        with writing(self.database) as tx:
            ended = tx.sessions.end(key)
            if ended is not None:
                tx.sessions.record("sign_out", token_id=ended, actor=principal.actor, at=self._clock())
        self._cache.forget(key)

    def _find(self, key: str) -> tuple[str, datetime] | None:
        with reading(self.database) as tx:
            return tx.sessions.find(key)
