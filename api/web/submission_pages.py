"""Submission pages: the RAG matrix with its reasons and charts, the evaluation history and diff, the self-check."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from api.auth import FormCaller, Reader, RedactorDep, Reviser, SelfChecker, check_csrf, redacting
from api.types import form_date
from api.web import charts
from api.web.deps import CommitteeDep, ServiceDep
from api.web.templating import page, rating_word
from lsc_engine.access.redaction import confidential_cells
from lsc_engine.committee.gate import CellDecision, GateResult
from lsc_engine.core.decision import evaluate
from lsc_engine.core.diff import Cause, Diff
from lsc_engine.core.evaluation import Evaluation, Milestone, PathToGreen
from lsc_engine.core.evidence import EvidencePack, Group, Incident, Item, iter_items
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.ruleset import Criterion, Rating, Ruleset
from lsc_engine.errors import InvalidPack, NotFound, Problem
from lsc_engine.services.committee import Committee
from lsc_engine.services.submissions import Service
from lsc_engine.settings import Settings
from lsc_engine.store.models import EvaluationRecord, Submission

router = APIRouter(include_in_schema=False)

GROUPS = list(Group)

#: What each kind of evidence item is called on the pages.
KINDS = {
    "Dmc": "Device Model Combination",
    "Exclusion": "Scope exclusion",
    "TestPhase": "Test phase",
    "Defect": "Defect",
    "TestingIssue": "Testing issue",
    "Rehearsal": "Migration rehearsal",
    "OperationalAcceptance": "Operational acceptance",
    "ServiceProvider": "Service provider",
    "UserReadiness": "Service User readiness survey",
    "Communication": "Notice to Service Users",
    "Incident": "Incident",
    "PerformanceRow": "Monthly performance result",
    "ConsumerRisk": "Consumer risk",
    "BcdrPlan": "BCDR plan",
    "BcdrTest": "BCDR test",
    "ArchitectureApproval": "Security architecture approval",
    "SecurityTesting": "Security testing",
    "IndependentAssurance": "Independent security assurance",
    "CioReport": "CIO report",
    "Connectivity": "Connectivity",
    "SecurityIssue": "Security issue",
    "ResidualRisk": "Residual risk",
    "EarlierCondition": "Condition of an earlier decision",
}

#: What each cause of a changed rating is called on the pages.
CAUSES = {
    Cause.EVIDENCE: "new evidence",
    Cause.RULES: "rule change",
    Cause.AS_AT: "as-at date",
    Cause.OVERRIDE: "group override",
}


# -- building blocks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceRow:
    """One evidence item behind a finding, as found in the pack."""

    id: str
    kind: str | None
    path: str | None
    source: str | None
    dated: date | None
    confidential: bool


@dataclass(frozen=True)
class FindingView:
    """A finding with its evidence items looked up in the pack."""

    rule_id: str
    title: str
    rating: Rating
    message: str
    basis: str
    confidential: bool
    evidence: list[EvidenceRow]
    not_shown: int


@dataclass(frozen=True)
class CellView:
    """One criterion and group in the matrix."""

    criterion: str
    group: Group
    owned: bool
    rating: Rating | None = None
    proposed: Rating | None = None
    decision: CellDecision | None = None
    findings: tuple[FindingView, ...] = ()
    path: PathToGreen | None = None
    milestones: str = ""


@dataclass(frozen=True)
class MatrixRow:
    """One criterion of the catalogue, with a cell per group."""

    criterion: Criterion
    sub: bool
    parent: bool
    children: str
    cells: list[CellView]


def kind_of(item: Item) -> str:
    """Name the kind of an evidence item in words."""
    name = type(item).__name__
    return KINDS.get(name) or re.sub(r"(?<!^)(?=[A-Z])", " ", name).capitalize()


def evidence_index(pack: EvidencePack) -> dict[str, EvidenceRow]:
    """Index every evidence item of a pack by id."""
    return {
        item.id: EvidenceRow(
            id=item.id,
            kind=kind_of(item),
            path=path,
            source=item.provenance.source,
            dated=item.provenance.date,
            confidential=item.confidential,
        )
        for path, item in iter_items(pack)
    }


def milestone_text(milestones: Iterable[Milestone]) -> str:
    """Say when a rating improves by time alone, e.g. 'Amber from 2020-08-15, green from 2020-10-01'."""
    text = ", ".join(f"{rating_word(m.rating).lower()} from {m.on.isoformat()}" for m in milestones)
    return text[:1].upper() + text[1:]


def matrix(
    ruleset: Ruleset,
    evaluation: Evaluation,
    pack: EvidencePack,
    decisions: Iterable[CellDecision] = (),
) -> list[MatrixRow]:
    """Lay out the catalogue as rows of cells: the current rating of each owned cell and everything behind it."""
    catalogue = ruleset.catalogue
    index = evidence_index(pack)
    cells = {(c.criterion, c.group): c for c in evaluation.ratings}
    decided = {(d.criterion, d.group): d for d in decisions}
    paths = {(p.criterion, p.group): p for p in evaluation.path_to_green}

    def leaf(criterion: Criterion, group: Group) -> CellView:
        cell = cells.get((criterion.id, group))
        if group not in criterion.owners or cell is None:
            return CellView(criterion=criterion.id, group=group, owned=False)
        decision = decided.get((criterion.id, group))
        findings = tuple(
            FindingView(
                rule_id=f.rule_id,
                title=f.title,
                rating=f.rating,
                message=f.message,
                basis=f.basis,
                confidential=f.confidential,
                evidence=[
                    index.get(ident) or EvidenceRow(ident, None, None, None, None, confidential=False)
                    for ident in f.evidence
                ],
                not_shown=max(0, f.evidence_count - len(f.evidence)),
            )
            for f in cell.findings
        )
        path = paths.get((criterion.id, group))
        return CellView(
            criterion=criterion.id,
            group=group,
            owned=True,
            rating=decision.rating if decision else cell.rating,
            proposed=cell.rating,
            decision=decision if decision and decision.decided is not None else None,
            findings=findings,
            path=path,
            milestones=milestone_text(path.milestones) if path else "",
        )

    rows: list[MatrixRow] = []
    for criterion in catalogue.criteria:
        children = catalogue.children(criterion.id)
        if children:
            leaves = [leaf(child, group) for child in children for group in GROUPS]
            parent_cells = []
            for group in GROUPS:
                ratings = [c.rating for c in leaves if c.group == group and c.rating is not None]
                if group in criterion.owners and ratings:
                    worst = max(ratings, key=lambda r: r.severity)
                    parent_cells.append(CellView(criterion=criterion.id, group=group, owned=True, rating=worst))
                else:
                    parent_cells.append(CellView(criterion=criterion.id, group=group, owned=False))
            span = f"{children[0].id}\u2013{children[-1].id}" if len(children) > 1 else children[0].id
            rows.append(MatrixRow(criterion, sub=False, parent=True, children=span, cells=parent_cells))
            continue
        cells_of_row = [leaf(criterion, group) for group in GROUPS]
        rows.append(
            MatrixRow(criterion, sub=criterion.parent is not None, parent=False, children="", cells=cells_of_row)
        )
    return rows


@dataclass(frozen=True)
class Charts:
    """The charts of a pack as at a date, with the figures behind them."""

    timeline: Markup | None
    incidents: list[Incident]
    blocking: list[int]
    service: str
    performance: list[tuple[str, Markup]]
    measures: dict[str, list[tuple[str, float, float, float]]]


def chart_set(pack: EvidencePack, ruleset: Ruleset, as_at: date) -> Charts:
    """Draw the incident timeline and the performance charts of a pack as at a date."""
    parameters = ruleset.parameters
    timeline = None
    incidents: list[Incident] = []
    if pack.incidents is not None:
        timeline = Markup(charts.incident_timeline(pack, parameters, as_at))
        incidents = charts.known_incidents(pack, as_at, charts.timeline_range(parameters, as_at))
    series = charts.performance_series(pack, as_at)
    measures = {
        measure: [
            (
                row.month,
                row.achieved,
                row.target if row.target is not None else parameters.performance_target,
                row.minimum if row.minimum is not None else parameters.performance_minimum,
            )
            for row in rows
        ]
        for measure, rows in series.items()
    }
    performance = [
        (measure, Markup(charts.performance_chart(measure, rows, parameters))) for measure, rows in series.items()
    ]
    return Charts(
        timeline=timeline,
        incidents=incidents,
        blocking=list(parameters.blocking_categories),
        service=pack.statement.service.value,
        performance=performance,
        measures=measures,
    )


def error_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    """Show an error as a page: what went wrong, in words, with the right status."""
    return page(request, "submission/error.html", status_code=status_code, title=title, message=message)


def not_found(request: Request, message: str) -> HTMLResponse:
    """Show the 404 page."""
    return error_page(request, 404, "Not found", message)


def parse_date(text: str, field: str) -> date | None:
    """Read an optional YYYY-MM-DD date typed into a form; blank means none."""
    try:
        return form_date(text)
    except ValueError:
        raise ValueError(f"The {field} must be a real date written as YYYY-MM-DD; “{text.strip()}” is not.") from None


# -- the submission page ---------------------------------------------------------------------------------


def gate_of(service: Service, committee: Committee, submission: Submission) -> tuple[GateResult, int]:
    """Return the gate for a submission, and the newest version of its capability."""
    newest = service.list_submissions(capability=submission.capability, limit=1, offset=0)[0].version
    return committee.position(submission.id).gate, newest


@router.get("/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(
    request: Request,
    _caller: Reader,
    redacting: RedactorDep,
    submission_id: str,
    service: ServiceDep,
    committee: CommitteeDep,
) -> HTMLResponse:
    """Show a submission: readiness, the gate, the RAG matrix with its reasons, conditions and charts."""
    try:
        submission = service.get_submission(submission_id)
    except NotFound:
        return not_found(request, f"There is no submission with the id “{submission_id}”.")
    record = service.list_evaluations(submission_id)[-1]
    evaluation = redacting.evaluation(Evaluation.model_validate_json(record.result))
    pack = redacting.visible_pack(parse_pack(submission.pack.encode(), yaml_allowed=False))
    gate, newest = gate_of(service, committee, submission)
    result = redacting.gate(gate)
    return page(
        request,
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


# -- history, diff and re-evaluation ------------------------------------------------------------------


def short_digest(digest: str) -> str:
    """Shorten a digest for display."""
    return digest.removeprefix("sha256:")[:12]


def _history(
    request: Request,
    service: Service,
    submission: Submission,
    records: list[EvaluationRecord],
    *,
    before: str | None,
    after: str | None,
    status_code: int = 200,
    error: str | None = None,
    as_at_text: str = "",
    notice: str | None = None,
) -> HTMLResponse:
    """Render the history page, with the diff between two of the submission's evaluations when there are two."""
    by_id = {r.id: r for r in records}
    changes: Diff | None = None
    if before or after or len(records) > 1:
        before = before or records[max(0, len(records) - 2)].id
        after = after or records[-1].id
        for ident in (before, after):
            if ident not in by_id:
                return not_found(request, f"This submission has no evaluation with the id “{ident}”.")
        changes = service.diff(submission.id, before_id=before, after_id=after)
        results = [Evaluation.model_validate_json(r.result) for r in records]
        changes = redacting(request).diff(changes, confidential_cells(results))
    titles = {rule.id: rule.title for rule in service.ruleset.rules}
    return page(
        request,
        "submission/history.html",
        status_code=status_code,
        submission=submission,
        records=list(reversed(records)),
        by_id=by_id,
        before=before,
        after=after,
        diff=changes,
        causes=CAUSES,
        titles=titles,
        short=short_digest,
        error=error,
        as_at_text=as_at_text,
        notice=notice,
    )


