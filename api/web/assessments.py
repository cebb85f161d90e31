"""A group's assessment of a submission: the engine's proposals beside its decisions, and revoking its support."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import Assessor, FormCaller, RedactorDep, Revoker
from api.web.deps import CommitteeDep, ServiceDep
from api.web.forms import Refusal, Unusable, Wording, group_named, notice, read_form, redirect, refusal_of, yes_no
from api.web.submission_info import submission_info
from api.web.templating import page
from lsc_engine.access.policy import Principal, require_group
from lsc_engine.access.redaction import Redactor
from lsc_engine.committee.gate import CellDecision, decide_cells
from lsc_engine.committee.inputs import AssessmentIn, RevocationIn
from lsc_engine.core.evaluation import Finding
from lsc_engine.core.evidence import Group
from lsc_engine.core.ruleset import Criterion, Rating
from lsc_engine.core.words import criterion_words
from lsc_engine.errors import LscError, NotFound
from lsc_engine.services.committee import Committee
from lsc_engine.services.submissions import Service

router = APIRouter(include_in_schema=False)

GROUP_NAMES = {"TAG": "Testing Advisory Group", "OPSG": "Operations Group", "SSC": "Security Sub-Committee"}

#: How the assessment form speaks of its fields.
ASSESSMENT_WORDS = {
    "criterion": Wording("the criterion", "choose one of the criteria on this page"),
    "accepted": Wording("the answer", "say whether the group accepts DCC's statement for this criterion"),
    "rating": Wording("the rating", "choose a rating: Green, Amber or Red"),
    "assessor": Wording("the assessor's name", "name the assessor"),
    "rationale": Wording("the rationale", "write the rationale"),
}
#: How the revocation form speaks of its field.
REVOCATION_WORDS = {"reason": Wording("the reason", "give the reason for revoking the recommendation")}


@dataclass(frozen=True)
class AssessRow:
    """One criterion a group owns: the engine's proposal and its findings beside the group's decision."""

    criterion: Criterion
    anchor: str
    cell: CellDecision
    findings: list[Finding]

    @property
    def provisional(self) -> bool:
        """Tell whether the row shows anything of the ruleset's own model: its criterion or a finding's rule."""
        return self.criterion.provisional or any(f.provisional for f in self.findings)


def _acting_group(principal: Principal, name: str) -> Group:
    """Return the group a URL names, once the caller may act for it."""
    group = group_named(name)
    if group is None:
        raise NotFound(f"There is no group {name[:40]}: the groups are TAG, OPSG and SSC.")
    require_group(principal, group)
    return group


def _assess_page(
    request: Request,
    redactor: Redactor,
    service: Service,
    committee: Committee,
    submission_id: str,
    group: Group,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    """Show a group's assessment form for a submission."""
    info, evaluation = submission_info(service, submission_id)
    assessments = committee.assessments(submission_id)
    evaluation = redactor.evaluation(evaluation)
    cells = {(c.criterion, c.group): c for c in decide_cells(evaluation, assessments)}
    findings = {(c.criterion, c.group): c.findings for c in evaluation.ratings}
    rows = [
        AssessRow(
            criterion=criterion,
            anchor="c-" + criterion.id.replace(".", "-"),
            cell=cells[(criterion.id, owner)],
            findings=[f for f in findings[(criterion.id, owner)] if f.rating != Rating.GREEN],
        )
        for criterion, owner in committee.ruleset.catalogue.cells()
        if owner == group and (criterion.id, owner) in cells
    ]
    revoked = committee.revocations(submission_id, group=group)
    return page(
        request,
        "committee/assess.html",
        status_code=refusal.status if refusal else 200,
        notice=notice(request),
        submission=info,
        evaluation=evaluation,
        group=group.value,
        group_name=GROUP_NAMES.get(group.value, group.value),
        rows=rows,
        revoked=revoked,
        refusal=refusal,
        decided=sum(1 for row in rows if row.cell.decided is not None),
    )


@router.get("/submissions/{submission_id}/assess/{group}", response_class=HTMLResponse)
def assess_form(
    request: Request,
    principal: Assessor,
    redactor: RedactorDep,
    submission_id: str,
    group: str,
    service: ServiceDep,
    committee: CommitteeDep,
) -> HTMLResponse:
    """Show, for each criterion a group owns, the engine's proposal beside the group's decision, with a form."""
    chosen = _acting_group(principal, group)
    return _assess_page(request, redactor, service, committee, submission_id, chosen)


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
    """Record the group's decision on one criterion, then go back to the form."""
    chosen = _acting_group(principal, group)
    values = {"accepted": accepted, "rating": rating, "assessor": assessor, "rationale": rationale}
    posted = {"criterion": criterion, "group": chosen.value, **values, "accepted": yes_no(accepted)}
    try:
        assessment = read_form(AssessmentIn, posted, ASSESSMENT_WORDS)
        committee.assess(submission_id, assessment, actor=principal.actor)
    except NotFound:  # nothing to refuse beside the form: the not-found page says what is missing
        raise
    except (Unusable, LscError) as error:
        refused = refusal_of(f"assess:{criterion}", error, values, shown=values)
        return _assess_page(request, redactor, service, committee, submission_id, chosen, refused)
    path = f"/submissions/{quote(submission_id, safe='')}/assess/{chosen.value}"
    named = criterion_words(assessment.criterion)
    return redirect(request, path, f"{chosen.value}'s decision on {named} recorded: {rating.capitalize()}.")


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
        return _assess_page(request, redactor, service, committee, submission_id, chosen, refused)
    path = f"/submissions/{quote(submission_id, safe='')}/assess/{chosen.value}"
    return redirect(request, path, f"{chosen.value} has revoked its recommendation; go-live is blocked.")
