"""The dashboard: every capability with its readiness, rating counts, open blockers and next due condition."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.auth import Reader
from api.web.deps import CommitteeDep, ServiceDep
from api.web.templating import page
from lsc_engine.committee.timeline import OUTCOME_WORDS
from lsc_engine.committee.views import ReadinessView
from lsc_engine.core.words import KIND_LABELS
from lsc_engine.errors import InvalidRequest

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


#: How the dashboard may be sorted, by the words its form shows.
SORTS = {
    "capability": "capability",
    "readiness": "readiness, least ready first",
    "due": "next due date, soonest first",
    "red": "most red ratings first",
}
#: The readiness a filter may keep.
READINESS = {"not_ready": "not ready", "ready_with_conditions": "ready with conditions", "ready": "ready"}
#: The Panel's decision a filter may keep: one of its outcomes, or none yet.
DECIDED = {"none": "not decided", **{outcome: words for outcome, words in OUTCOME_WORDS.items()}}


def row(readiness: ReadinessView) -> Row:
    """Summarise a capability's readiness for the dashboard."""
    ratings = [cell.rating.value for cell in readiness.gate.ratings]
    dues: list[tuple[date, str]] = []
    for condition in readiness.conditions:
        named = f"{KIND_LABELS[condition.kind.value].lower()} ({condition.owner.value})"
        if condition.is_open and condition.due_date is not None:
            dues.append((condition.due_date, f"condition due: {named}"))
        if condition.next_report_due is not None:
            dues.append((condition.next_report_due, f"report due: {named}"))
    blockers = {b.ref for b in readiness.gate.go_live.blockers} | {b.ref for b in readiness.gate.migration.blockers}
    return Row(
        readiness=readiness,
        red=ratings.count("red"),
        amber=ratings.count("amber"),
        insufficient=ratings.count("insufficient_evidence"),
        blockers=len(blockers),
        next_due=min(dues) if dues else None,
    )


def _chosen(value: str, allowed: dict[str, str], parameter: str) -> str:
    """Return a filter or sort value the dashboard knows, or refuse it naming the parameter and the choices."""
    if value and value not in allowed:
        choices = ", ".join(allowed)
        raise InvalidRequest(
            f"The dashboard cannot use {parameter} “{value[:40]}”: choose one of {choices}.",
            details={"field": parameter, "allowed": list(allowed)},
        )
    return value


def _order(rows: list[Row], sort: str) -> list[Row]:
    """Sort the rows as asked; by capability when not asked."""
    least_ready = list(READINESS)
    keys: dict[str, Callable[[Row], tuple[object, ...]]] = {
        "readiness": lambda r: (least_ready.index(r.readiness.gate.overall.value), r.readiness.capability),
        "due": lambda r: (r.next_due is None, r.next_due[0] if r.next_due else date.max, r.readiness.capability),
        "red": lambda r: (-r.red, -r.insufficient, r.readiness.capability),
    }
    return sorted(rows, key=keys.get(sort, lambda r: (r.readiness.capability,)))


def _outcome(row: Row) -> str:
    """Return the Panel's outcome on a capability, or "none" before it has decided."""
    decision = row.readiness.decision
    return decision.outcome if decision is not None else "none"


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    _caller: Reader,
    service: ServiceDep,
    committee: CommitteeDep,
    readiness: str = "",
    blocked: str = "",
    decided: str = "",
    sort: str = "",
) -> HTMLResponse:
    """Show every capability and where it stands, filtered by readiness, decision or blocked go-live, and sorted."""
    readiness = _chosen(readiness, READINESS, "readiness")
    decided = _chosen(decided, DECIDED, "decided")
    sort = _chosen(sort, SORTS, "sort")
    every = [row(committee.readiness(capability)) for capability in service.capabilities()]
    rows = [
        r
        for r in every
        if (not readiness or r.readiness.gate.overall.value == readiness)
        and (not blocked or not r.readiness.gate.go_live.allowed)
        and (not decided or _outcome(r) == decided)
    ]
    return page(
        request,
        "dashboard.html",
        rows=_order(rows, sort),
        total=len(every),
        readiness=readiness,
        blocked=bool(blocked),
        decided=decided,
        decided_choices=DECIDED,
        sort=sort,
        sorts=SORTS,
        readiness_choices=READINESS,
        outcomes=OUTCOME_WORDS,
    )