@router.get("/submissions/{submission_id}/history", response_class=HTMLResponse)
def history_page(
    request: Request,
    _caller: Reader,
    submission_id: str,
    service: ServiceDep,
    before: Annotated[str | None, Query(alias="from")] = None,
    after: Annotated[str | None, Query(alias="to")] = None,
    stored: str | None = None,
) -> HTMLResponse:
    """Show a submission's evaluations and the differences between two of them."""
    try:
        submission = service.get_submission(submission_id)
    except NotFound:
        return not_found(request, f"There is no submission with the id “{submission_id}”.")
    records = service.list_evaluations(submission_id)
    notice = f"Evaluation {stored} was stored. What changed is shown below." if stored and stored.isdigit() else None
    return _history(request, service, submission, records, before=before or None, after=after or None, notice=notice)


@router.post("/submissions/{submission_id}/re-evaluate", response_model=None)
def re_evaluate(
    request: Request,
    principal: Reviser,
    _form: FormCaller,
    submission_id: str,
    service: ServiceDep,
    as_at: Annotated[str, Form()] = "",
) -> Response:
    """Evaluate a stored submission again (optionally as at a new date), then show what changed."""
    try:
        submission = service.get_submission(submission_id)
    except NotFound:
        return not_found(request, f"There is no submission with the id “{submission_id}”.")
    try:
        when = parse_date(as_at, "as-at date")
    except ValueError as error:
        records = service.list_evaluations(submission_id)
        return _history(
            request,
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


# -- self-check ----------------------------------------------------------------------------------------


class TooLarge(Exception):
    """The upload is over the size limit."""


def size_words(size: int) -> str:
    """Say a size in bytes the way people read it."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"


async def limited_form(request: Request, limit: int) -> FormData:
    """Read a form, refusing the body as soon as it passes the size limit."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    body = b"".join(chunks)
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, receive).form(max_files=2, max_fields=10)


