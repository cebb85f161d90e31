"""The dashboard: every capability with its readiness, rating counts, open blockers and next due condition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.auth import Reader
from api.web.deps import CommitteeDep, ServiceDep
from api.web.templating import page
from lsc_engine.committee.views import ReadinessView

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Row:
    """One capability on the dashboard."""

    readiness: ReadinessView
    red: int
    amber: int
    insufficient: int
    blockers: int
    next_due: tuple[date, str] | None


def row(readiness: ReadinessView) -> Row:
    """Summarise a capability's readiness for the dashboard."""
    ratings = [cell.rating.value for cell in readiness.gate.ratings]
    dues: list[tuple[date, str]] = []
    for condition in readiness.conditions:
        if condition.is_open and condition.due_date is not None:
            dues.append((condition.due_date, condition.key))
        if condition.next_report_due is not None:
            dues.append((condition.next_report_due, f"report on {condition.key}"))
    blockers = {b.ref for b in readiness.gate.go_live.blockers} | {b.ref for b in readiness.gate.migration.blockers}
    return Row(
        readiness=readiness,
        red=ratings.count("red"),
        amber=ratings.count("amber"),
        insufficient=ratings.count("insufficient_evidence"),
        blockers=len(blockers),
        next_due=min(dues) if dues else None,
    )


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, _caller: Reader, service: ServiceDep, committee: CommitteeDep) -> HTMLResponse:
    """Show every capability and where it stands."""
    rows = [row(committee.readiness(capability)) for capability in service.capabilities()]
    return page(request, "dashboard.html", rows=rows)
