"""The Panel's decision on a submission: the current one with its letter, earlier ones, and the form to record one."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import DecisionMaker, FormCaller, Reader, RedactorDep
from api.errors import status_of
from api.web.conditions import STATUS_WORDS
from api.web.deps import CommitteeDep, ServiceDep
from api.web.forms import Refusal, action_date, check_lengths, notice, redirect, today
from api.web.submission_info import submission_info
from api.web.templating import sentence, shown
from lsc_engine.access.redaction import Redactor
from lsc_engine.committee.views import DecisionView, Outcome
from lsc_engine.errors import InvalidAction, LscError, NotFound
from lsc_engine.services.committee import Committee
from lsc_engine.services.submissions import Service

router = APIRouter(include_in_schema=False)

OUTCOMES: dict[str, str] = {
    "recommend": "Recommend go-live",
    "recommend_with_conditions": "Recommend go-live with conditions",
    "do_not_recommend": "Do not recommend go-live",
}
OUTCOME_VALUES: dict[str, Outcome] = {
    "recommend": "recommend",
    "recommend_with_conditions": "recommend_with_conditions",
    "do_not_recommend": "do_not_recommend",
}


def _decision_page(
    request: Request,
    redactor: Redactor,
    service: Service,
    committee: Committee,
    submission_id: str,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    """Show the decision page of a submission."""
    info, _ = submission_info(service, submission_id)
    decisions = [redactor.decision(d) for d in committee.decisions(submission_id)]
    current = next((d for d in reversed(decisions) if d.superseded_by is None), None)
    earlier = [d for d in reversed(decisions) if d is not current]
    conditions = redactor.conditions(committee.conditions(info.capability))
    readiness = redactor.readiness(committee.readiness(info.capability)) if info.id == info.latest_id else None
    if refusal is not None:
        ticked = set(refusal.values.get("condition_ids", []))
    else:
        ticked = {c.id for c in conditions if c.is_open}
    return shown(
        request,
        redactor,
        "committee/decision.html",
        status_code=refusal.status if refusal else 200,
        notice=notice(request),
        submission=info,
        current=current,
        earlier=earlier,
        conditions=conditions,
        ticked=ticked,
        readiness=readiness,
        outcomes=OUTCOMES,
        refusal=refusal,
        today=today().isoformat(),
        status_words=STATUS_WORDS,
    )


@router.get("/submissions/{submission_id}/decision", response_class=HTMLResponse)
def decision_page(
    request: Request,
    _caller: Reader,
    redactor: RedactorDep,
    submission_id: str,
    service: ServiceDep,
    committee: CommitteeDep,
) -> HTMLResponse:
    """Show the Panel's current decision, its letter and earlier decisions, with the form to record one."""
    return _decision_page(request, redactor, service, committee, submission_id)


@router.post("/submissions/{submission_id}/decision", response_class=HTMLResponse, response_model=None)
def record_decision(
    request: Request,
    principal: DecisionMaker,
    _form: FormCaller,
    redactor: RedactorDep,
    submission_id: str,
    service: ServiceDep,
    committee: CommitteeDep,
    outcome: Annotated[str, Form()] = "",
    considered_on: Annotated[str, Form()] = "",
    condition_ids: Annotated[list[str] | None, Form()] = None,
    notes: Annotated[str, Form()] = "",
    supersedes: Annotated[str, Form()] = "",
) -> Response:
    """Record the Panel's decision (or a correction of it), then go back to the page."""
    attached = [c for c in condition_ids or [] if c]
    values: dict[str, Any] = {
        "outcome": outcome,
        "considered_on": considered_on,
        "condition_ids": attached,
        "notes": notes,
    }
    try:
        if outcome not in OUTCOME_VALUES:
            raise InvalidAction("choose the Panel's decision")
        considered = action_date(considered_on, "the date the Panel considered it")
        if considered is None:
            raise InvalidAction("give the date the Panel considered the evidence")
        if len(attached) > 200:
            raise InvalidAction("attach at most 200 conditions")
        check_lengths({"notes": notes})
        decision: DecisionView = committee.decide(
            submission_id,
            outcome=OUTCOME_VALUES[outcome],
            considered_on=considered,
            condition_ids=attached,
            notes=notes.strip() or None,
            supersedes=supersedes.strip() or None,
            actor=principal.actor,
        )
    except NotFound as error:
        if error.details.get("submission_id"):  # no such submission: the not-found page, not a refusal
            raise
        refusal = Refusal("decide", sentence(error.message), status_of(error), values)
        return _decision_page(request, redactor, service, committee, submission_id, refusal)
    except LscError as error:
        message = sentence(error.message)
        message = re.sub(
            r"the outcome is (\w+)", lambda m: f'choose "{OUTCOMES.get(m[1], m[1])}", or untick them', message
        )
        if "supersede" in error.message:
            message += " The page now shows the decision on record: check it before recording a correction."
        refusal = Refusal("decide", message, status_of(error), values)
        return _decision_page(request, redactor, service, committee, submission_id, refusal)
    word = "Correction" if decision.supersedes else "Decision"
    path = f"/submissions/{quote(submission_id, safe='')}/decision"
    return redirect(path, f"{word} recorded: {OUTCOMES[decision.outcome].lower()}.")
