"""Bearer tokens: created for a role, stored only as a hash, revoked for good."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from lsc_engine.access.policy import Principal, Role
from lsc_engine.errors import Conflict, InvalidAction, NotFound, StoreUnavailable
from lsc_engine.store.audit import Chain
from lsc_engine.store.db import session_scope
from lsc_engine.store.models import ApiToken, TokenRevocation

PREFIX = "lsc_"
V = TypeVar("V")


def token_hash(secret: str) -> str:
    """Hash a token for storage and lookup (tokens are long random strings, so a plain SHA-256 suffices)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    """A token as an administrator sees it: never the secret."""

    id: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


class Tokens:
    """Create, list, revoke and resolve bearer tokens; every change audited."""

    def __init__(
        self, database: Engine, *, clock: Callable[[], datetime] | None = None, cache_seconds: float = 0.0
    ) -> None:
        self.database = database
        self._clock = clock or (lambda: datetime.now(UTC))
        self._cache = Recent[Principal | None](cache_seconds)

    def create(self, *, role: Role, name: str, actor: str) -> tuple[TokenInfo, str]:
        """Create a token and return it with its secret, which is shown this once and never stored."""
        if not name.strip():
            raise InvalidAction("a token needs a name saying who holds it")
        secret = PREFIX + secrets.token_urlsafe(32)
        with session_scope(self.database) as session:
            chain = Chain(session)
            now = self._clock()
            record = ApiToken(
                id=uuid.uuid4().hex,
                name=name.strip(),
                role=role.value,
                token_hash=token_hash(secret),
                actor=actor,
                created_at=now,
            )
            chain.add(record, actor=actor, action="token.create", at=now)
            session.commit()
        return TokenInfo(record.id, record.name, role, record.created_at, None), secret

    def revoke(self, token_id: str, *, reason: str, actor: str) -> None:
        """Revoke a token for good."""
        with session_scope(self.database) as session:
            chain = Chain(session)
            if session.get(ApiToken, token_id) is None:
                raise NotFound(f"no token {token_id}", details={"token_id": token_id})
            if session.exec(select(TokenRevocation).where(TokenRevocation.token_id == token_id)).first():
                raise Conflict(f"token {token_id} is already revoked", details={"token_id": token_id})
            now = self._clock()
            record = TokenRevocation(
                id=uuid.uuid4().hex, token_id=token_id, reason=reason.strip() or "revoked", actor=actor, revoked_at=now
            )
            chain.add(record, actor=actor, action="token.revoke", at=now)
            session.commit()
        self._cache.clear()

    def list(self) -> list[TokenInfo]:
        """List every token, oldest first."""
        with session_scope(self.database) as session:
            revoked = {r.token_id: r.revoked_at for r in session.exec(select(TokenRevocation))}
            tokens = session.exec(select(ApiToken).order_by(col(ApiToken.created_at))).all()
            return [TokenInfo(t.id, t.name, Role(t.role), t.created_at, revoked.get(t.id)) for t in tokens]

    def resolve(self, secret: str) -> Principal | None:
        """Return who holds a token, or None if it is unknown or revoked."""
        if not secret.startswith(PREFIX):
            return None
        return self._cache.get(token_hash(secret), lambda: self._lookup(ApiToken.token_hash == token_hash(secret)))

    def remembered(self, secret: str) -> tuple[bool, Principal | None]:
        """Answer from memory alone, without the database: (True, holder or None) if known, else (False, None)."""
        if not secret.startswith(PREFIX):
            return True, None
        return self._cache.fresh(token_hash(secret))

    def principal(self, token_id: str) -> Principal | None:
        """Return who holds a token, by its id, or None if it is unknown or revoked."""
        return self._cache.get(f"id:{token_id}", lambda: self._lookup(ApiToken.id == token_id))

    def _lookup(self, where: ColumnElement[bool] | bool) -> Principal | None:
        with session_scope(self.database) as session:
            record = session.exec(select(ApiToken).where(where)).first()
            if record is None:
                return None
            if session.exec(select(TokenRevocation).where(TokenRevocation.token_id == record.id)).first():
                return None
            return Principal(token_id=record.id, name=record.name, role=Role(record.role))


class Recent(Generic[V]):
    """Answers remembered for a few seconds, so that a busy client does not cost a query per request.

    A revocation made by another replica takes effect here once the remembered answer expires. While the
    database cannot be reached, an expired answer still serves (no revocation can be recorded then).
    """

    def __init__(self, seconds: float, *, size: int = 10_000) -> None:
        self._seconds = seconds
        self._size = size
        self._entries: dict[str, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, compute: Callable[[], V]) -> V:
        """Return the remembered answer for a key, or compute and remember it."""
        if self._seconds <= 0:
            return compute()
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            value = compute()
        except (SQLAlchemyError, StoreUnavailable):
            if hit is None:
                raise
            return hit[1]  # the database is away: nothing can be revoked meanwhile, so the last answer holds
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[key] = (now + self._seconds, value)
        return value

    def fresh(self, key: str) -> tuple[bool, V | None]:
        """Return (True, answer) when a key's answer is remembered and still fresh, else (False, None)."""
        with self._lock:
            hit = self._entries.get(key)
        if self._seconds > 0 and hit is not None and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def forget(self, key: str) -> None:
        """Drop one remembered answer."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        """Drop every remembered answer."""
        with self._lock:
            self._entries.clear()
