"""Signed JWTs from an identity provider, accepted beside lsc tokens when a deployment configures them.

The provider's public keys are read from a JWKS file the deployment keeps current; nothing is fetched at
run time. A JWT must be signed by one of those keys with an asymmetric algorithm, name the configured
issuer and audience, carry ``exp`` and a non-empty ``sub``, and hold a role in the role claim. What a
JWT says of its holder is printable text of bounded length, or the JWT is refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from lsc_engine.access.policy import Principal, Role
from lsc_engine.core.text import unprintable
from lsc_engine.errors import KeysUnavailable, Unauthenticated

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]

#: The longest JWT read at all; longer ones are refused before they are decoded.
MAX_TOKEN_CHARS = 8192

#: The longest subject and name a JWT may carry.
MAX_SUBJECT_CHARS = 128
MAX_NAME_CHARS = 100

#: How often, at most, the key file is looked at again (its content decides whether it changed).
RECHECK_SECONDS = 1.0

log = logging.getLogger("lsc.access.jwt")


@dataclass(frozen=True)
class _KeySet:
    """The keys read from the JWKS file, and the digest of the bytes they were read from."""

    digest: str
    keys: Mapping[str, jwt.PyJWK]


class JwtVerifier:
    """Check a JWT and say who it speaks for."""

    def __init__(
        self,
        jwks_file: Path,
        *,
        issuer: str,
        audience: str,
        role_claim: str = "lsc_role",
        max_lifetime_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jwks_file = jwks_file
        self.issuer = issuer
        self.audience = audience
        self.role_claim = role_claim
        self.max_lifetime_seconds = max_lifetime_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys = self._read_keys()  # a key set that cannot be read stops start-up, not the first request
        self._checked = clock()

    def principal(self, token: str) -> Principal:
        """Return the caller a valid JWT names, or refuse it saying why (never repeating what it carried)."""
        if len(token) > MAX_TOKEN_CHARS:
            raise Unauthenticated(f"the JWT is longer than {MAX_TOKEN_CHARS} characters")
        try:
            header = jwt.get_unverified_header(token)
            key = self._key(header.get("kid"))
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"the JWT was refused: {_reason(error)}") from None
        self._check_lifetime(claims)
        subject = _text_claim(claims, "sub", MAX_SUBJECT_CHARS)
        if not subject:
            raise Unauthenticated("the JWT's sub claim is empty")
        name = _text_claim(claims, "name", MAX_NAME_CHARS) or subject[:MAX_NAME_CHARS]
        try:
            role = Role(str(claims.get(self.role_claim)))
        except ValueError:
            raise Unauthenticated(f"the JWT's {self.role_claim} claim names no known role") from None
        ident = "jwt-" + hashlib.sha256(f"{self.issuer}|{subject}".encode()).hexdigest()[:28]
        return Principal(token_id=ident, name=name, role=role, issuer=self.issuer, subject=subject)

    def _check_lifetime(self, claims: Mapping[str, Any]) -> None:
        """Refuse a JWT meant to last longer than the deployment allows (``exp`` after ``iat``, or after now)."""
        if self.max_lifetime_seconds is None:
            return
        expires = claims["exp"]
        issued = claims.get("iat")
        start = issued if isinstance(issued, int | float) else time.time()
        if isinstance(expires, int | float) and expires - start > self.max_lifetime_seconds:
            raise Unauthenticated(f"the JWT is valid for longer than {self.max_lifetime_seconds:g} seconds")

    def _key(self, kid: object) -> jwt.PyJWK:
        """Return the signing key with this id, reading the key file again if its content has changed."""
        if not isinstance(kid, str) or not kid or len(kid) > 200:
            raise jwt.InvalidKeyError("the JWT header names no usable key id")
        with self._lock:
            now = self._clock()
            if now - self._checked >= RECHECK_SECONDS:
                self._checked = now
                self._keys = self._reread()
            if kid not in self._keys.keys:
                raise jwt.InvalidKeyError("the key id is not in the configured key set")
            return self._keys.keys[kid]

    def _reread(self) -> _KeySet:
        """Read the key file again; if it cannot be read, refuse JWTs until it can (and say so once)."""
        try:
            return self._read_keys()
        except (OSError, ValueError, jwt.PyJWTError) as error:
            log.error("the JWT key file %s cannot be read (%s); JWTs are refused until it can", self.jwks_file, error)
            raise KeysUnavailable("the identity provider's keys are unavailable; try again shortly") from None

    def _read_keys(self) -> _KeySet:
        data = self.jwks_file.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if getattr(self, "_keys", None) is not None and self._keys.digest == digest:
            return self._keys
        document = json.loads(data)
        keys = {str(k.key_id): k for k in jwt.PyJWKSet.from_dict(document).keys}
        return _KeySet(digest, keys)


def _text_claim(claims: Mapping[str, Any], name: str, limit: int) -> str:
    """Return a claim that must be printable text of at most ``limit`` characters ('' if absent)."""
    value = claims.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Unauthenticated(f"the JWT's {name} claim is not text")
    if len(value) > limit:
        raise Unauthenticated(f"the JWT's {name} claim is longer than {limit} characters")
    if unprintable(value):
        raise Unauthenticated(f"the JWT's {name} claim holds control or direction-changing characters")
    return value.strip()


def _reason(error: jwt.PyJWTError) -> str:
    """Say why a JWT was refused, in at most a line (an error may quote what the token carried)."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]
