"""The one exception tree of lsc-engine; every layer raises these and only these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, at a JSON path such as ``incidents[3].resolved``."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return the problem as a plain mapping."""
        return {"path": self.path, "message": self.message}


@dataclass
class LscError(Exception):
    """Base of every error lsc-engine raises on purpose; ``code`` is stable, ``message`` is for people."""

    message: str
    problems: list[Problem] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    code = "lsc_error"

    def __str__(self) -> str:
        return self.message


class InvalidPack(LscError):
    """The evidence pack is malformed, fails the schema, or contradicts itself."""

    code = "invalid_pack"


class MalformedPack(InvalidPack):
    """The pack is not even well-formed JSON (or YAML)."""

    code = "malformed_pack"


class InvalidRuleset(LscError):
    """The rules, parameters or criteria catalogue in ``rules/`` are not usable."""

    code = "invalid_ruleset"


class InvalidRequest(LscError):
    """A request or command-line argument is not acceptable (other than the pack itself)."""

    code = "invalid_request"


class InvalidAction(LscError):
    """A well-formed request the workflow's rules do not allow (e.g. an override without a rationale)."""

    code = "invalid_action"


class NotFound(LscError):
    """The thing asked for does not exist."""

    code = "not_found"


class Unauthenticated(LscError):
    """The request carries no valid credentials."""

    code = "unauthenticated"


class Forbidden(LscError):
    """The caller's role may not do this."""

    code = "forbidden"


class Conflict(LscError):
    """The request contradicts what is already recorded."""

    code = "conflict"


class PayloadTooLarge(LscError):
    """The request body is larger than the configured limit."""

    code = "payload_too_large"


class RequestTimeout(LscError):
    """The request body arrived too slowly."""

    code = "request_timeout"


class RateLimited(LscError):
    """A token has made more requests this minute than it is allowed."""

    code = "rate_limited"


class Unavailable(LscError):
    """Something the service depends on cannot be reached now; the same request may work later."""

    code = "unavailable"


class StoreUnavailable(Unavailable):
    """The database cannot be reached."""

    code = "store_unavailable"


class KeysUnavailable(Unavailable):
    """The identity provider's keys cannot be read, so no JWT can be checked."""

    code = "identity_keys_unavailable"


class EngineFailure(LscError):
    """The rule engine reported an error while matching; never the user's fault."""

    code = "engine_failure"
