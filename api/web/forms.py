"""What the pages' forms share: reading typed dates and groups, length limits, refusals and the answer to a post."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse

from api.types import form_date
from lsc_engine.core.evidence import Group
from lsc_engine.errors import InvalidAction

FIELD_LABELS = {
    "evidence": "Evidence",
    "rationale": "Rationale",
    "approver": "Approved by",
}
#: The longest text each field takes: what the JSON API accepts for the same field.
FIELD_LIMITS = {"evidence": 8000, "rationale": 8000, "approver": 200, "notes": 8000, "text": 8000, "due": 400}


@dataclass(frozen=True)
class Refusal:
    """A form the service (or the page) refused: which form, why, with what status, and what was typed."""

    form: str
    message: str
    status: int
    values: dict[str, Any] = field(default_factory=dict)


def today() -> date:
    """Return today's date (UTC), the default for dates the forms ask for."""
    return datetime.now(UTC).date()


def notice(request: Request) -> str | None:
    """Return the confirmation passed back after a successful write, if any (shortened; escaped by Jinja)."""
    text = request.query_params.get("notice")
    return text[:300] if text else None


def redirect(path: str, message: str) -> RedirectResponse:
    """Answer a successful POST: 303 back to the page, with a short confirmation."""
    return RedirectResponse(f"{path}?{urlencode({'notice': message})}", status_code=303)


def parse_date(text: str, field: str) -> date | None:
    """Read an optional YYYY-MM-DD date typed into a form; blank means none."""
    try:
        return form_date(text)
    except ValueError:
        raise ValueError(f"The {field} must be a real date written as YYYY-MM-DD; “{text.strip()}” is not.") from None


def action_date(value: str | None, what: str) -> date | None:
    """Read an optional YYYY-MM-DD date from a committee form; refuse anything else with a plain message."""
    try:
        return form_date(value)
    except ValueError:
        raise InvalidAction(f"give {what} as YYYY-MM-DD") from None


def check_lengths(values: dict[str, Any]) -> None:
    """Refuse text longer than the API accepts."""
    for name, limit in FIELD_LIMITS.items():
        value = values.get(name)
        if isinstance(value, str) and len(value) > limit:
            label = FIELD_LABELS.get(name, name).lower()
            raise InvalidAction(f"the {label} is too long: at most {limit} characters")


def group_named(name: str) -> Group | None:
    """Return the group a URL names (any letter case), or None."""
    return next((g for g in Group if g.value == name.upper()), None)


def capability_path(capability: str) -> str:
    """Return the conditions board's path for a capability."""
    return f"/capabilities/{quote(capability, safe='')}/conditions"
