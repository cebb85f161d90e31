"""The meeting pack: for a Panel meeting's date, an agenda and each capability's position, as a page or a PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.auth import Reader, RedactorDep, disclose
from api.web.deps import CommitteeDep, ServiceDep
from api.web.forms import parse_date, today
from api.web.history import CAUSES, plain_note
from api.web.templating import page, templates
from lsc_engine.access.redaction import Redactor
from lsc_engine.committee.gate import CellDecision
from lsc_engine.committee.printing import pdf
from lsc_engine.committee.views import ReadinessView
from lsc_engine.core.diff import Diff
from lsc_engine.core.evaluation import Evaluation, Finding, PathToGreen
from lsc_engine.core.rating import Rating
from lsc_engine.core.words import RATING_WORDS, criterion_words
from lsc_engine.errors import NotFound
from lsc_engine.services.committee import Committee
from lsc_engine.services.submissions import Service

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Concern:
    """A criterion as a group rates it, when not Green: the rating, its findings and its path to green."""

    criterion: str
    name: str
    group: str
    rating: Rating
    decided: bool
    findings: list[Finding]
    path: PathToGreen | None
    assessor: str | None = None
    rationale: str | None = None
    carried_from: int | None = None
    confidential: bool = False


@dataclass(frozen=True)
class Change:
    """A rating that changed since the Panel's previous decision, in words."""

    criterion: str
    group: str
    before: str
    after: str
    causes: str
    found: list[str]
    reads: str = ""
    decided: str = ""


@dataclass(frozen=True)
class Brief:
    """One capability's part of the meeting pack."""

    readiness: ReadinessView
    evaluation: Evaluation
    concerns: list[Concern]
    greens: int
    previous_on: date | None
    changes: list[Change] | None


def _concerns(evaluation: Evaluation, decided: list[CellDecision]) -> tuple[list[Concern], int]:
    """Return every cell not rated Green (as decided, else as proposed) with its findings, and how many are Green."""
    decisions = {(d.criterion, d.group): d for d in decided}
    paths = {(p.criterion, p.group): p for p in evaluation.path_to_green}
    concerns, greens = [], 0
    for cell in evaluation.ratings:
        decision = decisions.get((cell.criterion, cell.group))
        rating = decision.rating if decision is not None else cell.rating
        if rating == Rating.GREEN:
            greens += 1
            continue
        concerns.append(
            Concern(
                criterion=criterion_words(cell.criterion),
                name=cell.criterion_name,
                group=cell.group.value,
                rating=rating,
                decided=decision is not None and decision.decided is not None,
                findings=[f for f in cell.findings if f.rating != Rating.GREEN],
                path=paths.get((cell.criterion, cell.group)),
                assessor=decision.assessor if decision is not None else None,
                rationale=decision.rationale if decision is not None else None,
                carried_from=decision.carried_from if decision is not None else None,
                confidential=decision is not None and decision.confidential,
            )
        )
    return concerns, greens


def _changes(changes: Diff, titles: dict[str, str], decided: list[CellDecision]) -> list[Change]:
    """Put a comparison's changed proposals, and those whose reasons changed, in words: never rule ids.

    Each says what the group decided on the later version, where it has, since that is what stands.
    """
    decisions = {(d.criterion, d.group): d.decided for d in decided if d.decided is not None}

    def word(rating: Rating | None) -> str:
        return RATING_WORDS[rating] if rating is not None else "not rated"

    return [
        Change(
            criterion=criterion_words(c.criterion),
            group=c.group.value,
            before=word(c.before),
            after=word(c.after),
            causes=" and ".join(CAUSES[cause] for cause in c.causes),
            found=[titles.get(rule_id, "a rule of an earlier ruleset") for rule_id in c.findings_added],
            reads=plain_note(c) if c in changes.revised else "",
            decided=word(decisions[(c.criterion, c.group)]) if (c.criterion, c.group) in decisions else "",
        )
        for c in [*changes.changes, *changes.revised]
    ]


def _brief(service: Service, committee: Committee, redactor: Redactor, capability: str, meeting: date) -> Brief:
    """Gather, as the caller may see it, one capability's position for a meeting on a date."""
    try:
        readiness = redactor.readiness(committee.readiness(capability))
    except NotFound:
        raise NotFound(f"There is no evidence for a capability called {capability[:120]}.") from None
    stored = service.standing(readiness.submission_id).evaluation
    evaluation = redactor.evaluation(stored.evaluation)
    earlier = [
        d for d in committee.capability_decisions(capability) if d.superseded_by is None and d.considered_on < meeting
    ]
    previous = max(earlier, key=lambda d: (d.considered_on, d.recorded_at), default=None)
    changes = None
    if previous is not None:
        titles = {rule.id: rule.title for rule in service.ruleset.rules}
        compared = redactor.diff(
            service.diff(readiness.submission_id, before_id=previous.evaluation_id, after_id=stored.id)
        )
        changes = _changes(compared, titles, readiness.gate.ratings)
    concerns, greens = _concerns(evaluation, readiness.gate.ratings)
    return Brief(readiness, evaluation, concerns, greens, previous.considered_on if previous else None, changes)


def _disclose_each(request: Request, shown: list[tuple[Brief, Redactor]]) -> None:
    """Record what each capability's brief shows under the submission it is on, one disclosure each."""
    for brief, redactor in shown:
        disclose(request, redactor, brief.readiness.submission_id)


@router.get("/meetings/pack", response_model=None)
def meeting_pack(
    request: Request,
    _caller: Reader,
    redactor: RedactorDep,
    service: ServiceDep,
    committee: CommitteeDep,
    on: str = "",
    capability: Annotated[list[str] | None, Query()] = None,
    form: Annotated[str, Query(alias="format")] = "html",
) -> Response:
    """Choose a meeting's date and capabilities; show its pack, or send it as a PDF."""
    chosen = list(dict.fromkeys(capability or []))
    known = service.capabilities()
    try:
        meeting = parse_date(on, "meeting date") or today()
    except ValueError as error:
        return page(
            request, "meeting/choose.html", status_code=422, error=str(error), on=on, known=known, chosen=chosen
        )
    if not chosen:
        return page(request, "meeting/choose.html", on=meeting.isoformat(), known=known, chosen=chosen)
    if form not in ("html", "pdf"):
        raise NotFound(f"There is no meeting pack in the format {form[:20]}: choose html or pdf.")
    shown: list[tuple[Brief, Redactor]] = []  # each capability's brief, and the redactor that noted what it shows
    for chosen_capability in chosen:
        apart = redactor.apart()
        shown.append((_brief(service, committee, apart, chosen_capability, meeting), apart))
    context: dict[str, Any] = {"meeting": meeting, "briefs": [brief for brief, _ in shown]}
    if form == "pdf":
        document = pdf(templates.env.get_template("meeting/pack_document.html").render(context))
        _disclose_each(request, shown)
        filename = f"lsc-meeting-pack-{meeting.isoformat()}.pdf"
        return Response(
            document,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    query = urlencode([("on", meeting.isoformat()), *(("capability", name) for name in chosen), ("format", "pdf")])
    _disclose_each(request, shown)
    # The briefs are redacted already (``_brief``), and their disclosures recorded: ``page`` finds nothing more.
    return page(request, "meeting/pack.html", pdf_link=f"/meetings/pack?{query}", **context)
