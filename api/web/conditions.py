"""The conditions board: a capability's conditions by kind, the actions each allows, and adding one by hand."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import ConditionActor, ConditionAdder, FormCaller, Reader, RedactorDep
from api.errors import status_of
from api.web.deps import CommitteeDep
from api.web.forms import (
    FIELD_LABELS,
    Refusal,
    action_date,
    capability_path,
    check_lengths,
    group_named,
    notice,
    redirect,
    today,
)
from api.web.templating import sentence, shown
from lsc_engine.access.policy import require_group
from lsc_engine.access.redaction import Redactor
from lsc_engine.committee.conditions import Action, ConditionState, check_action
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.errors import InvalidAction, LscError, NotFound
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
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


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
    target, card = _refusal_target(refusal, readiness.conditions, actions)
    groups: list[tuple[str, str, list[ConditionState]]] = []
    for kind in [*KINDS, ConditionKind.CARRIED_OVER]:
        members = [c for c in readiness.conditions if c.kind == kind]
        if members or kind in KINDS:
            groups.append((kind.value, kind.value.replace("_", "-"), members))
    return shown(
        request,
        redactor,
        "committee/conditions.html",
        status_code=refusal.status if refusal else 200,
        notice=notice(request),
        readiness=readiness,
        groups=groups,
        actions=actions,
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
        try:
            chosen = Action(action)
        except ValueError:
            raise InvalidAction("choose one of the actions the board offers") from None
        check_lengths(values)
        state = committee.act(
            condition_id,
            chosen,
            actor=principal.actor,
            on=action_date(on, "the date"),
            evidence=evidence or None,
            rationale=rationale or None,
            approver=approver or None,
        )
    except LscError as error:
        refusal = Refusal(f"event:{condition_id}:{action}", sentence(error.message), status_of(error), values)
        return _board(request, redactor, committee, condition.capability, refusal)
    return redirect(capability_path(state.capability), f"{state.key}: {_done(chosen, state)}.")


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
        group = group_named(owner) if owner else None
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
        check_lengths(values)
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
            due_date=action_date(due_date, "the due date"),
            report_every_days=int(every) if every else None,
            key=wanted_key,
            actor=principal.actor,
        )
    except NotFound:
        raise _no_capability(capability) from None
    except LscError as error:
        refusal = Refusal("add", sentence(error.message), status_of(error), values)
        return _board(request, redactor, committee, capability, refusal)
    return redirect(capability_path(capability), f"Condition {state.key} added.")
