"""The self-check: evaluate an uploaded pack without storing anything, and show the result or every problem."""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.types import Message

from api.auth import SelfChecker, check_csrf
from api.deps import read_body
from api.limits import BodyRefused
from api.web.forms import parse_date
from api.web.matrix import GROUPS, EvidenceRow, MatrixRow, evidence_index, matrix
from api.web.pack_charts import Charts, chart_set
from api.web.templating import page_of_own_input
from lsc_engine.core.evaluation import Evaluation
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.loading import parse_pack
from lsc_engine.errors import InvalidPack, PayloadTooLarge, Problem
from lsc_engine.services.submissions import Service
from lsc_engine.settings import Settings
from lsc_engine.spreadsheets import Location, read_upload

router = APIRouter(include_in_schema=False)

#: The most a workbook or CSV upload may expand to here: about 120,000 rows, which take a worker a minute or more to
#: read; ``lsc pack build`` reads up to a GiB. A larger upload would hold a worker for many minutes.
UPLOAD_EXPANDED_BYTES = 64 << 20
#: How many page self-checks a worker reads, evaluates and draws at once; more wait their turn on the event loop.
PAGE_CHECKS_AT_ONCE = 4


def size_words(size: int) -> str:
    """Say a size in bytes the way people read it."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"


async def limited_form(request: Request) -> FormData:
    """Read a posted form whole under the body limits (``limits.BodyLimits``), then parse it."""
    body = await read_body(request)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, replay).form(max_files=2, max_fields=10)


def _self_check(
    request: Request,
    *,
    status_code: int = 200,
    error: str | None = None,
    problems: list[Problem] | None = None,
    unlisted: int = 0,
    as_at_text: str = "",
    filename: str | None = None,
    evaluation: Evaluation | None = None,
    rows: list[MatrixRow] | None = None,
    chart_data: Charts | None = None,
    evidence: dict[str, EvidenceRow] | None = None,
    note: str | None = None,
) -> HTMLResponse:
    """Render the self-check page."""
    return page_of_own_input(
        request,
        "submission/self_check.html",
        status_code=status_code,
        error=error,
        problems=problems or [],
        unlisted=unlisted,
        as_at_text=as_at_text,
        filename=filename,
        evaluation=evaluation,
        rows=rows or [],
        groups=GROUPS,
        charts=chart_data,
        evidence=evidence or {},
        note=note,
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
        form = await limited_form(request)
    except BodyRefused as refused:
        if isinstance(refused.error, PayloadTooLarge):
            message = f"The file is too large: the limit is {size_words(settings.max_request_bytes)}."
            return _self_check(request, status_code=413, error=message)
        message = f"The file took longer than {settings.body_timeout_seconds:g} s to arrive; try again."
        return _self_check(request, status_code=408, error=message)
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
    # Read, evaluated and drawn in a thread: a large pack's matrix, charts and evidence, drawn on the event loop,
    # would stall every other request of the worker. At most PAGE_CHECKS_AT_ONCE take threads at a time, so that
    # page self-checks waiting for a turn leave the thread pool to the submissions and reads that need it.
    work = partial(_checked, request, body, filename, service, as_at, as_at_text=as_at_text)
    try:
        return await to_thread.run_sync(work, limiter=request.app.state.page_checks)
    except InvalidPack as error:
        return _self_check(
            request,
            status_code=422,
            error="This file is not a valid evidence pack.",
            problems=error.problems or [Problem("$", error.message)],
            unlisted=error.details.get("unlisted", 0),
            as_at_text=as_at_text,
            filename=filename,
        )


def _checked(
    request: Request, body: bytes, filename: str, service: Service, as_at: date | None, *, as_at_text: str
) -> HTMLResponse:
    """Read a pack, evaluate it in a self-check's turn as the API's are, and show its ratings, charts and evidence.

    Reading (a large workbook can take a minute) and drawing stay outside the turn, which a process has one of.
    """
    ruleset = service.ruleset
    pack, read_from, note = _read(body, filename, service.max_items)
    evaluation = service.self_check_read(pack, as_at=as_at, read_from=len(body))
    return _self_check(
        request,
        as_at_text=as_at_text,
        filename=filename,
        evaluation=evaluation,
        rows=matrix(ruleset, evaluation, pack, read_from=read_from),
        chart_data=chart_set(pack, ruleset, evaluation.as_at),
        evidence=evidence_index(pack, read_from),
        note=note,
    )


def _read(body: bytes, filename: str, max_items: int | None) -> tuple[EvidencePack, dict[str, Location], str | None]:
    """Read a pack (JSON, YAML or spreadsheets), and for spreadsheets where each item was read and what read as none."""
    if body.startswith(b"PK") or Path(filename).suffix.lower() == ".csv":
        imported = read_upload(body, Path(filename).name, max_items=max_items, max_expanded=UPLOAD_EXPANDED_BYTES)
        return imported.pack, imported.rows, imported.empty_note()
    return parse_pack(body, source="the file", yaml_allowed=True, max_items=max_items), {}, None
