"""Submissions: store and evaluate packs, self-check without storing, re-evaluate, compare, read readiness."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.auth import Reader, Reviser, SelfChecker, Submitter
from api.deps import BodyDep, ServiceDep, SettingsDep, read_body
from api.errors import RESPONSES, documented
from api.on_loop import OnLoop
from api.redacting import RedactingRoute, answers_own_input
from api.schemas import EvaluationRead, ReEvaluation, SubmissionCreated, SubmissionDetail, SubmissionRead
from api.types import IsoDate
from lsc_engine.core.diff import Diff
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.core.model_json import model_json

router = APIRouter(prefix="/v1", tags=["submissions"], responses=documented(401, 403, 429), route_class=RedactingRoute)

EXAMPLE_PACK: dict[str, Any] = {
    "statement": {
        "capability": "MOC-MDS",
        "cohort": "Active and dormant MOC MDS installations",
        "submitted_by": "DCC",
        "date": "2020-03-06",
    },
    "scope": {
        "dmcs": [
            {
                "id": "DMC-MDS-A1",
                "name": "MDS electricity meter with gas meter, active",
                "installation_type": "active",
                "provenance": {"source": "DCC statement of readiness", "date": "2020-02-28"},
            }
        ]
    },
    "incidents": [],
}

#: The request body is read raw (to keep it exactly as received) and validated by lsc-engine itself.
PACK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/EvidencePack"},
                "examples": {"minimal": {"summary": "A statement and scope only", "value": EXAMPLE_PACK}},
            }
        },
    }
}


AsAt = Annotated[
    IsoDate | None,
    Query(description="Evaluate as at this date (YYYY-MM-DD); default the pack's statement date"),
]


@router.post(
    "/submissions",
    status_code=201,
    response_model=SubmissionCreated,
    responses={
        200: {"model": SubmissionCreated, "description": "A retry answered from its first result"},
        **documented(400, 408, 409, 413, 422, 503),
    },
    openapi_extra=PACK_BODY,
)
@answers_own_input
async def create_submission(
    principal: Submitter,
    body: BodyDep,
    service: ServiceDep,
    response: Response,
    as_at: AsAt = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="A retry with the same key never creates a second submission",
        ),
    ] = None,
) -> SubmissionCreated:
    """Store an evidence pack, evaluate it, and return the evaluation with the submission id.

    The answer is not redacted: it speaks only of the pack the caller has just sent.
    """
    stored = await run_in_threadpool(
        lambda: service.submit(
            body,
            submitter=principal.actor,
            as_at=as_at,
            idempotency_key=idempotency_key,
            key_holder=principal.token_id,
        )
    )
    if stored.replayed:
        response.status_code = 200
    return SubmissionCreated(
        submission=SubmissionRead.of(stored.submission),
        evaluation=EvaluationRead.of(stored.record, stored.evaluation),
        replayed=stored.replayed,
    )


@router.post(
    "/self-check",
    response_model=Evaluation,
    responses=documented(400, 408, 413, 422),
    openapi_extra=PACK_BODY,
)
@answers_own_input
async def self_check(_caller: SelfChecker, request: Request, as_at: AsAt = None) -> Response:
    """Evaluate an evidence pack without storing it (the same result as ``lsc check --format json``).

    The answer is not redacted: it speaks only of the pack the caller has just sent. It is written as FastAPI would
    write it, by the faster ``model_json``.
    """
    # The busiest route: what other routes take as dependencies (the body, the service, the queue) it reads here,
    # since each dependency costs FastAPI more than reading it does.
    state = request.app.state
    on_loop: OnLoop = state.on_loop
    # A small pack is evaluated on the loop while only self-checks are in flight, one at a time (``api.on_loop``).
    result = await on_loop.self_check(state.service, await read_body(request), as_at)
    return Response(model_json(result), media_type="application/json")


@router.get("/submissions", response_model=list[SubmissionRead], responses={503: RESPONSES[503]})
def list_submissions(
    _caller: Reader,
    service: ServiceDep,
    settings: SettingsDep,
    capability: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[SubmissionRead]:
    """List stored submissions, newest first."""
    rows = service.list_submissions(capability=capability, limit=min(limit, settings.list_limit_max), offset=offset)
    return [SubmissionRead.of(row) for row in rows]


@router.get(
    "/submissions/{submission_id}",
    response_model=SubmissionDetail,
    responses={404: RESPONSES[404], 503: RESPONSES[503]},
)
def get_submission(_caller: Reader, submission_id: str, service: ServiceDep) -> SubmissionDetail:
    """Return a stored submission with its pack; confidential items are withheld from those who may not see them."""
    submission = service.get_submission(submission_id)
    return SubmissionDetail(**SubmissionRead.of(submission).model_dump(), pack=service.pack(submission_id))


@router.get(
    "/submissions/{submission_id}/evaluations",
    response_model=list[EvaluationRead],
    responses={404: RESPONSES[404], 503: RESPONSES[503]},
)
def list_evaluations(_caller: Reader, submission_id: str, service: ServiceDep) -> list[EvaluationRead]:
    """List a submission's evaluations, oldest first."""
    return [EvaluationRead.of(stored) for stored in service.evaluations(submission_id)]


@router.post(
    "/submissions/{submission_id}/re-evaluate",
    response_model=ReEvaluation,
    status_code=201,
    responses=documented(404, 422, 503),
)
def re_evaluate(principal: Reviser, submission_id: str, service: ServiceDep, as_at: AsAt = None) -> ReEvaluation:
    """Evaluate a stored pack again under the current ruleset (and a new as-at date if given)."""
    stored, changes = service.re_evaluate(submission_id, as_at=as_at, actor=principal.actor)
    return ReEvaluation(evaluation=EvaluationRead.of(stored.record, stored.evaluation), changes=changes)


@router.get(
    "/submissions/{submission_id}/diff",
    response_model=Diff,
    responses=documented(404, 422, 503),
)
def diff_evaluations(
    _caller: Reader,
    submission_id: str,
    service: ServiceDep,
    before: Annotated[
        str | None,
        Query(alias="from", max_length=32, description="Evaluation id, or submission id for its latest; default first"),
    ] = None,
    after: Annotated[
        str | None,
        Query(alias="to", max_length=32, description="Evaluation id, or submission id for its latest; default latest"),
    ] = None,
) -> Diff:
    """Compare two evaluations: each changed rating and whether evidence, rules or the as-at date changed it."""
    return service.diff(submission_id, before_id=before, after_id=after)
