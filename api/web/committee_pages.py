"""The committee's pages: the conditions board, a group's assessment form and the Panel's decision page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from api.auth import (
    Assessor,
    ConditionActor,
    ConditionAdder,
    DecisionMaker,
    FormCaller,
    Reader,
    RedactorDep,
    Revoker,
    redacting,
)
from api.errors import status_of
from api.types import form_date
from api.web.deps import CommitteeDep, ServiceDep
from api.web.templating import page
from lsc_engine.access.policy import require_group
from lsc_engine.committee.conditions import Action, ConditionState, check_action
from lsc_engine.committee.gate import CellDecision, decide_cells
from lsc_engine.committee.views import DecisionView, Outcome
from lsc_engine.core.evaluation import Evaluation, Finding
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.core.ruleset import Criterion, Rating
from lsc_engine.errors import InvalidAction, LscError, NotFound
from lsc_engine.services.committee import Committee
from lsc_engine.services.submissions import Service
from lsc_engine.store import repository
from lsc_engine.store.db import session_scope
from lsc_engine.store.models import RevocationRecord

router = APIRouter(include_in_schema=False)

#: The kinds a condition can be given by hand, in the order the board shows them.
KINDS = (
    ConditionKind.PREREQUISITE_GO_LIVE,
    ConditionKind.PREREQUISITE_MIGRATION,
    ConditionKind.ONGOING_REPORTING,
    ConditionKind.PAUSE_TRIGGER,
)
OUTCOMES: dict[str, str] = {
    "recommend": "Recommend go-live",
    "recommend_with_conditions": "Recommend go-live with conditions",
    "do_not_recommend": "Do not recommend go-live",
}
OUTCOME_VALUES: dict[str, Outcome] = {
    "recommend": "recommend",
    "recommend_with_conditions": "recommend_with_conditions",
    "do_not_recommend": "do_not_recommend",
}
STATUS_WORDS = {"open": "Open", "satisfied": "Satisfied", "waived": "Waived", "breached": "Breached"}
PAUSE_WORDS = {"not_armed": "Not armed", "armed": "Armed", "triggered": "Migration paused", "cleared": "Cleared"}
ACTION_WORDS = {
    "satisfy": "Satisfied",
    "waive": "Waived",
    "breach": "Marked breached",
    "report": "Report received",
    "arm": "Pause trigger armed",
    "trigger": "Triggered: migration paused",
    "clear": "Pause cleared",
}
GROUP_NAMES = {"TAG": "Testing Advisory Group", "OPSG": "Operations Group", "SSC": "Security Sub-Committee"}


@dataclass(frozen=True)
class ActionForm:
    """How the board offers one action on a condition: its button, and the fields it asks for."""

    action: Action
    title: str
    button: str
    fields: tuple[str, ...]
    on_label: str = "Date it took effect"


#: The forms the board offers, in the order it offers them; fields name what the service requires.
ACTION_FORMS = (
    ActionForm(Action.REPORT, "Record a report", "Record the report", ("evidence",), "Date of the report"),
    ActionForm(Action.ARM, "Arm the pause trigger", "Arm", ()),
    ActionForm(Action.TRIGGER, "Trigger the pause (stops migration)", "Pause migration", ("rationale",)),
    ActionForm(Action.CLEAR, "Clear the pause (migration may resume)", "Clear the pause", ("rationale",)),
    ActionForm(Action.SATISFY, "Mark as satisfied", "Mark satisfied", ("evidence",), "Date it was met"),
    ActionForm(Action.WAIVE, "Waive", "Waive the condition", ("rationale", "approver")),
    ActionForm(Action.BREACH, "Mark as breached", "Mark breached", ("rationale",)),
)
FIELD_LABELS = {
    "evidence": "Evidence",
    "rationale": "Rationale",
    "approver": "Approved by",
}
FIELD_LIMITS = {"evidence": 8000, "rationale": 8000, "approver": 200, "notes": 8000, "text": 8000, "due": 400}
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Refusal:
    """A form the service (or the page) refused: which form, why, with what status, and what was typed."""

    form: str
    message: str
    status: int
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SubmissionInfo:
    """A stored submission as the pages name it, with the newest version of its capability."""

    id: str
    capability: str
    version: int
    statement_date: date
    latest_id: str
    latest_version: int


@dataclass(frozen=True)
class AssessRow:
    """One criterion a group owns: the engine's proposal and its findings beside the group's decision."""

    criterion: Criterion
    anchor: str
    cell: CellDecision
    findings: list[Finding]


# -- small helpers -----------------------------------------------------------------------------------


def _today() -> date:
    """Return today's date (UTC), the default for dates the forms ask for."""
    return datetime.now(UTC).date()


