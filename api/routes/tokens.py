"""Tokens over HTTP, for administrators: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.auth import TokenAdmin
from api.errors import documented
from lsc_engine.access.policy import Role
from lsc_engine.access.tokens import TokenInfo
from lsc_engine.services.token_inputs import TokenIn, TokenRevocationIn
from lsc_engine.services.tokens import Tokens

router = APIRouter(prefix="/v1/tokens", tags=["tokens"], responses=documented(401, 403, 429, 503))


class TokenRead(BaseModel):
    """A token as an administrator sees it: never the secret."""

    id: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, info: TokenInfo) -> TokenRead:
        """Build from the token store's view."""
        return cls(id=info.id, name=info.name, role=info.role, created_at=info.created_at, revoked_at=info.revoked_at)


class TokenCreated(TokenRead):
    """A new token with its secret, shown this once."""

    secret: str = Field(
        description="Send as Authorization: Bearer <secret>; it is not stored and cannot be shown again"
    )


def _tokens(request: Request) -> Tokens:
    tokens: Tokens = request.app.state.tokens
    return tokens


@router.post("", status_code=201, response_model=TokenCreated, responses=documented(400, 422))
def create_token(request: Request, admin: TokenAdmin, body: TokenIn) -> TokenCreated:
    """Create a token for a role."""
    info, secret = _tokens(request).create(body, actor=admin.actor)
    return TokenCreated(**TokenRead.of(info).model_dump(), secret=secret)


@router.get("", response_model=list[TokenRead])
def list_tokens(request: Request, _admin: TokenAdmin) -> list[TokenRead]:
    """List every token, oldest first."""
    return [TokenRead.of(info) for info in _tokens(request).list()]


@router.post("/{token_id}/revocation", status_code=204, responses=documented(400, 404, 409, 422))
def revoke_token(request: Request, admin: TokenAdmin, token_id: str, body: TokenRevocationIn) -> None:
    """Revoke a token for good (other replicas stop accepting it within the token cache time)."""
    _tokens(request).revoke(token_id, body, actor=admin.actor)
