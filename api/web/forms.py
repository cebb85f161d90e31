"""What the pages' forms share: reading a posted form with the API's input model, refusals beside their fields.

A form is read with the same input model the JSON API takes as its body (``lsc_engine.committee.inputs``),
so the rules for each field are written once. What the model or the service refuses is shown beside the
field it names (by the model's error location, or the service's ``details["field"]``), in the pages' words.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from api.errors import status_of
from api.types import form_date
from api.web.templating import sentence
from lsc_engine.core.evidence import Group
from lsc_engine.errors import LscError

Model = TypeVar("Model", bound=BaseModel)

#: Where a message about the form as a whole (or a field it does not show) is kept in ``Refusal.messages``.
WHOLE_FORM = ""


@dataclass(frozen=True)
class Wording:
    """How a form speaks of one field: its name in a sentence, and what it asks for when the field is unusable.

    ``needed`` is said when the field is left empty; ``invalid`` when its value is of the wrong kind (it
    defaults to ``needed``); ``over`` when there is too much of it, with ``{max_length}`` for the limit.
    """

    label: str
    needed: str
    invalid: str | None = None
    over: str | None = None

    def message(self, error: ErrorDetails) -> str:
        """Say in words what is wrong with the field's value."""
        kind = error["type"]
        context = error.get("ctx") or {}
        if kind in ("missing", "string_too_short", "too_short"):
            return sentence(self.needed)
        if kind in ("string_too_long", "too_long"):
            over = self.over or "{label} is too long: at most {max_length} characters"
            return sentence(over.format(label=self.label, max_length=context.get("max_length")))
        if kind == "value_error" and self.invalid is None:  # core.text's refusals say what the text holds
            return sentence(f"{self.label} {context.get('error', 'cannot be used')}")
        return sentence(self.invalid or self.needed)


class Unusable(Exception):
    """A posted form the input model refused: a message for each field at fault."""

    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__("; ".join(messages.values()))
        self.messages = messages


@dataclass(frozen=True)
class Refusal:
    """A form that was refused: which form, a message per field (``WHOLE_FORM`` for the rest), what was typed."""

    form: str
    messages: dict[str, str]
    status: int
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """Say everything that was refused, in one paragraph."""
        return " ".join(self.messages.values())


def read_form(model: type[Model], values: Mapping[str, object], words: Mapping[str, Wording]) -> Model:
    """Read a posted form with an input model; a text field left empty counts as not given."""
    given = {name: value for name, value in values.items() if value != ""}
    try:
        return model.model_validate(given)
    except ValidationError as error:
        messages: dict[str, str] = {}
        for detail in error.errors(include_url=False):
            name = str(detail["loc"][0]) if detail["loc"] else WHOLE_FORM
            wording = words.get(name)
            messages.setdefault(name, wording.message(detail) if wording else "Something in the form cannot be used.")
        raise Unusable(messages) from None


def refusal_of(
    form: str,
    error: Unusable | LscError,
    values: dict[str, Any],
    shown: Collection[str],
    message: str | None = None,
) -> Refusal:
    """Turn what the model or the service refused into a refusal shown beside the fields a form shows.

    A service refusal is shown beside the field its ``details["field"]`` names, in its own words unless
    the page gives ``message``; anything about a field the form does not show is said for the whole form.
    """
    if isinstance(error, Unusable):
        messages: dict[str, str] = {}
        for name, text in error.messages.items():
            where = name if name in shown else WHOLE_FORM
            messages[where] = f"{messages[where]} {text}" if where in messages else text
        return Refusal(form, messages, 422, values)
    named = error.details.get("field")
    where = named if isinstance(named, str) and named in shown else WHOLE_FORM
    return Refusal(form, {where: message or sentence(error.message)}, status_of(error), values)


def yes_no(answer: str) -> bool | str:
    """Read a yes-or-no choice; anything else is passed on for the model to refuse."""
    return {"yes": True, "no": False}.get(answer, answer)


def whole_number(text: str) -> int | str:
    """Read a whole number typed into a form; anything else is passed on for the model to refuse."""
    stripped = text.strip()
    return int(stripped) if stripped.isdigit() and len(stripped) <= 6 else text


def today() -> date:
    """Return today's date (UTC), the default for dates the forms ask for."""
    return datetime.now(UTC).date()


def notice(request: Request) -> str | None:
    """Return the confirmation a write of this caller's passed back, if any: only one the service signed is shown."""
    text, signature = request.query_params.get("notice"), request.query_params.get("sig")
    if not text or not signature or not hmac.compare_digest(signature, _signature(request, text)):
        return None  # a link anyone could write ("your session expired, sign in at ...") shows nothing
    return text[:300]


def redirect(request: Request, path: str, message: str) -> RedirectResponse:
    """Answer a successful POST: 303 back to the page, with a short confirmation signed for this caller."""
    query = urlencode({"notice": message, "sig": _signature(request, message)})
    return RedirectResponse(f"{path}?{query}", status_code=303)


def _signature(request: Request, message: str) -> str:
    """Sign a confirmation with the session's anti-forgery value (any replica knows it), else this process's key."""
    key = getattr(request.state, "csrf_token", None) or request.app.state.notice_key.hex()
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()[:32]


def parse_date(text: str, what: str) -> date | None:
    """Read an optional YYYY-MM-DD date typed into a form (an as-at date, which no input model holds)."""
    try:
        return form_date(text)
    except ValueError:
        raise ValueError(f"The {what} must be a real date written as YYYY-MM-DD; “{text.strip()}” is not.") from None


def group_named(name: str) -> Group | None:
    """Return the group a URL names (any letter case), or None."""
    return next((g for g in Group if g.value == name.upper()), None)


def capability_path(capability: str) -> str:
    """Return the conditions board's path for a capability."""
    return f"/capabilities/{quote(capability, safe='')}/conditions"
