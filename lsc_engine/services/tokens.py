"""Bearer tokens: created for a role, stored only as a hash, revoked for good, resolved with a short memory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from lsc_engine.access.policy import Principal
from lsc_engine.access.recent import Recent
from lsc_engine.access.tokens import TokenInfo, looks_like_token, new_secret, token_hash
from lsc_engine.errors import Conflict, NotFound
from lsc_engine.services.token_inputs import TokenIn, TokenRevocationIn
from lsc_engine.store.db import UNAVAILABLE, Database
from lsc_engine.store.transactions import reading, writing


class Tokens:
    """Create, list, revoke and resolve bearer tokens; every change audited."""

    def __init__(
        self, database: Database, *, clock: Callable[[], datetime] | None = None, cache_seconds: float = 0.0
    ) -> None:
        self.database = database
        self._clock = clock or (lambda: datetime.now(UTC))
        self._cache = Recent[Principal | None](cache_seconds, unavailable=UNAVAILABLE)

    def create(self, body: TokenIn, *, actor: str) -> tuple[TokenInfo, str]:
        """Create a token and return it with its secret, which is shown this once and never stored."""
        secret = new_secret()
        with writing(self.database) as tx:
            info = tx.tokens.add(
                name=body.name, role=body.role, token_hash=token_hash(secret), actor=actor, at=self._clock()
            )
        return info, secret

    def revoke(self, token_id: str, body: TokenRevocationIn, *, actor: str) -> None:
        """Revoke a token for good."""
        with writing(self.database) as tx:
            if not tx.tokens.exists(token_id):
                raise NotFound(f"no token {token_id}", details={"token_id": token_id})
            if tx.tokens.is_revoked(token_id):
                raise Conflict(f"token {token_id} is already revoked", details={"token_id": token_id})
            tx.tokens.revoke(token_id, reason=body.reason, actor=actor, at=self._clock())
        self._cache.clear()

    def list(self) -> list[TokenInfo]:
        """List every token, oldest first."""
        with reading(self.database) as tx:
            return tx.tokens.all()

    def resolve(self, secret: str) -> Principal | None:
        """Return who holds a token, or None if it is unknown or revoked."""
        if not looks_like_token(secret):
            return None
        key = token_hash(secret)
        return self._cache.get(key, lambda: self._holder_by_hash(key))

    def remembered(self, secret: str) -> tuple[bool, Principal | None]:
        """Answer from memory alone, without the database: (True, holder or None) if known, else (False, None)."""
        if not looks_like_token(secret):
            return True, None
        return self._cache.fresh(token_hash(secret))

    def principal(self, token_id: str) -> Principal | None:
        """Return who holds a token, by its id, or None if it is unknown or revoked."""
        return self._cache.get(f"id:{token_id}", lambda: self._holder_by_id(token_id))

    def _holder_by_hash(self, key: str) -> Principal | None:
        with reading(self.database) as tx:
            return tx.tokens.holder_by_hash(key)

    def _holder_by_id(self, token_id: str) -> Principal | None:
        with reading(self.database) as tx:
            return tx.tokens.holder_by_id(token_id)
