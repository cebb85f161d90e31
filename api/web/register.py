"""The conditions register: every capability's conditions on one page, filtered, and taken away as CSV or Excel."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import Reader
from api.redacting import show
from api.register import RegisterFile, register_filters
from api.web.deps import CommitteeDep
from api.web.templating import page
from lsc_engine.committee.conditions import Status
from lsc_engine.committee.register import STATUS_WORDS, Filters
from lsc_engine.committee.register_files import RegisterFormat, filter_words
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.core.words import KIND_LABELS

router = APIRouter(include_in_schema=False)

FiltersDep = Annotated[Filters, Depends(register_filters)]


def query_of(filters: Filters) -> str:
    """Write the filters back as a query string, for the download links and the page's own address."""
    values = {
        "capability": filters.capability or "",
        "owner": filters.owner.value if filters.owner else "",
        "kind": filters.kind.value if filters.kind else "",
        "status": filters.status.value if filters.status else "",
        "open": "true" if filters.open_only else "",
    }
    given = {name: value for name, value in values.items() if value}
    return f"?{urlencode(given)}" if given else ""


@router.get("/register", response_class=HTMLResponse)
def register_page(request: Request, _caller: Reader, committee: CommitteeDep, filters: FiltersDep) -> HTMLResponse:
    """Show every capability's conditions, the carried-over ones as threads, filtered by the query."""
    register = committee.register(filters)
    return page(
        request,
        "committee/register.html",
        register=register,
        query=query_of(filters),
        shown=filter_words(register),
        owners=[group.value for group in Group],
        kinds=[(kind.value, KIND_LABELS[kind.value]) for kind in ConditionKind],
        statuses=[(status.value, STATUS_WORDS[status]) for status in Status],
        status_words={status.value: words for status, words in STATUS_WORDS.items()},
        open_count=sum(1 for entry in register.entries if entry.condition.is_open),
    )


@router.get("/register.csv", response_class=Response)
def register_csv(request: Request, _caller: Reader, committee: CommitteeDep, filters: FiltersDep) -> Response:
    """Download the filtered register as CSV, redacted for the reader as the page is."""
    return _file(request, committee, filters, RegisterFormat.CSV)


@router.get("/register.xlsx", response_class=Response)
def register_xlsx(request: Request, _caller: Reader, committee: CommitteeDep, filters: FiltersDep) -> Response:
    """Download the filtered register as an Excel workbook, redacted for the reader as the page is."""
    return _file(request, committee, filters, RegisterFormat.XLSX)


def _file(request: Request, committee: CommitteeDep, filters: Filters, form: RegisterFormat) -> Response:
    """Redact the register for the reader, record what it shows them, and write it as a file."""
    answer = show(request, RegisterFile(conditions=committee.register(filters), format=form))
    assert isinstance(answer, Response), "a register file becomes a response once redacted"
    return answer
