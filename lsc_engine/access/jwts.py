"""Signed JWTs from an identity provider, accepted beside lsc tokens when a deployment configures them.

The provider's public keys are read from a JWKS file the deployment keeps current (read again when it
changes); nothing is fetched at run time. A JWT must be signed by one of those keys with an asymmetric
algorithm, name the configured issuer and audience, carry ``exp`` and ``sub``, and hold a role in the
role claim.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import jwt

from lsc_engine.access.policy import Principal, Role
from lsc_engine.errors import Unauthenticated

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]


class JwtVerifier:
    """Check a JWT and say who it speaks for."""

    def __init__(self, jwks_file: Path, *, issuer: str, audience: str, role_claim: str = "lsc_role") -> None:
        self.jwks_file = jwks_file
        self.issuer = issuer
        self.audience = audience
        self.role_claim = role_claim
        self._keys: dict[str, jwt.PyJWK] = {}
        self._loaded: float | None = None
        self._lock = threading.Lock()
        self._read()  # a key set that cannot be read stops start-up, not the first request

    def principal(self, token: str) -> Principal:
        """Return the caller a valid JWT names, or refuse it saying why."""
        try:
            header = jwt.get_unverified_header(token)
            key = self._key(str(header.get("kid", "")))
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"the JWT was refused: {error}") from None
        try:
            role = Role(str(claims.get(self.role_claim)))
        except ValueError:
            raise Unauthenticated(f"the JWT's {self.role_claim} claim names no known role") from None
        subject = str(claims["sub"])
        ident = "jwt-" + hashlib.sha256(f"{self.issuer}|{subject}".encode()).hexdigest()[:28]
        return Principal(token_id=ident, name=str(claims.get("name") or subject)[:150], role=role)

    def _read(self) -> None:
        """Read the JWKS file if it has changed since it was last read."""
        changed = self.jwks_file.stat().st_mtime
        if self._loaded != changed:
            document = json.loads(self.jwks_file.read_text())
            self._keys = {str(k.key_id): k for k in jwt.PyJWKSet.from_dict(document).keys}
            self._loaded = changed

    def _key(self, kid: str) -> jwt.PyJWK:
        """Return the signing key with this id."""
        with self._lock:
            self._read()
            if kid not in self._keys:
                raise jwt.InvalidKeyError(f"no key {kid!r} in the configured key set")
            return self._keys[kid]
