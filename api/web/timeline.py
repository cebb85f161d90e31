"""A capability's timeline: versions, evaluations, the committees' records, conditions and milestones, by date."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.auth import Reader, RedactorDep
from api.web.deps import CommitteeDep, ServiceDep
from api.web.templating import page
from api.web.timeline_chart import LANE_NAMES, timeline_svg
from lsc_engine.committee.timeline import in_order, milestone_moments
from lsc_engine.errors import NotFound

router = APIRouter(include_in_schema=False)


@router.get("/capabilities/{capability}/timeline", response_class=HTMLResponse)
def timeline_page(
    request: Request,
    _caller: Reader,
    redactor: RedactorDep,
    capability: str,
    committee: CommitteeDep,
    service: ServiceDep,
) -> HTMLResponse:
    """Show everything dated about a capability in one chronological page, with a chart of it."""
    try:
        records = committee.timeline(capability)
    except NotFound:
        raise NotFound(f"There is no evidence for a capability called {capability[:120]}.") from None
    # Milestones come from the newest pack as the caller may see it: a confidential event's words stay hidden.
    pack = redactor.visible_pack(service.evidence(records.newest.id))
    evaluation = redactor.evaluation(records.evaluation.evaluation)
    moments = in_order([*records.moments, *milestone_moments(pack, evaluation)])
    last = records.last_decision
    since = (
        f"/submissions/{records.newest.id}/history?from={last.evaluation_id}&to={records.evaluation.id}#diff"
        if last is not None and last.evaluation_id != records.evaluation.id
        else None
    )
    return page(
        request,
        "committee/timeline.html",
        capability=capability,
        newest_id=records.newest.id,
        newest_version=records.newest.version,
        as_at=evaluation.as_at,
        moments=moments,
        chart=timeline_svg(moments, marked=evaluation.as_at),
        lanes=LANE_NAMES,
        last_decision=last,
        since=since,
    )