def _notice(request: Request) -> str | None:
    """Return the confirmation passed back after a successful write, if any (shortened; escaped by Jinja)."""
    text = request.query_params.get("notice")
    return text[:300] if text else None


def _redirect(path: str, notice: str) -> RedirectResponse:
    """Answer a successful POST: 303 back to the page, with a short confirmation."""
    return RedirectResponse(f"{path}?{urlencode({'notice': notice})}", status_code=303)


def _parse_date(value: str | None, what: str) -> date | None:
    """Read an optional YYYY-MM-DD date from a form; refuse anything else with a plain message."""
    try:
        return form_date(value)
    except ValueError:
        raise InvalidAction(f"give {what} as YYYY-MM-DD") from None


def _check_lengths(values: dict[str, Any]) -> None:
    """Refuse text longer than the API accepts."""
    for name, limit in FIELD_LIMITS.items():
        value = values.get(name)
        if isinstance(value, str) and len(value) > limit:
            label = FIELD_LABELS.get(name, name).lower()
            raise InvalidAction(f"the {label} is too long: at most {limit} characters")


def _capability_path(capability: str) -> str:
    """Return the conditions board's path for a capability."""
    return f"/capabilities/{quote(capability, safe='')}/conditions"


def _not_found(request: Request, error: LscError) -> HTMLResponse:
    """Render the page saying what does not exist."""
    return page(request, "committee/not_found.html", status_code=404, message=_sentence(error.message))


def _group(name: str) -> Group | None:
    """Return the group a URL names (any letter case), or None."""
    return next((g for g in Group if g.value == name.upper()), None)


def _submission(service: Service, submission_id: str) -> tuple[SubmissionInfo, Evaluation]:
    """Return a stored submission and its newest evaluation, or raise NotFound."""
    with session_scope(service.database) as session:
        submission = repository.get_submission(session, submission_id=submission_id)
        if submission is None:
            raise NotFound(f"There is no submission {submission_id}.", details={"submission_id": submission_id})
        record = repository.latest_evaluation(session, submission_id=submission_id)
        latest = repository.latest_submission(session, capability=submission.capability)
        assert record is not None, "every submission is stored with its first evaluation"
        assert latest is not None, "a stored submission is a version of its capability"
        info = SubmissionInfo(
            id=submission.id,
            capability=submission.capability,
            version=submission.version,
            statement_date=submission.statement_date,
            latest_id=latest.id,
            latest_version=latest.version,
        )
        return info, Evaluation.model_validate_json(record.result)


# -- the conditions board ----------------------------------------------------------------------------


def allowed_actions(condition: ConditionState) -> list[ActionForm]:
    """Return the action forms the condition's kind and current state allow, asking the workflow's own rules."""
    allowed = []
    for form in ACTION_FORMS:
        try:
            check_action(
                condition.kind,
                condition.status,
                condition.pause,
                form.action,
                evidence="-",
                rationale="-",
                approver="-",
            )
        except LscError:
            continue
        allowed.append(form)
    return allowed


