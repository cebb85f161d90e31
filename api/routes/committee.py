"""The committee workflow over HTTP: assessments, revocations, conditions, decisions, letters and the gate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.auth import (
    Assessor,
    ConditionActor,
    ConditionAdder,
    DecisionMaker,
    Reader,
    RedactorDep,
    Revoker,
    confidential_cells_of,
    disclose,
)
from api.deps import CommitteeDep, ServiceDep
from api.errors import documented
from api.security import CONTENT_SECURITY_POLICY
from lsc_engine.access.policy import require_group
from lsc_engine.committee.conditions import ConditionState
from lsc_engine.committee.gate import Assessment, Revocation
from lsc_engine.committee.inputs import AssessmentIn, ConditionEventIn, ConditionIn, DecisionIn, RevocationIn
from lsc_engine.committee.letter import LetterFormat, render, style_hash
from lsc_engine.committee.views import DecisionView, ReadinessView

router = APIRouter(prefix="/v1", tags=["committee"], responses=documented(401, 403, 429))


@router.post(
    "/submissions/{submission_id}/assessments",
    status_code=201,
    response_model=Assessment,
    responses=documented(400, 404, 422, 503),
)
def create_assessment(principal: Assessor, submission_id: str, body: AssessmentIn, service: CommitteeDep) -> Assessment:
    """Record a group's rating of a criterion: confirm the engine's proposal or override it with a rationale."""
    require_group(principal, body.group)
    return service.assess(submission_id, body, actor=principal.actor)


@router.get("/submissions/{submission_id}/assessments", response_model=list[Assessment], responses=documented(404, 503))
def list_assessments(
    _caller: Reader, redacting: RedactorDep, submission_id: str, service: CommitteeDep, submissions: ServiceDep
) -> list[Assessment]:
    """List a submission's assessments, oldest first; the last per criterion and group is current."""
    return redacting.assessments(service.assessments(submission_id), confidential_cells_of(submissions, submission_id))


@router.post(
    "/submissions/{submission_id}/revocations",
    status_code=201,
    response_model=Revocation,
    responses=documented(400, 404, 422, 503),
)
def create_revocation(principal: Revoker, submission_id: str, body: RevocationIn, service: CommitteeDep) -> Revocation:
    """Record a group revoking its recommendation; go-live is blocked at once."""
    require_group(principal, body.group)
    return service.revoke(submission_id, body, actor=principal.actor)


@router.get("/conditions", response_model=list[ConditionState], responses=documented(503))
def list_conditions(
    request: Request,
    _caller: Reader,
    redacting: RedactorDep,
    service: CommitteeDep,
    capability: Annotated[str, Query(min_length=1, max_length=120)],
) -> list[ConditionState]:
    """List a capability's conditions with status, reports and history."""
    conditions = redacting.conditions(service.conditions(capability))
    disclose(request, redacting, None)
    return conditions


@router.post(
    "/conditions", status_code=201, response_model=ConditionState, responses=documented(400, 404, 409, 422, 503)
)
def create_condition(principal: ConditionAdder, body: ConditionIn, service: CommitteeDep) -> ConditionState:
    """Add a condition by hand: the Panel for any group, a sub-committee for itself."""
    require_group(principal, body.owner)
    return service.add_condition(body, actor=principal.actor)


@router.get("/conditions/{condition_id}", response_model=ConditionState, responses=documented(404, 503))
def get_condition(
    request: Request, _caller: Reader, redacting: RedactorDep, condition_id: str, service: CommitteeDep
) -> ConditionState:
    """Return one condition."""
    condition = redacting.condition(service.condition(condition_id))
    disclose(request, redacting, None)
    return condition


@router.post(
    "/conditions/{condition_id}/events",
    status_code=201,
    response_model=ConditionState,
    responses=documented(400, 404, 409, 422, 503),
)
def create_condition_event(
    principal: ConditionActor, condition_id: str, body: ConditionEventIn, service: CommitteeDep
) -> ConditionState:
    """Satisfy (with evidence), waive (with rationale and approver), breach, report on, arm, trigger or clear."""
    require_group(principal, service.condition(condition_id).owner)
    return service.act(condition_id, body, actor=principal.actor)


@router.post(
    "/submissions/{submission_id}/decisions",
    status_code=201,
    response_model=DecisionView,
    responses=documented(400, 404, 409, 422, 503),
)
def create_decision(
    principal: DecisionMaker, submission_id: str, body: DecisionIn, service: CommitteeDep
) -> DecisionView:
    """Record the Panel's decision; it cannot change afterwards, only be superseded by a correction."""
    return service.decide(submission_id, body, actor=principal.actor)


@router.get("/submissions/{submission_id}/decisions", response_model=list[DecisionView], responses=documented(404, 503))
def list_decisions(
    request: Request, _caller: Reader, redacting: RedactorDep, submission_id: str, service: CommitteeDep
) -> list[DecisionView]:
    """List the decisions recorded on a submission, oldest first."""
    decisions = [redacting.decision(d) for d in service.decisions(submission_id)]
    disclose(request, redacting, submission_id)
    return decisions


@router.get("/decisions/{decision_id}", response_model=DecisionView, responses=documented(404, 503))
def get_decision(
    request: Request, _caller: Reader, redacting: RedactorDep, decision_id: str, service: CommitteeDep
) -> DecisionView:
    """Return a recorded decision."""
    decision = redacting.decision(service.decision(decision_id))
    disclose(request, redacting, decision.submission_id)
    return decision


MEDIA = {
    LetterFormat.HTML: "text/html; charset=utf-8",
    LetterFormat.MARKDOWN: "text/markdown; charset=utf-8",
    LetterFormat.PDF: "application/pdf",
}


@router.get(
    "/decisions/{decision_id}/letter",
    response_class=Response,
    responses={
        200: {"description": "The letter", "content": {media: {} for media in MEDIA.values()}},
        **documented(404, 503),
    },
)
def get_letter(
    request: Request,
    _caller: Reader,
    redacting: RedactorDep,
    decision_id: str,
    service: CommitteeDep,
    format: Annotated[LetterFormat, Query()] = LetterFormat.HTML,
) -> Response:
    """Return the Panel's letter for a decision, generated from what was recorded."""
    decision = redacting.decision(service.decision(decision_id))
    disclose(request, redacting, decision.submission_id)
    content = render(decision, format)
    headers = {}
    if format is LetterFormat.PDF:
        headers["Content-Disposition"] = f'attachment; filename="lsc-letter-{decision_id}.pdf"'
    if format is LetterFormat.HTML:
        allowed_style = style_hash(content.decode())
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "style-src 'self'", f"style-src 'self' {allowed_style}"
        )
    return Response(content=content, media_type=MEDIA[format], headers=headers)


@router.get("/readiness/{capability}", response_model=ReadinessView, responses=documented(404, 503))
def readiness(
    request: Request, _caller: Reader, redacting: RedactorDep, capability: str, service: CommitteeDep
) -> ReadinessView:
    """The go-live gate: may this capability go live now, may migration start now, and what blocks each."""
    view = redacting.readiness(service.readiness(capability))
    disclose(request, redacting, view.submission_id)
    return view
