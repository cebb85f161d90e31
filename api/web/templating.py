"""The page templates, the words, marks and classes they use, and rendering them.

Rendering writes nothing. ``page`` redacts every value a page is given for its caller and records what it
shows before it renders: a route cannot forget either.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.responses import HTMLResponse

from api.auth import disclose, redacting
from api.redacting import NOBODY
from lsc_engine.access.policy import Permission, Principal, Role, allowed
from lsc_engine.access.redaction import Redactor
from lsc_engine.committee.plain import plain
from lsc_engine.core.path_to_green import PREMISE, waiting_words
from lsc_engine.core.rating import Rating
from lsc_engine.core.words import (
    KIND_LABELS,
    MARKS,
    PROVISIONAL_LEGEND,
    PROVISIONAL_TAG,
    RATING_WORDS,
    criterion_words,
    day_words,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

templates = Jinja2Templates(directory=TEMPLATES)


def rating_word(rating: str | Rating | None) -> str:
    """Return a rating as a word a person reads: Green, Amber, Red, Insufficient evidence."""
    if rating is None:
        return "Not rated"
    return RATING_WORDS[Rating(rating)]


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


#: A criterion id as the committee writes it: "LSC6" is "LSC 6", "LSC10.4" is "LSC 10.4".
#: The rules' titles by rule id, per ruleset digest: a process runs one ruleset, so this stays small.
_TITLES: dict[str, dict[str, str]] = {}


def _rule_titles(request: Request) -> dict[str, str]:
    """Return the title of every rule of the ruleset the service runs, by rule id."""
    ruleset = request.app.state.service.ruleset
    titles = _TITLES.get(ruleset.digest)
    if titles is None:
        titles = _TITLES[ruleset.digest] = {rule.id: rule.title for rule in ruleset.rules}
    return titles


@pass_context
def rule_title(context: Context, rule_id: str) -> str:
    """Name a rule by its title; a rule the current ruleset no longer has is named in words, not by its id."""
    return _rule_titles(context["request"]).get(rule_id) or "a rule of an earlier ruleset"


@pass_context
def condition_source(context: Context, source: str) -> str:
    """Say where a condition on the register came from: by hand, carried over, or raised by a rule (its title)."""
    if source == "manual":
        return "added by hand"
    carried = source.removeprefix("carried over: ")
    if carried != source:
        return f"carried over from the earlier decision's condition {carried}"
    return f"raised by the rule “{rule_title(context, source)}”"


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


templates.env.globals.update(
    may=may, provisional_tag=PROVISIONAL_TAG, provisional_legend=PROVISIONAL_LEGEND, waiting_premise=PREMISE
)
templates.env.filters.update(
    rating_word=rating_word,
    rating_mark=rating_mark,
    rating_class=rating_class,
    kind_label=kind_label,
    readiness_word=readiness_word,
    person=person,
    day=day_words,
    criterion_label=criterion_words,
    rule_title=rule_title,
    condition_source=condition_source,
    waiting=partial(waiting_words, day=day_words),
    prose=plain,
)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template with the signed-in caller and the forms' anti-forgery value; nothing is written."""
    context.setdefault("principal", getattr(request.state, "principal", None))
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", None))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page for its caller: every value it is given redacted for them, what it shows recorded first.

    This is the pages' one way out: each value (an evaluation, a gate, conditions, decisions, a pack) passes
    through the caller's redactor, so that a page cannot show what its caller may not see, however its
    route built the context; the confidential items it does show are recorded before anything is rendered.
    """
    principal: Principal | None = getattr(request.state, "principal", None)
    redactor = redacting(request) if principal is not None else Redactor(NOBODY, request.app.state.section_owners)
    context = {key: redactor.view(value) for key, value in context.items()}
    if principal is not None:
        disclose(request, redactor, request.path_params.get("submission_id"))
    return render(request, name, status_code, **context)


def page_of_own_input(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page that speaks only of what its caller has just sent (a self-check): nothing to withhold."""
    return render(request, name, status_code, **context)


def sentence(message: str) -> str:
    """Turn a service message into a sentence a person reads: capital first letter, full stop."""
    text = message.strip()
    if not text:
        return "That was not recorded."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
