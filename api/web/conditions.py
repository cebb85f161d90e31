"""The conditions board: a capability's conditions by kind, the actions each allows, and adding one by hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import ConditionActor, ConditionAdder, FormCaller, Reader, RedactorDep
from api.web.deps import CommitteeDep
from api.web.forms import (
    Refusal,
    Unusable,
    Wording,
    capability_path,
    notice,
    read_form,
    redirect,
    refusal_of,
    today,
    whole_number,
)
from api.web.templating import page
from lsc_engine.access.policy import require_group
from lsc_engine.access.redaction import Redactor
from lsc_engine.committee.conditions import Action, ConditionState, check_action
from lsc_engine.committee.inputs import ConditionEventIn, ConditionIn
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.errors import LscError, NotFound
from lsc_engine.services.committee import Committee

router = APIRouter(include_in_schema=False)

#: The kinds a condition can be given by hand, in the order the board shows them.
KINDS = (
    ConditionKind.PREREQUISITE_GO_LIVE,
    ConditionKind.PREREQUISITE_MIGRATION,
    ConditionKind.ONGOING_REPORTING,
    ConditionKind.PAUSE_TRIGGER,
)
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
#: How the forms on a condition speak of their fields.
EVENT_WORDS = {
    "action": Wording("the action", "choose one of the actions the board offers"),
    "on": Wording("the date", "give the date", invalid="give the date as a real date, YYYY-MM-DD"),
    "evidence": Wording("the evidence", "give the evidence"),
    "rationale": Wording("the rationale", "write the rationale"),
    "approver": Wording("the approver's name", "name who approved it"),
}
#: How the form that adds a condition speaks of its fields.
CONDITION_WORDS = {
    "capability": Wording("the capability's name", "name the capability"),
    "kind": Wording("the kind", "choose the kind of condition"),
    "owner": Wording("the owner", "choose the group that owns the condition"),
    "criteria": Wording(
        "the criteria",
        "tick at least one criterion the condition is about",
        over="a condition names at most {max_length} criteria",
    ),
    "text": Wording("what it requires", "write what the condition requires"),
    "due": Wording("when it is due", "say when the condition is due"),
    "due_date": Wording("the due date", "give the due date", invalid="give the due date as a real date, YYYY-MM-DD"),
    "report_every_days": Wording(
        "the report interval", "give the report interval as a whole number of days from 1 to 366"
    ),
    "key": Wording("the short name", "a short name uses lower-case letters, digits and hyphens, and starts with one"),
}


@dataclass(frozen=True)
class ActionForm:
    """How the board offers one action on a condition: its button, and the fields it asks for."""

    action: Action
    title: str
    button: str
    fields: tuple[str, ...]
    on_label: str = "Date it took effect"


#: The labels of the fields the action forms ask for.
FIELD_LABELS = {"evidence": "Evidence", "rationale": "Rationale", "approver": "Approved by"}

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


def _no_capability(capability: str) -> NotFound:
    """Say that nothing was ever submitted for a capability."""
    return NotFound(f"There is no evidence for a capability called {capability[:120]}.")


def _board(
    request: Request,
    redactor: Redactor,
    committee: Committee,
    capability: str,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    """Show the conditions board, with a refused form's message and values when there is one."""
    try:
        readiness = committee.readiness(capability)
    except NotFound:
        raise _no_capability(capability) from None
    readiness = redactor.readiness(readiness)
    actions = {c.id: allowed_actions(c) for c in readiness.conditions}
    prefix, target, card = _refusal_target(refusal, readiness.conditions, actions)
    groups: list[tuple[str, str, list[ConditionState]]] = []
    for kind in [*KINDS, ConditionKind.CARRIED_OVER]:
        members = [c for c in readiness.conditions if c.kind == kind]
        if members or kind in KINDS:
            groups.append((kind.value, kind.value.replace("_", "-"), members))
    return page(
        request,
        "committee/conditions.html",
        status_code=refusal.status if refusal else 200,
        notice=notice(request),
        readiness=readiness,
        groups=groups,
        actions=actions,
        refusal_prefix=prefix,
        refusal_target=target,
        card_refusal=card,
        criteria=committee.ruleset.catalogue.criteria,
        kinds=[k.value for k in KINDS],
        groups_all=[g.value for g in Group],
        refusal=refusal,
        today=today().isoformat(),
        status_words=STATUS_WORDS,
        pause_words=PAUSE_WORDS,
        action_words=ACTION_WORDS,
        field_labels=FIELD_LABELS,
        open_count=sum(1 for c in readiness.conditions if c.is_open),
    )


