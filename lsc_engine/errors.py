"""The one exception tree of lsc-engine; every layer raises these and only these.

``details`` says what an error is about with stable keys, so that a caller (the web pages, an API
client) can point at the right place without reading the message, whose words may change:

- ``field``: the request body field at fault, where there is one: ``criterion``, ``accepted``,
  ``rationale`` (assessments); ``criteria``, ``capability``, ``key`` (conditions added by hand);
  ``action``, ``evidence``, ``rationale``, ``approver`` (actions on a condition); ``outcome``,
  ``condition_ids``, ``supersedes`` (decisions); ``name`` (tokens). What the input models in
  ``lsc_engine.committee.inputs`` refuse (a blank name, a rating a group does not give, a control
  character) never reaches the service: their ValidationError names the field by its location.
- the subject: ``criterion`` and ``group`` (the cell assessed; ``group`` alone: the group revoking),
  ``proposed`` and ``rating`` (the engine's proposal and the rating given), ``condition`` (the
  condition acted on), ``action``, ``status``, ``pause`` and ``kind`` (what the condition's state or
  kind does not allow), ``missing`` (the fields an action still needs), ``unknown``
  (criteria or condition ids not known), ``current_decision`` (the decision a correction must
  supersede, or null) and ``supersedes`` (what was given), ``outcome`` and ``suggested`` with
  ``attached`` (an outcome that does not fit the conditions attached), ``key`` and ``capability`` (a
  condition key already taken), ``idempotency_key`` with the ``submission_id`` it was first used for,
  ``token_id`` (a token already revoked).
- what was not found: ``submission_id``, ``condition_id``, ``decision_id``, ``token_id``, ``capability``
  or ``id``; a NotFound names a body field in ``field`` only when the body named the missing thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The most problems an error lists: a pack wrong in every one of a million items would otherwise list them all.
MOST_PROBLEMS_LISTED = 1000


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


class InvalidLetterhead(LscError):
    """The letterhead file (who the Panel's letters are from, to and copied to) is not usable; names the field."""

    code = "invalid_letterhead"


class InvalidRequest(LscError):
    """A request or command-line argument is not acceptable (other than the pack itself)."""

    code = "invalid_request"


class InvalidAction(LscError):
    """A well-formed request the workflow's rules do not allow (e.g. an override without a rationale).

    ``details`` holds ``field`` and the subject (see the module's description).
    """

    code = "invalid_action"


class NotFound(LscError):
    """The thing asked for does not exist; ``details`` names it by its id (see the module's description)."""

    code = "not_found"


class Unauthenticated(LscError):
    """The request carries no valid credentials."""

    code = "unauthenticated"


class Forbidden(LscError):
    """The caller's role may not do this."""

    code = "forbidden"


class Conflict(LscError):
    """The request contradicts what is already recorded; ``details`` names the field and what is in the way."""

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
