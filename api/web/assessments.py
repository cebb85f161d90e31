"""A group's assessment of a submission: one form for every criterion it owns, and revoking its support.

The group records its decisions on all its criteria with one form (``assessment_form``); the Panel, which
reads every group's decisions but records none, sees the same page without the forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth import Assessor, Caller, FormCaller, RedactorDep, Revoker
from api.errors import status_of
from api.web.assessment_form import (
    ROW_WORDS,
    Refused,
    build_rows,
    field_name,
    read_rows,
    service_refusal,
)
from api.web.deps import CommitteeDep, ServiceDep
from api.web.forms import (
    WHOLE_FORM,
    Refusal,
    Unusable,
    Wording,
    group_named,
    notice,
    read_form,
    redirect,
    refusal_of,
    yes_no,
)
from api.web.submission_info import SubmissionInfo, submission_info
from api.web.templating import page
from lsc_engine.access.policy import Permission, Principal, allowed, require, require_group, reviews_assessments
from lsc_engine.access.redaction import Redactor
from lsc_engine.committee.gate import CellDecision, decide_cells
from lsc_engine.committee.inputs import AssessmentIn, RevocationIn
from lsc_engine.core.evaluation import Evaluation, Finding
from lsc_engine.core.evidence import Group
from lsc_engine.core.ruleset import Criterion
from lsc_engine.core.words import criterion_words
from lsc_engine.errors import LscError, NotFound
from lsc_engine.services.committee import Committee
from lsc_engine.services.submissions import Service

router = APIRouter(include_in_schema=False)

GROUP_NAMES = {"TAG": "Testing Advisory Group", "OPSG": "Operations Group", "SSC": "Security Sub-Committee"}

#: How the one-criterion form, still accepted, speaks of its fields.
ASSESSMENT_WORDS = {
    "criterion": Wording("the criterion", "choose one of the criteria on this page"),
    "assessor": Wording("the assessor's name", "name the assessor"),
    **ROW_WORDS,
}
#: How the revocation form speaks of its field.
REVOCATION_WORDS = {"reason": Wording("the reason", "give the reason for revoking the recommendation")}


def _acting_group(principal: Principal, name: str) -> Group:
    """Return the group a URL names, once the caller may act for it."""
    group = group_named(name)
    if group is None:
        raise NotFound(f"There is no group {name[:40]}: the groups are TAG, OPSG and SSC.")
    require_group(principal, group)
    return group


def _page_path(submission_id: str, group: Group) -> str:
    return f"/submissions/{quote(submission_id, safe='')}/assess/{group.value}"


@dataclass(frozen=True)
class _Standing:
    """What a group's page reads: the submission, its evaluation, the group's criteria and current decisions."""

    info: SubmissionInfo
    evaluation: Evaluation
    owned: list[Criterion]
    cells: dict[str, CellDecision]
    findings: dict[str, list[Finding]]


def _standing(
    redactor: Redactor, service: Service, committee: Committee, submission_id: str, group: Group
) -> _Standing:
    """Read where a group's assessment of a submission stands, the evaluation redacted for the caller."""
    info, evaluation = submission_info(service, submission_id)
    evaluation = redactor.evaluation(evaluation)
    cells = {c.criterion: c for c in decide_cells(evaluation, committee.assessments(submission_id)) if c.group == group}
    return _Standing(
        info=info,
        evaluation=evaluation,
        owned=[c for c, owner in committee.ruleset.catalogue.cells if owner == group and c.id in cells],
        cells=cells,
        findings={c.criterion: c.findings for c in evaluation.ratings if c.group == group},
    )