def _refusal_target(
    refusal: Refusal | None, conditions: list[ConditionState], actions: dict[str, list[ActionForm]]
) -> tuple[str, str | None, str | None]:
    """Return the refused form's id prefix, where to link instead once that form is gone, and whose card says why."""
    if refusal is None or refusal.form == "add":
        return "add", None, None
    _, condition_id, action = refusal.form.split(":", 2)
    condition = next((c for c in conditions if c.id == condition_id), None)
    if condition is None:
        return "", "main", None
    if any(form.action.value == action for form in actions[condition_id]):
        return f"form-{condition_id}-{action}", None, None
    return "", f"condition-{condition.key}", condition_id


@router.get("/capabilities/{capability}/conditions", response_class=HTMLResponse)
def conditions_board(
    request: Request, _caller: Reader, redactor: RedactorDep, capability: str, committee: CommitteeDep
) -> HTMLResponse:
    """Show a capability's conditions by kind, with their state, history and the actions they allow."""
    return _board(request, redactor, committee, capability)


@router.post("/conditions/{condition_id}/events", response_class=HTMLResponse, response_model=None)
def condition_event(
    request: Request,
    principal: ConditionActor,
    _form: FormCaller,
    redactor: RedactorDep,
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
        raise NotFound(f"There is no condition {condition_id}.") from None
    require_group(principal, condition.owner)
    values = {"evidence": evidence, "rationale": rationale, "approver": approver, "on": on}
    try:
        event = read_form(ConditionEventIn, {"action": action, **values}, EVENT_WORDS)
        state = committee.act(condition_id, event, actor=principal.actor)
    except (Unusable, LscError) as error:
        asked = next((form.fields for form in ACTION_FORMS if form.action.value == action), ())
        refused = refusal_of(f"event:{condition_id}:{action}", error, values, shown=(*asked, "on"))
        return _board(request, redactor, committee, condition.capability, refused)
    return redirect(request, capability_path(state.capability), f"{state.key}: {_done(event.action, state)}.")


def _done(action: Action, state: ConditionState) -> str:
    """Say in a few words what an action did."""
    if action == Action.REPORT:
        return f"report recorded; next report due {state.next_report_due}"
    if action == Action.TRIGGER:
        return "pause triggered, migration is paused"
    return ACTION_WORDS[action.value].lower()


@router.post("/capabilities/{capability}/conditions", response_class=HTMLResponse, response_model=None)
def add_condition(
    request: Request,
    principal: ConditionAdder,
    _form: FormCaller,
    redactor: RedactorDep,
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
    confidential: Annotated[str, Form()] = "",
) -> Response:
    """Add a condition by hand, then go back to the board."""
    values: dict[str, Any] = {
        "kind": kind,
        "owner": owner,
        "criteria": [c for c in criteria or [] if c],
        "text": text,
        "due": due,
        "due_date": due_date,
        "report_every_days": report_every_days,
        "key": key,
        "confidential": bool(confidential),  # the box sends "yes"; any value asks for it (never silently public)
    }
    posted = {"capability": capability, **values, "report_every_days": whole_number(report_every_days)}
    try:
        condition = read_form(ConditionIn, posted, CONDITION_WORDS)
        require_group(principal, condition.owner)
        state = committee.add_condition(condition, actor=principal.actor)
    except NotFound:
        raise _no_capability(capability) from None
    except (Unusable, LscError) as error:
        refused = refusal_of("add", error, values, shown=values)
        return _board(request, redactor, committee, capability, refused)
    return redirect(request, capability_path(capability), f"Condition {state.key} added.")
