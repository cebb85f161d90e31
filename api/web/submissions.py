"""The submission page: readiness, the gate, the RAG matrix with its reasons, conditions and charts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.auth import Reader, RedactorDep
from api.web.deps import CommitteeDep, ServiceDep
from api.web.matrix import GROUPS, evidence_index, matrix
from api.web.pack_charts import chart_set
from api.web.submission_info import standing
from api.web.templating import page

router = APIRouter(include_in_schema=False)


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
    found = standing(service, submission_id)
    submission = found.submission
    evaluation = redactor.evaluation(found.evaluation.evaluation)
    pack = redactor.visible_pack(service.evidence(submission.id))
    position = committee.position(submission.id)
    result = redactor.gate(position.gate)
    return page(
        request,
        "submission/submission.html",
        submission=submission,
        record=found.evaluation.summary,
        evaluation=evaluation,
        gate=result,
        reopened=position.reopened,
        newest=found.newest.version,
        groups=GROUPS,
        rows=matrix(service.ruleset, evaluation, pack, result.ratings),
        charts=chart_set(pack, service.ruleset, evaluation.as_at),
        evidence=evidence_index(pack),
    )
