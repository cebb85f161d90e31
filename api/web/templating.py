"""The page templates and the words, marks and classes the pages use for ratings and conditions."""

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
)


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page template, with the signed-in caller and the forms' anti-forgery value."""
    context.setdefault("principal", getattr(request.state, "principal", None))
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", None))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    shown = getattr(request.state, "redactor", None)
    if shown is not None:  # the page is rendered: record the confidential items it shows before sending it
        disclose(request, shown, request.path_params.get("submission_id"))
    return response
