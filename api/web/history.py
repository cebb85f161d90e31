"""A submission's evaluations, the differences between two of them, and evaluating it again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import FormCaller, Reader, RedactorDep, Reviser
from api.web.deps import ServiceDep
from api.web.forms import parse_date
from api.web.submission_info import standing
from api.web.templating import page
from lsc_engine.access.redaction import Redactor
from lsc_engine.core.diff import Cause, Diff, RatingChange
from lsc_engine.errors import NotFound
from lsc_engine.services.submissions import Service
from lsc_engine.store.repositories.submissions import EvaluationSummary, SubmissionSummary

router = APIRouter(include_in_schema=False)

#: What each cause of a changed rating is called on the pages.
CAUSES = {
    Cause.EVIDENCE: "new evidence",
    Cause.RULES: "rule change",
    Cause.AS_AT: "as-at date",
    Cause.OVERRIDE: "group override",
}


def plain_note(change: RatingChange) -> str:
    """Return what a change's explanation adds to the columns beside it, without ids or raw values.

    The columns already give the ratings, the causes and the rules' titles; what is left is who decided an
    override and why, or the note that stands in for a withheld explanation.
    """
    cell = f"{change.criterion}/{change.group.value}"
    text = change.explanation
    if text.startswith(f"{cell} changed: "):
        return text.removeprefix(f"{cell} changed: ")
    if Cause.OVERRIDE in change.causes:
        before = change.before.value if change.before else "not rated"
        after = change.after.value if change.after else "not rated"
        return text.removeprefix(f"{cell} was proposed {before} and decided {after} ")
    return ""


def _history(
    request: Request,
    redactor: Redactor,
    service: Service,
    submission: SubmissionSummary,
    records: list[EvaluationSummary],
    *,
    before: str | None,
    after: str | None,
    status_code: int = 200,
    error: str | None = None,
    as_at_text: str = "",
    notice: str | None = None,
) -> HTMLResponse:
    """Show the history page, with the diff between two evaluations when there are two to compare.

    Any evaluation of any version of the capability may be compared; without a choice, the submission's last two.
    """
    every = service.capability_evaluations(submission.capability)
    by_id = {r.id: r for _, r in every}
    version_of = {r.id: version for version, r in every}
    changes: Diff | None = None
    if before or after or len(records) > 1:
        before = before or records[max(0, len(records) - 2)].id
        after = after or records[-1].id
        for ident in (before, after):
            if ident not in by_id:
                raise NotFound(f"{submission.capability} has no evaluation with the id “{ident}”.")
        changes = service.diff(submission.id, before_id=before, after_id=after)
        changes = redactor.diff(changes)
    titles = {rule.id: rule.title for rule in service.ruleset.rules}
    # Conditions are named by their short name and text, each as its caller may see it.
    # Each compared evaluation is redacted whole, so that the confidential evidence its changes show is recorded as
    # disclosed, under its own version's submission (the request has parsed it already, for the comparison).
    shown = [ident for ident in (before, after) if ident in by_id]
    compared = [redactor.compared(service.evaluation(ident).evaluation, ident) for ident in shown]
    condition_texts = {c.id: c.text for e in compared for c in e.conditions}
    return page(
        request,
        "submission/history.html",
        status_code=status_code,
        submission=submission,
        records=list(reversed(records)),
        by_id=by_id,
        version_of=version_of,
        choices=[(version, r) for version, r in reversed(every)],
        several=len({version for version, _ in every}) > 1,
        before=before,
        after=after,
        diff=changes,
        causes=CAUSES,
        titles=titles,
        condition_texts=condition_texts,
        note=plain_note,
        current_rules=service.ruleset.digest,
        error=error,
        as_at_text=as_at_text,
        notice=notice,
    )


@router.get("/submissions/{submission_id}/history", response_class=HTMLResponse)
def history_page(
    request: Request,
    _caller: Reader,
    redactor: RedactorDep,
    submission_id: str,
    service: ServiceDep,
    before: Annotated[str | None, Query(alias="from")] = None,
    after: Annotated[str | None, Query(alias="to")] = None,
    stored: str | None = None,
) -> HTMLResponse:
    """Show a submission's evaluations and the differences between two of them."""
    submission = standing(service, submission_id).submission
    records = service.evaluation_summaries(submission_id)
    notice = f"Evaluation {stored} was stored. What changed is shown below." if stored and stored.isdigit() else None
    return _history(
        request, redactor, service, submission, records, before=before or None, after=after or None, notice=notice
    )


@router.post("/submissions/{submission_id}/re-evaluate", response_model=None)
def re_evaluate(
    request: Request,
    principal: Reviser,
    _form: FormCaller,
    redactor: RedactorDep,
    submission_id: str,
    service: ServiceDep,
    as_at: Annotated[str, Form()] = "",
) -> Response:
    """Evaluate a stored submission again (optionally as at a new date), then show what changed."""
    submission = standing(service, submission_id).submission
    try:
        when = parse_date(as_at, "as-at date")
    except ValueError as error:
        records = service.evaluation_summaries(submission_id)
        return _history(
            request,
            redactor,
            service,
            submission,
            records,
            before=None,
            after=None,
            status_code=422,
            error=str(error),
            as_at_text=as_at,
        )
    stored, changes = service.re_evaluate(submission_id, as_at=when, actor=principal.actor)
    target = (
        f"/submissions/{submission_id}/history?from={changes.before.evaluation_id}"
        f"&to={stored.record.id}&stored={stored.record.number}#diff"
    )
    return RedirectResponse(target, status_code=303)
