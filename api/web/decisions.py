"""The Panel's decision on a submission: the current one with its letter, earlier ones, and the form to record one."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import DecisionMaker, FormCaller, Reader, RedactorDep
from api.deps import LettersDep
from api.web.conditions import STATUS_WORDS
from api.web.deps import CommitteeDep, ServiceDep
from api.web.forms import Refusal, Unusable, Wording, notice, read_form, redirect, refusal_of
from api.web.submission_info import submission_info
from api.web.templating import page, sentence
from lsc_engine.access.redaction import Redactor
from lsc_engine.committee.inputs import DecisionIn
from lsc_engine.committee.letters import LetterState
from lsc_engine.core.evidence import Group
from lsc_engine.core.rating import Rating
from lsc_engine.errors import LscError, NotFound
from lsc_engine.services.committee import Committee
from lsc_engine.services.letters import Letters
from lsc_engine.services.submissions import Service

router = APIRouter(include_in_schema=False)

OUTCOMES: dict[str, str] = {
    "recommend": "Recommend go-live",
    "recommend_with_conditions": "Recommend go-live with conditions",
    "do_not_recommend": "Do not recommend go-live",
}
#: How the decision form speaks of its fields.
DECISION_WORDS = {
    "outcome": Wording("the decision", "choose the Panel's decision"),
    "considered_on": Wording(
        "the date the Panel considered it",
        "give the date the Panel considered the evidence",
        invalid="give the date the Panel considered the evidence as a real date, YYYY-MM-DD",
    ),
    "condition_ids": Wording(
        "the conditions", "choose the conditions to attach", over="attach at most {max_length} conditions"
    ),
    "notes": Wording("the notes", "write the notes"),
    "supersedes": Wording("the decision it corrects", "reload the page to see the decision on record"),
}


def _decision_page(
    request: Request,
    redactor: Redactor,
    service: Service,
    committee: Committee,
    letters: Letters,
    submission_id: str,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    """Show the decision page of a submission, with the current decision's letter as issued when there is one."""
    info, _ = submission_info(service, submission_id)
    decisions = [redactor.decision(d) for d in committee.decisions(submission_id)]
    current = next((d for d in reversed(decisions) if d.superseded_by is None), None)
    earlier = [d for d in reversed(decisions) if d is not current]
    issued = (
        next((x for x in letters.letters(current.id) if x.state == LetterState.ISSUED and not x.superseded_by), None)
        if current is not None
        else None
    )
    conditions = redactor.conditions(committee.conditions(info.capability))
    readiness = redactor.readiness(committee.readiness(info.capability)) if info.id == info.latest_id else None
    position = redactor.readiness(committee.position(submission_id))
    assessed = [
        (
            group.value,
            sum(1 for c in position.gate.ratings if c.group == group and c.decided is not None),
            sum(1 for c in position.gate.ratings if c.group == group),
            [c for c in position.gate.ratings if c.group == group and c.rating != Rating.GREEN],
        )
        for group in Group
    ]
    if refusal is not None:
        ticked = set(refusal.values.get("condition_ids", []))
    else:
        ticked = {c.id for c in conditions if c.is_open}
    return page(
        request,
        "committee/decision.html",
        status_code=refusal.status if refusal else 200,
        notice=notice(request),
        submission=info,
        current=current,
        issued=issued,
        earlier=earlier,
        conditions=conditions,
        ticked=ticked,
        readiness=readiness,
        assessed=assessed,
        reopened=position.reopened,
        awaiting=next((b.reason for b in position.gate.go_live.blockers if b.kind == "decision"), None),
        outcomes=OUTCOMES,
        refusal=refusal,
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
    letters: LettersDep,
) -> HTMLResponse:
    """Show the Panel's current decision, its letter and earlier decisions, with the form to record one."""
    return _decision_page(request, redactor, service, committee, letters, submission_id)


@router.post("/submissions/{submission_id}/decision", response_class=HTMLResponse, response_model=None)
def record_decision(
    request: Request,
    principal: DecisionMaker,
    _form: FormCaller,
    redactor: RedactorDep,
    submission_id: str,
    service: ServiceDep,
    committee: CommitteeDep,
    letters: LettersDep,
    outcome: Annotated[str, Form()] = "",
    considered_on: Annotated[str, Form()] = "",
    condition_ids: Annotated[list[str] | None, Form()] = None,
    notes: Annotated[str, Form()] = "",
    supersedes: Annotated[str, Form()] = "",
) -> Response:
    """Record the Panel's decision (or a correction of it), then go back to the page."""
    values: dict[str, Any] = {
        "outcome": outcome,
        "considered_on": considered_on,
        # Nothing ticked is a choice too: attach none (left out, as the API allows, every open one is attached).
        "condition_ids": [c for c in condition_ids or [] if c],
        "notes": notes,
    }
    try:
        given = read_form(DecisionIn, {**values, "supersedes": supersedes}, DECISION_WORDS)
        decision = committee.decide(submission_id, given, actor=principal.actor)
    except (Unusable, LscError) as error:
        if isinstance(error, NotFound) and error.details.get("submission_id"):  # the not-found page instead
            raise
        refused = refusal_of("decide", error, values, shown=values, message=_in_words(error))
        return _decision_page(request, redactor, service, committee, letters, submission_id, refused)
    word = "Correction" if decision.supersedes else "Decision"
    path = f"/submissions/{quote(submission_id, safe='')}/decision"
    return redirect(request, path, f"{word} recorded: {OUTCOMES[decision.outcome].lower()}.")


def _in_words(error: Unusable | LscError) -> str | None:
    """Say a refusal of the decision in the Panel's words where the service's would not do."""
    if isinstance(error, Unusable):
        return None
    suggested = error.details.get("suggested")
    if error.details.get("field") == "outcome" and suggested in OUTCOMES:
        return f'Conditions are attached: choose "{OUTCOMES[suggested]}", or untick them.'
    if error.details.get("field") == "supersedes" and error.details.get("current_decision"):
        return (
            sentence(error.message)
            + " The page now shows the decision on record: check it before recording a correction."
        )
    return None
