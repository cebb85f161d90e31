"""The submission page: readiness, the gate, the RAG matrix with its reasons, conditions and charts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.auth import Reader, RedactorDep
from api.web.deps import CommitteeDep, ServiceDep
from api.web.matrix import GROUPS, matrix
from api.web.pack_charts import chart_set
from api.web.templating import shown
from lsc_engine.committee.gate import GateResult
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.core.loading import parse_pack
from lsc_engine.errors import NotFound
from lsc_engine.services.committee import Committee
from lsc_engine.services.submissions import Service
from lsc_engine.store.models import Submission

router = APIRouter(include_in_schema=False)


def stored_submission(service: Service, submission_id: str) -> Submission:
    """Return a stored submission, or raise NotFound in words for the page."""
    try:
        return service.get_submission(submission_id)
    except NotFound:
        raise NotFound(f"There is no submission with the id “{submission_id}”.") from None


def gate_of(service: Service, committee: Committee, submission: Submission) -> tuple[GateResult, int]:
    """Return the gate for a submission, and the newest version of its capability."""
    newest = service.list_submissions(capability=submission.capability, limit=1, offset=0)[0].version
    return committee.position(submission.id).gate, newest


@router.get("/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(
    request: Request,
    _caller: Reader,
    redactor: RedactorDep,
    submission_id: str,
    service: ServiceDep,
    committee: CommitteeDep,
) -> HTMLResponse:
    """Show a submission: readiness, the gate, the RAG matrix with its reasons, conditions and charts."""
    submission = stored_submission(service, submission_id)
    record = service.list_evaluations(submission_id)[-1]
    evaluation = redactor.evaluation(Evaluation.model_validate_json(record.result))
    pack = redactor.visible_pack(parse_pack(submission.pack.encode(), yaml_allowed=False))
    gate, newest = gate_of(service, committee, submission)
    result = redactor.gate(gate)
    return shown(
        request,
        redactor,
        "submission/submission.html",
        submission=submission,
        record=record,
        evaluation=evaluation,
        gate=result,
        newest=newest,
        groups=GROUPS,
        rows=matrix(service.ruleset, evaluation, pack, result.ratings),
        charts=chart_set(pack, service.ruleset, evaluation.as_at),
    )
