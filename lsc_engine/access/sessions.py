"""Browser sessions as values: the secret a cookie carries, the hash it is stored by, the anti-forgery value."""

from __future__ import annotations

import hashlib
import secrets

from lsc_engine.access.tokens import token_hash


def new_session_secret() -> str:
    """Return a new session secret for a cookie (32 random bytes, URL-safe)."""
    return secrets.token_urlsafe(32)


def session_key(session_secret: str) -> str:
    """Return what a session is stored and found by: its secret's hash, never the secret."""
    return token_hash(session_secret)


def csrf_token(session_secret: str) -> str:
    """Derive the anti-forgery value a session's forms carry (a page from another site cannot know it)."""
    return hashlib.sha256(f"csrf:{session_secret}".encode()).hexdigest()[:32]