def _board(request: Request, committee: Committee, capability: str, refusal: Refusal | None = None) -> HTMLResponse:
    """Render the conditions board, with a refused form's message and values when there is one."""
    try:
        readiness = committee.readiness(capability)
    except NotFound:
        return _not_found(request, NotFound(f"There is no evidence for a capability called {capability[:120]}."))
    readiness = redacting(request).readiness(readiness)
    actions = {c.id: allowed_actions(c) for c in readiness.conditions}
    target, card = _refusal_target(refusal, readiness.conditions, actions)
    groups: list[tuple[str, str, list[ConditionState]]] = []
    for kind in [*KINDS, ConditionKind.CARRIED_OVER]:
        members = [c for c in readiness.conditions if c.kind == kind]
        if members or kind in KINDS:
            groups.append((kind.value, kind.value.replace("_", "-"), members))
    return page(
        request,
        "committee/conditions.html",
        status_code=refusal.status if refusal else 200,
        notice=_notice(request),
        readiness=readiness,
        groups=groups,
        actions=actions,
        refusal_target=target,
        card_refusal=card,
        criteria=committee.ruleset.catalogue.criteria,
        kinds=[k.value for k in KINDS],
        groups_all=[g.value for g in Group],
        refusal=refusal,
        today=_today().isoformat(),
        status_words=STATUS_WORDS,
        pause_words=PAUSE_WORDS,
        action_words=ACTION_WORDS,
        field_labels=FIELD_LABELS,
        open_count=sum(1 for c in readiness.conditions if c.is_open),
    )


def _refusal_target(
    refusal: Refusal | None, conditions: list[ConditionState], actions: dict[str, list[ActionForm]]
) -> tuple[str, str | None]:
    """Return where a refusal's message links to, and the condition whose card shows it when its form is gone."""
    if refusal is None or refusal.form == "add":
        return "add-condition", None
    _, condition_id, action = refusal.form.split(":", 2)
    condition = next((c for c in conditions if c.id == condition_id), None)
    if condition is None:
        return "main", None
    if any(form.action.value == action for form in actions[condition_id]):
        return f"form-{condition_id}-{action}", None
    return f"condition-{condition.key}", condition_id


@router.get("/capabilities/{capability}/conditions", response_class=HTMLResponse)
def conditions_board(
    request: Request, _caller: Reader, _redactor: RedactorDep, capability: str, committee: CommitteeDep
) -> HTMLResponse:
    """Show a capability's conditions by kind, with their state, history and the actions they allow."""
    return _board(request, committee, capability)


@router.post("/conditions/{condition_id}/events", response_class=HTMLResponse, response_model=None)
def condition_event(
    request: Request,
    principal: ConditionActor,
    _form: FormCaller,
    condition_id: str,
    committee: CommitteeDep,
    action: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
    rationale: Annotated[str, Form()] = "",
    approver: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
) -> Response:
    """Record an action on a condition, then go back to the board; a refused action shows why, beside its form."""
    try:
        condition = committee.condition(condition_id)
    except NotFound:
        return _not_found(request, NotFound(f"There is no condition {condition_id}."))
    require_group(principal, condition.owner)
    values = {"evidence": evidence, "rationale": rationale, "approver": approver, "on": on}
    try:
        try:
            chosen = Action(action)
        except ValueError:
            raise InvalidAction("choose one of the actions the board offers") from None
        _check_lengths(values)
        state = committee.act(
            condition_id,
            chosen,
            actor=principal.actor,
            on=_parse_date(on, "the date"),
            evidence=evidence or None,
            rationale=rationale or None,
            approver=approver or None,
        )
    except LscError as error:
        refusal = Refusal(f"event:{condition_id}:{action}", _sentence(error.message), status_of(error), values)
        return _board(request, committee, condition.capability, refusal)
    return _redirect(_capability_path(state.capability), f"{state.key}: {_done(chosen, state)}.")


