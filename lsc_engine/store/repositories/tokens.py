"""Bearer tokens: who holds each and in what role, found by the hash of its secret; revocations end them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from lsc_engine.access.policy import Principal, Role
from lsc_engine.access.tokens import TokenInfo
from lsc_engine.store.models import ApiToken, TokenRevocation
from lsc_engine.store.repositories.base import Repository, new_id


class Tokens(Repository):
    """Token records and their revocations."""

    def add(self, *, name: str, role: Role, token_hash: str, actor: str, at: datetime) -> TokenInfo:
        """Store a new token by the hash of its secret."""
        record = ApiToken(id=new_id(), name=name, role=role.value, token_hash=token_hash, actor=actor, created_at=at)
        self._audited(record, actor=actor, action="token.create", at=at)
        return TokenInfo(record.id, record.name, role, record.created_at, None)

    def exists(self, token_id: str) -> bool:
        """Tell whether a token was ever issued."""
        return self._session.get(ApiToken, token_id) is not None

    def is_revoked(self, token_id: str) -> bool:
        """Tell whether a token has been revoked."""
        query = select(TokenRevocation).where(TokenRevocation.token_id == token_id)
        return self._session.exec(query).first() is not None

    def revoke(self, token_id: str, *, reason: str, actor: str, at: datetime) -> None:
        """End a token for good."""
        record = TokenRevocation(id=new_id(), token_id=token_id, reason=reason, actor=actor, revoked_at=at)
        self._audited(record, actor=actor, action="token.revoke", at=at)

    def all(self) -> list[TokenInfo]:
        """Return every token, oldest first."""
        revoked = {r.token_id: r.revoked_at for r in self._session.exec(select(TokenRevocation))}
        tokens = self._session.exec(select(ApiToken).order_by(col(ApiToken.created_at))).all()
        return [TokenInfo(t.id, t.name, Role(t.role), t.created_at, revoked.get(t.id)) for t in tokens]

    def holder_by_hash(self, token_hash: str) -> Principal | None:
        """Return who holds the token with this hash, or None if it is unknown or revoked."""
        return self._holder(self._session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash)).first())

    def holder_by_id(self, token_id: str) -> Principal | None:
        """Return who holds a token, by its id, or None if it is unknown or revoked."""
        return self._holder(self._session.exec(select(ApiToken).where(ApiToken.id == token_id)).first())

    def _holder(self, record: ApiToken | None) -> Principal | None:
        if record is None or self.is_revoked(record.id):
            return None
        return Principal(token_id=record.id, name=record.name, role=Role(record.role))
