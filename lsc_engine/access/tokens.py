"""Bearer tokens as values: their form, the hash they are stored and found by, and what an administrator sees."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from lsc_engine.access.policy import Role

#: Every lsc token starts with this, which tells it apart from a JWT at a glance.
PREFIX = "lsc_"


def new_secret() -> str:
    """Return a new token secret: the prefix and 32 random bytes, URL-safe."""
    return PREFIX + secrets.token_urlsafe(32)


def looks_like_token(secret: str) -> bool:
    """Tell whether a string has an lsc token's form (anything else is never looked up)."""
    return secret.startswith(PREFIX)


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