def _self_check(
    request: Request,
    *,
    status_code: int = 200,
    error: str | None = None,
    problems: list[Problem] | None = None,
    as_at_text: str = "",
    filename: str | None = None,
    evaluation: Evaluation | None = None,
    rows: list[MatrixRow] | None = None,
    chart_data: Charts | None = None,
) -> HTMLResponse:
    """Render the self-check page."""
    return page(
        request,
        "submission/self_check.html",
        status_code=status_code,
        error=error,
        problems=problems or [],
        as_at_text=as_at_text,
        filename=filename,
        evaluation=evaluation,
        rows=rows or [],
        groups=GROUPS,
        charts=chart_data,
        limit=size_words(request.app.state.settings.max_request_bytes),
    )


@router.get("/self-check", response_class=HTMLResponse)
def self_check_form(request: Request, _caller: SelfChecker) -> HTMLResponse:
    """Offer the self-check form."""
    return _self_check(request)


@router.post("/self-check", response_class=HTMLResponse)
async def self_check(request: Request, _caller: SelfChecker) -> HTMLResponse:
    """Evaluate an uploaded evidence pack without storing anything, and show the result or every problem."""
    settings: Settings = request.app.state.settings
    service: Service = request.app.state.service
    try:
        form = await limited_form(request, settings.max_request_bytes)
    except TooLarge:
        message = f"The file is too large: the limit is {size_words(settings.max_request_bytes)}."
        return _self_check(request, status_code=413, error=message)
    except HTTPException as error:
        return _self_check(request, status_code=400, error=f"The form could not be read: {error.detail}.")
    try:
        check_csrf(request, form)
        as_at_field = form.get("as_at")
        as_at_text = as_at_field if isinstance(as_at_field, str) else ""
        upload = form.get("pack")
        filename = upload.filename if isinstance(upload, UploadFile) else None
        body = await upload.read() if isinstance(upload, UploadFile) else b""
    finally:
        await form.close()
    if not filename:
        return _self_check(request, status_code=422, error="Choose an evidence pack file.", as_at_text=as_at_text)
    try:
        as_at = parse_date(as_at_text, "as-at date")
    except ValueError as error:
        return _self_check(request, status_code=422, error=str(error), as_at_text=as_at_text, filename=filename)
    try:
        pack, evaluation = await run_in_threadpool(_evaluate, body, service.ruleset, as_at, service.max_items)
    except InvalidPack as error:
        return _self_check(
            request,
            status_code=422,
            error="This file is not a valid evidence pack.",
            problems=error.problems or [Problem("$", error.message)],
            as_at_text=as_at_text,
            filename=filename,
        )
    return _self_check(
        request,
        as_at_text=as_at_text,
        filename=filename,
        evaluation=evaluation,
        rows=matrix(service.ruleset, evaluation, pack),
        chart_data=chart_set(pack, service.ruleset, evaluation.as_at),
    )


def _evaluate(
    body: bytes, ruleset: Ruleset, as_at: date | None, max_items: int | None
) -> tuple[EvidencePack, Evaluation]:
    """Parse and evaluate a pack, as at its statement date unless told otherwise."""
    pack = parse_pack(body, source="the file", yaml_allowed=True, max_items=max_items)
    return pack, evaluate(pack, ruleset, as_at=as_at or pack.statement.date)