def _done(action: Action, state: ConditionState) -> str:
    """Say in a few words what an action did."""
    if action == Action.REPORT:
        return f"report recorded; next report due {state.next_report_due}"
    if action == Action.TRIGGER:
        return "pause triggered, migration is paused"
    return ACTION_WORDS[action.value].lower()


def _sentence(message: str) -> str:
    """Turn a service message into a sentence a person reads: capital first letter, full stop."""
    text = message.strip()
    if not text:
        return "That was not recorded."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


@router.post("/capabilities/{capability}/conditions", response_class=HTMLResponse, response_model=None)
def add_condition(
    request: Request,
    principal: ConditionAdder,
    _form: FormCaller,
    capability: str,
    committee: CommitteeDep,
    kind: Annotated[str, Form()] = "",
    owner: Annotated[str, Form()] = "",
    criteria: Annotated[list[str] | None, Form()] = None,
    text: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
    due_date: Annotated[str, Form()] = "",
    report_every_days: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
) -> Response:
    """Add a condition by hand, then go back to the board."""
    chosen = [c for c in criteria or [] if c]
    values: dict[str, Any] = {
        "kind": kind,
        "owner": owner,
        "criteria": chosen,
        "text": text,
        "due": due,
        "due_date": due_date,
        "report_every_days": report_every_days,
        "key": key,
    }
    try:
        if kind not in {k.value for k in KINDS}:
            raise InvalidAction("choose the kind of condition")
        group = _group(owner) if owner else None
        if group is None:
            raise InvalidAction("choose the group that owns the condition")
        require_group(principal, group)
        if not chosen:
            raise InvalidAction("tick at least one criterion the condition is about")
        if len(chosen) > 20:
            raise InvalidAction("a condition names at most 20 criteria")
        if not text.strip():
            raise InvalidAction("write what the condition requires")
        if not due.strip():
            raise InvalidAction("say when the condition is due")
        _check_lengths(values)
        every = report_every_days.strip()
        if every and not (every.isdigit() and 1 <= int(every) <= 366):
            raise InvalidAction("give the report interval as a whole number of days from 1 to 366")
        wanted_key = key.strip() or None
        if wanted_key is not None and not (len(wanted_key) <= 120 and KEY_PATTERN.fullmatch(wanted_key)):
            raise InvalidAction("a short name uses lower-case letters, digits and hyphens, and starts with one")
        state = committee.add_condition(
            capability,
            kind=ConditionKind(kind),
            owner=group,
            criteria=chosen,
            text=text,
            due=due,
            due_date=_parse_date(due_date, "the due date"),
            report_every_days=int(every) if every else None,
            key=wanted_key,
            actor=principal.actor,
        )
    except NotFound:
        return _not_found(request, NotFound(f"There is no evidence for a capability called {capability[:120]}."))
    except LscError as error:
        refusal = Refusal("add", _sentence(error.message), status_of(error), values)
        return _board(request, committee, capability, refusal)
    return _redirect(_capability_path(capability), f"Condition {state.key} added.")


# -- a group's assessment ----------------------------------------------------------------------------


