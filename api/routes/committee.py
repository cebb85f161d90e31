"""The committee workflow over HTTP: assessments, revocations, conditions, decisions, letters and the gate."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict

from api.auth import (
    Assessor,
    ConditionActor,
    ConditionAdder,
    DecisionMaker,
    Reader,
    Revoker,
)
from api.deps import CommitteeDep, LettersDep
from api.errors import documented
from api.redacting import RedactingRoute
from api.routes.letters import file_response
from lsc_engine.access.policy import require_group
from lsc_engine.committee.conditions import ConditionState
from lsc_engine.committee.gate import Assessment, Revocation
from lsc_engine.committee.inputs import AssessmentIn, ConditionEventIn, ConditionIn, DecisionIn, RevocationIn
from lsc_engine.committee.letter import MEDIA, SUFFIX, LetterFormat, render
from lsc_engine.committee.letter_text import LetterText
from lsc_engine.committee.views import DecisionView, ReadinessView

router = APIRouter(prefix="/v1", tags=["committee"], responses=documented(401, 403, 429), route_class=RedactingRoute)


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
def list_assessments(_caller: Reader, submission_id: str, service: CommitteeDep) -> list[Assessment]:
    """List a submission's assessments, oldest first; the last per criterion and group is current."""
    return service.assessments(submission_id)


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
    _caller: Reader, service: CommitteeDep, capability: Annotated[str, Query(min_length=1, max_length=120)]
) -> list[ConditionState]:
    """List a capability's conditions with status, reports and history."""
    return service.conditions(capability)


@router.post(
    "/conditions", status_code=201, response_model=ConditionState, responses=documented(400, 404, 409, 422, 503)
)
def create_condition(principal: ConditionAdder, body: ConditionIn, service: CommitteeDep) -> ConditionState:
    """Add a condition by hand: the Panel for any group, a sub-committee for itself."""
    require_group(principal, body.owner)
    return service.add_condition(body, actor=principal.actor)


@router.get("/conditions/{condition_id}", response_model=ConditionState, responses=documented(404, 503))
def get_condition(_caller: Reader, condition_id: str, service: CommitteeDep) -> ConditionState:
    """Return one condition."""
    return service.condition(condition_id)


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
def list_decisions(_caller: Reader, submission_id: str, service: CommitteeDep) -> list[DecisionView]:
    """List the decisions recorded on a submission, oldest first."""
    return service.decisions(submission_id)


@router.get("/decisions/{decision_id}", response_model=DecisionView, responses=documented(404, 503))
def get_decision(_caller: Reader, decision_id: str, service: CommitteeDep) -> DecisionView:
    """Return a recorded decision."""
    return service.decision(decision_id)


class Letter(BaseModel):
    """The letter a decision gives, in one format, as it would be drafted (nothing confidential is in it)."""

    model_config = ConfigDict(frozen=True)

    text: LetterText
    format: LetterFormat

    @property
    def submission_id(self) -> str:
        """Return the submission the letter's decision is on (for the record of what was disclosed)."""
        return self.text.submission_id

    def response(self) -> Response:
        """Render the letter as a response, with the headers its format needs."""
        name = f"panel-letter-{self.text.letter_date.isoformat()}-{self.text.decision_id[:8]}.{SUFFIX[self.format]}"
        return file_response(render(self.text, self.format, draft=True), self.format, name)


@router.get(
    "/decisions/{decision_id}/letter",
    response_class=Response,
    response_model=None,
    responses={
        200: {"description": "The letter", "content": {media: {} for media in MEDIA.values()}},
        **documented(404, 422, 503),
    },
)
def get_letter(
    _caller: Reader,
    decision_id: str,
    letters: LettersDep,
    format: Annotated[LetterFormat, Query()] = LetterFormat.HTML,
    letter_date: Annotated[date | None, Query(description="The date the letter bears; default the Panel's")] = None,
) -> Letter:
    """Return the Panel's letter a decision gives, composed from what was recorded (see the letters to issue it)."""
    return Letter(text=letters.compose(decision_id, letter_date), format=format)


@router.get("/readiness/{capability}", response_model=ReadinessView, responses=documented(404, 503))
def readiness(_caller: Reader, capability: str, service: CommitteeDep) -> ReadinessView:
    """The go-live gate: may this capability go live now, may migration start now, and what blocks each."""
    return service.readiness(capability)
