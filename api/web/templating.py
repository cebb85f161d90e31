"""The page templates, the words, marks and classes they use, and rendering them.

Rendering writes nothing. A page showing confidential items is rendered with ``shown``, which records them
first; ``page`` refuses to render while any are unrecorded, so a route cannot forget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.responses import HTMLResponse

from api.auth import disclose
from lsc_engine.access.policy import Permission, Principal, Role, allowed
from lsc_engine.access.redaction import Redactor
from lsc_engine.core.ruleset import Rating
from lsc_engine.core.words import KIND_LABELS, MARKS

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

templates = Jinja2Templates(directory=TEMPLATES)


def rating_word(rating: str | Rating | None) -> str:
    """Return a rating as a word a person reads: Green, Amber, Red, Insufficient evidence."""
    if rating is None:
        return "Not rated"
    return {"green": "Green", "amber": "Amber", "red": "Red", "insufficient_evidence": "Insufficient evidence"}[
        str(Rating(rating).value)
    ]


def rating_mark(rating: str | Rating | None) -> str:
    """Return the mark shown beside a rating, so it reads without colour."""
    return MARKS[Rating(rating)][1] if rating is not None else "-"


def rating_class(rating: str | Rating | None) -> str:
    """Return the CSS class of a rating."""
    return f"rating-{Rating(rating).value}" if rating is not None else "rating-none"


def kind_label(kind: str) -> str:
    """Return a condition kind in words."""
    return KIND_LABELS[kind]


#: What each role is called on the pages, beside the name of whoever acted in it.
ROLE_WORDS = {
    "dcc": "DCC",
    "tag": "TAG",
    "opsg": "OPSG",
    "ssc": "SSC",
    "panel": "Panel",
    "observer": "Observer",
    "admin": "Administrator",
    "cli": "command line",
}
#: How the audit chain says what vouched for whoever acted, after their name (``Principal.actor``).
PROOFS = (" [token ", " [jwt ")


def person(actor: str) -> str:
    """Name whoever acted as people read it, "Pat Panel (Panel)", from the audit's "panel:Pat Panel [token ID]"."""
    role, colon, rest = actor.partition(":")
    if not colon or role not in ROLE_WORDS:
        return actor
    proof = max(rest.rfind(marker) for marker in PROOFS)
    name = rest[:proof] if proof >= 0 and rest.endswith("]") else rest
    return f"{name} ({ROLE_WORDS[role]})"


def readiness_word(overall: str) -> str:
    """Return an overall readiness in words."""
    return {"ready": "Ready", "ready_with_conditions": "Ready with conditions", "not_ready": "Not ready"}[overall]


@pass_context
def may(context: Context, permission: str, group: str | None = None) -> bool:
    """Tell a template whether the signed-in caller may do something (for a group), to offer only what works."""
    principal: Principal | None = context.get("principal")
    if principal is None or not allowed(principal, Permission(permission)):
        return False
    return group is None or principal.role == Role.PANEL or (principal.group is not None and principal.group == group)


templates.env.globals["may"] = may
templates.env.filters.update(
    rating_word=rating_word,
    rating_mark=rating_mark,
    rating_class=rating_class,
    kind_label=kind_label,
    readiness_word=readiness_word,
    person=person,
)


class UnrecordedDisclosure(RuntimeError):
    """A page was about to show confidential items that were not recorded as shown."""


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template with the signed-in caller and the forms' anti-forgery value; nothing is written."""
    context.setdefault("principal", getattr(request.state, "principal", None))
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", None))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a route's page; refuse while confidential items it shows are unrecorded (``shown`` records them)."""
    redactor: Redactor | None = getattr(request.state, "redactor", None)
    if redactor is not None and redactor.disclosed:
        raise UnrecordedDisclosure(f"{name} shows confidential items: render it with shown(), which records them")
    return render(request, name, status_code, **context)


def shown(request: Request, redactor: Redactor, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Record the confidential items a page shows its caller (an audited read), then render the page."""
    disclose(request, redactor, request.path_params.get("submission_id"))
    return page(request, name, status_code, **context)


def sentence(message: str) -> str:
    """Turn a service message into a sentence a person reads: capital first letter, full stop."""
    text = message.strip()
    if not text:
        return "That was not recorded."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