def _assess_page(
    request: Request,
    principal: Principal,
    redactor: Redactor,
    service: Service,
    committee: Committee,
    submission_id: str,
    group: Group,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    """Show a group's assessment page: the form for the group, the decisions alone for the Panel."""
    standing = _standing(redactor, service, committee, submission_id, group)
    assessing = allowed(principal, Permission.ASSESS)
    posted = refusal.values if refusal and refusal.form == "assess" else None
    rows = build_rows(standing.owned, redactor.view(standing.cells), standing.findings, posted)
    if posted is not None:
        assessor = str(posted.get("assessor", ""))
    else:
        assessor = (committee.last_assessor(principal.actor) if assessing else None) or ""
    return page(
        request,
        "committee/assess.html",
        status_code=refusal.status if refusal else 200,
        notice=notice(request),
        submission=standing.info,
        evaluation=standing.evaluation,
        group=group.value,
        group_name=GROUP_NAMES.get(group.value, group.value),
        rows=rows,
        assessing=assessing,
        assessor=assessor,
        revoked=committee.revocations(submission_id, group=group),
        refusal=refusal,
        decided=sum(1 for row in rows if row.cell.decided is not None),
    )


@router.get("/submissions/{submission_id}/assess/{group}", response_class=HTMLResponse)
def assess_form(
    request: Request,
    principal: Caller,
    redactor: RedactorDep,
    submission_id: str,
    group: str,
    service: ServiceDep,
    committee: CommitteeDep,
) -> HTMLResponse:
    """Show, for each criterion a group owns, the proposal beside the group's decision: a form for the group."""
    if not reviews_assessments(principal):
        require(principal, Permission.ASSESS)
    chosen = _acting_group(principal, group)
    return _assess_page(request, principal, redactor, service, committee, submission_id, chosen)


@router.post("/submissions/{submission_id}/assess/{group}/all", response_class=HTMLResponse, response_model=None)
async def assess_all(
    request: Request,
    principal: Assessor,
    _form: FormCaller,
    redactor: RedactorDep,
    submission_id: str,
    group: str,
    service: ServiceDep,
    committee: CommitteeDep,
) -> Response:
    """Record the group's decisions on every criterion it owns at once (or none), then go back to the page."""
    chosen = _acting_group(principal, group)
    form = {name: value for name, value in (await request.form()).items() if isinstance(value, str)}
    return await run_in_threadpool(
        _record_all, request, principal, redactor, service, committee, submission_id, chosen, form
    )


def _record_all(
    request: Request,
    principal: Principal,
    redactor: Redactor,
    service: Service,
    committee: Committee,
    submission_id: str,
    group: Group,
    form: dict[str, str],
) -> Response:
    """Record what a posted form changes, all in one transaction, or show the form again with every refusal."""
    standing = _standing(redactor, service, committee, submission_id, group)
    try:
        posted = read_rows(group, standing.owned, standing.cells, form)
    except Refused as refused:
        refusal = Refusal("assess", refused.messages, 422, refused.values)
        return _assess_page(request, principal, redactor, service, committee, submission_id, group, refusal)
    try:
        committee.assess_all(submission_id, posted.changed, actor=principal.actor)
    except NotFound:  # nothing to refuse beside the form: the not-found page says what is missing
        raise
    except LscError as error:
        refusal = service_refusal(error, posted.changed, posted.values, status_of(error))
        return _assess_page(request, principal, redactor, service, committee, submission_id, group, refusal)
    return redirect(request, _page_path(submission_id, group), _recorded(group, posted.changed, posted.unchanged))


def _recorded(group: Group, changed: list[AssessmentIn], unchanged: list[str]) -> str:
    """Say what a posted form recorded, and how many decisions it left standing as they were."""
    if not changed:
        return f"Nothing changed: {group.value}'s decisions stand as they were."
    named = ", ".join(f"{criterion_words(a.criterion)} {a.rating.value.capitalize()}" for a in changed)
    kept = f" {len(unchanged)} unchanged." if unchanged else ""
    decisions = "decision" if len(changed) == 1 else "decisions"
    return f"{group.value}'s {decisions} recorded: {named}.{kept}"


@router.post("/submissions/{submission_id}/assess/{group}", response_class=HTMLResponse, response_model=None)
def assess(
    request: Request,
    principal: Assessor,
    _form: FormCaller,
    redactor: RedactorDep,
    submission_id: str,
    group: str,
    service: ServiceDep,
    committee: CommitteeDep,
    criterion: Annotated[str, Form()] = "",
    accepted: Annotated[str, Form()] = "",
    rating: Annotated[str, Form()] = "",
    assessor: Annotated[str, Form()] = "",
    rationale: Annotated[str, Form()] = "",
) -> Response:
    """Record the group's decision on one criterion, then go back to the page."""
    chosen = _acting_group(principal, group)
    row = {"accepted": accepted, "rating": rating, "rationale": rationale}
    posted = {"criterion": criterion, "group": chosen.value, **row, "assessor": assessor, "accepted": yes_no(accepted)}
    try:
        assessment = read_form(AssessmentIn, posted, ASSESSMENT_WORDS)
        committee.assess(submission_id, assessment, actor=principal.actor)
    except NotFound:  # nothing to refuse beside the form: the not-found page says what is missing
        raise
    except (Unusable, LscError) as error:
        refused = refusal_of("assess", error, {}, shown=[*ROW_WORDS, "assessor"])
        key = criterion.strip().replace(".", "-")
        named = criterion_words(criterion.strip()) if criterion.strip() else "The criterion"
        messages = {
            name if name in ("assessor", WHOLE_FORM) else field_name(name, key): text
            if name == "assessor"
            else f"{named}: {text}"
            for name, text in refused.messages.items()
        }
        values = {field_name(name, key): value for name, value in row.items()} | {"assessor": assessor}
        refusal = Refusal("assess", messages, refused.status, values)
        return _assess_page(request, principal, redactor, service, committee, submission_id, chosen, refusal)
    named = criterion_words(assessment.criterion)
    message = f"{chosen.value}'s decision on {named} recorded: {rating.capitalize()}."
    return redirect(request, _page_path(submission_id, chosen), message)


@router.post("/submissions/{submission_id}/revoke/{group}", response_class=HTMLResponse, response_model=None)
def revoke(
    request: Request,
    principal: Revoker,
    _form: FormCaller,
    redactor: RedactorDep,
    submission_id: str,
    group: str,
    service: ServiceDep,
    committee: CommitteeDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Record the group withdrawing its recommendation, then go back to the form."""
    chosen = _acting_group(principal, group)
    values = {"reason": reason}
    try:
        revocation = read_form(RevocationIn, {"group": chosen.value, **values}, REVOCATION_WORDS)
        committee.revoke(submission_id, revocation, actor=principal.actor)
    except NotFound:  # nothing to refuse beside the form: the not-found page says what is missing
        raise
    except (Unusable, LscError) as error:
        refused = refusal_of("revoke", error, values, shown=values)
        return _assess_page(request, principal, redactor, service, committee, submission_id, chosen, refused)
    return redirect(
        request,
        _page_path(submission_id, chosen),
        f"{chosen.value} has revoked its recommendation; go-live is blocked.",
    )