def _assess_page(
    request: Request,
    service: Service,
    committee: Committee,
    submission_id: str,
    group: Group,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    """Render a group's assessment form for a submission."""
    try:
        info, evaluation = _submission(service, submission_id)
        assessments = committee.assessments(submission_id)
    except NotFound as error:
        return _not_found(request, error)
    evaluation = redacting(request).evaluation(evaluation)
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
    with session_scope(service.database) as session:
        revocations = session.exec(
            select(RevocationRecord)
            .where(RevocationRecord.submission_id == submission_id, RevocationRecord.group == group.value)
            .order_by(col(RevocationRecord.recorded_at))
        ).all()
        revoked = [(r.recorded_at, r.reason, r.actor) for r in revocations]
    return page(
        request,
        "committee/assess.html",
        status_code=refusal.status if refusal else 200,
        notice=_notice(request),
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
    _redactor: RedactorDep,
    submission_id: str,
    group: str,
    service: ServiceDep,
    committee: CommitteeDep,
) -> HTMLResponse:
    """Show, for each criterion a group owns, the engine's proposal beside the group's decision, with a form."""
    chosen = _group(group)
    if chosen is None:
        return _not_found(request, NotFound(f"There is no group {group[:40]}: the groups are TAG, OPSG and SSC."))
    require_group(principal, chosen)
    return _assess_page(request, service, committee, submission_id, chosen)


@router.post("/submissions/{submission_id}/assess/{group}", response_class=HTMLResponse, response_model=None)
def assess(
    request: Request,
    principal: Assessor,
    _form: FormCaller,
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
    chosen = _group(group)
    if chosen is None:
        return _not_found(request, NotFound(f"There is no group {group[:40]}: the groups are TAG, OPSG and SSC."))
    require_group(principal, chosen)
    values = {"accepted": accepted, "rating": rating, "assessor": assessor, "rationale": rationale}
    try:
        _, evaluation = _submission(service, submission_id)
        if not any((c.criterion, c.group) == (criterion, chosen) for c in evaluation.ratings):
            raise InvalidAction(f"{chosen.value} does not rate {criterion or 'that criterion'} in this evaluation")
        if accepted not in ("yes", "no"):
            raise InvalidAction("say whether the group accepts DCC's statement for this criterion")
        if rating not in ("green", "amber", "red"):
            raise InvalidAction("choose a rating: Green, Amber or Red")
        if len(assessor) > 200:
            raise InvalidAction("the assessor's name is too long: at most 200 characters")
        _check_lengths({"rationale": rationale})
        committee.assess(
            submission_id,
            criterion=criterion,
            group=chosen,
            accepted=accepted == "yes",
            rating=Rating(rating),
            assessor=assessor,
            rationale=rationale or None,
            actor=principal.actor,
        )
    except NotFound as error:
        return _not_found(request, error)
    except LscError as error:
        refusal = Refusal(f"assess:{criterion}", _sentence(error.message), status_of(error), values)
        return _assess_page(request, service, committee, submission_id, chosen, refusal)
    path = f"/submissions/{quote(submission_id, safe='')}/assess/{chosen.value}"
    return _redirect(path, f"{chosen.value}'s decision on {criterion} recorded: {rating.capitalize()}.")


@router.post("/submissions/{submission_id}/revoke/{group}", response_class=HTMLResponse, response_model=None)
def revoke(
    request: Request,
    principal: Revoker,
    _form: FormCaller,
    submission_id: str,
    group: str,
    service: ServiceDep,
    committee: CommitteeDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Record the group withdrawing its recommendation, then go back to the form."""
    chosen = _group(group)
    if chosen is None:
        return _not_found(request, NotFound(f"There is no group {group[:40]}: the groups are TAG, OPSG and SSC."))
    require_group(principal, chosen)
    try:
        if len(reason) > 8000:
            raise InvalidAction("the reason is too long: at most 8000 characters")
        committee.revoke(submission_id, group=chosen, reason=reason, actor=principal.actor)
    except NotFound as error:
        return _not_found(request, error)
    except LscError as error:
        refusal = Refusal("revoke", _sentence(error.message), status_of(error), {"reason": reason})
        return _assess_page(request, service, committee, submission_id, chosen, refusal)
    path = f"/submissions/{quote(submission_id, safe='')}/assess/{chosen.value}"
    return _redirect(path, f"{chosen.value} has revoked its recommendation; go-live is blocked.")


# -- the Panel's decision ----------------------------------------------------------------------------


def _decision_page(
    request: Request,
    service: Service,
    committee: Committee,
    submission_id: str,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    """Render the decision page of a submission."""
    try:
        info, _ = _submission(service, submission_id)
        decisions = committee.decisions(submission_id)
    except NotFound as error:
        return _not_found(request, error)
    hiding = redacting(request)
    decisions = [hiding.decision(d) for d in decisions]
    current = next((d for d in reversed(decisions) if d.superseded_by is None), None)
    earlier = [d for d in reversed(decisions) if d is not current]
    conditions = hiding.conditions(committee.conditions(info.capability))
    readiness = hiding.readiness(committee.readiness(info.capability)) if info.id == info.latest_id else None
    if refusal is not None:
        ticked = set(refusal.values.get("condition_ids", []))
    else:
        ticked = {c.id for c in conditions if c.is_open}
    return page(
        request,
        "committee/decision.html",
        status_code=refusal.status if refusal else 200,
        notice=_notice(request),
        submission=info,
        current=current,
        earlier=earlier,
        conditions=conditions,
        ticked=ticked,
        readiness=readiness,
        outcomes=OUTCOMES,
        refusal=refusal,
        today=_today().isoformat(),
        status_words=STATUS_WORDS,
    )


@router.get("/submissions/{submission_id}/decision", response_class=HTMLResponse)
def decision_page(
    request: Request,
    _caller: Reader,
    _redactor: RedactorDep,
    submission_id: str,
    service: ServiceDep,
    committee: CommitteeDep,
) -> HTMLResponse:
    """Show the Panel's current decision, its letter and earlier decisions, with the form to record one."""
    return _decision_page(request, service, committee, submission_id)


@router.post("/submissions/{submission_id}/decision", response_class=HTMLResponse, response_model=None)
def record_decision(
    request: Request,
    principal: DecisionMaker,
    _form: FormCaller,
    submission_id: str,
    service: ServiceDep,
    committee: CommitteeDep,
    outcome: Annotated[str, Form()] = "",
    considered_on: Annotated[str, Form()] = "",
    condition_ids: Annotated[list[str] | None, Form()] = None,
    notes: Annotated[str, Form()] = "",
    supersedes: Annotated[str, Form()] = "",
) -> Response:
    """Record the Panel's decision (or a correction of it), then go back to the page."""
    attached = [c for c in condition_ids or [] if c]
    values: dict[str, Any] = {
        "outcome": outcome,
        "considered_on": considered_on,
        "condition_ids": attached,
        "notes": notes,
    }
    try:
        if outcome not in OUTCOME_VALUES:
            raise InvalidAction("choose the Panel's decision")
        considered = _parse_date(considered_on, "the date the Panel considered it")
        if considered is None:
            raise InvalidAction("give the date the Panel considered the evidence")
        if len(attached) > 200:
            raise InvalidAction("attach at most 200 conditions")
        _check_lengths({"notes": notes})
        decision: DecisionView = committee.decide(
            submission_id,
            outcome=OUTCOME_VALUES[outcome],
            considered_on=considered,
            condition_ids=attached,
            notes=notes.strip() or None,
            supersedes=supersedes.strip() or None,
            actor=principal.actor,
        )
    except NotFound as error:
        if error.details.get("submission_id"):
            return _not_found(request, error)
        refusal = Refusal("decide", _sentence(error.message), status_of(error), values)
        return _decision_page(request, service, committee, submission_id, refusal)
    except LscError as error:
        message = _sentence(error.message)
        message = re.sub(
            r"the outcome is (\w+)", lambda m: f'choose "{OUTCOMES.get(m[1], m[1])}", or untick them', message
        )
        if "supersede" in error.message:
            message += " The page now shows the decision on record: check it before recording a correction."
        refusal = Refusal("decide", message, status_of(error), values)
        return _decision_page(request, service, committee, submission_id, refusal)
    word = "Correction" if decision.supersedes else "Decision"
    path = f"/submissions/{quote(submission_id, safe='')}/decision"
    return _redirect(path, f"{word} recorded: {OUTCOMES[decision.outcome].lower()}.")
