"""The Panel's letter on a decision: start a draft, edit its date and paragraphs, preview it, issue it, correct it."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from api.auth import DecisionMaker, FormCaller, Reader
from api.deps import LettersDep
from api.web.deps import CommitteeDep
from api.web.forms import Refusal, Unusable, Wording, notice, read_form, redirect, refusal_of, whole_number
from api.web.templating import page
from lsc_engine.committee.letters import LetterDraftIn, LetterEditIn, LetterIssueIn, LetterState, LetterView
from lsc_engine.errors import LscError, NotFound
from lsc_engine.services.committee import Committee
from lsc_engine.services.letters import Letters

router = APIRouter(include_in_schema=False)

#: How the letter's forms speak of their fields.
LETTER_WORDS = {
    "letter_date": Wording(
        "the letter's date",
        "give the date the letter bears",
        invalid="give the date the letter bears as a real date, YYYY-MM-DD",
    ),
    "supersedes": Wording("the letter it corrects", "reload the page to see the letter as issued"),
    "revision": Wording("the draft's revision", "reload the page to see the draft as it stands"),
    "paragraphs": Wording(
        "a paragraph", "write each paragraph; none may be left empty", over="a paragraph holds at most 8000 characters"
    ),
}
#: A paragraph's field in the editing form.
PARAGRAPH = "paragraph:"


def _letters_page(
    request: Request,
    letters: Letters,
    committee: Committee,
    decision_id: str,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    decision = committee.decision(decision_id)
    found = letters.letters(decision_id)
    current = next((x for x in found if x.state is LetterState.ISSUED and x.superseded_by is None), None)
    open_draft = next((x for x in found if x.state is LetterState.DRAFT), None)
    return page(
        request,
        "committee/letters.html",
        status_code=refusal.status if refusal else 200,
        notice=notice(request),
        decision=decision,
        letters=list(reversed(found)),
        current=current,
        open_draft=open_draft,
        refusal=refusal,
    )


def _letter_page(request: Request, letters: Letters, letter_id: str, refusal: Refusal | None = None) -> HTMLResponse:
    letter = letters.letter(letter_id)
    return page(
        request,
        "committee/letter.html",
        status_code=refusal.status if refusal else 200,
        notice=notice(request),
        letter=letter,
        refusal=refusal,
        files=[("HTML", "html"), ("Markdown", "markdown"), ("PDF", "pdf")],
    )


@router.get("/decisions/{decision_id}/letters", response_class=HTMLResponse)
def letters_page(
    request: Request, _caller: Reader, decision_id: str, letters: LettersDep, committee: CommitteeDep
) -> HTMLResponse:
    """Show the letters on a decision, and the form that starts a draft (or a correction of the issued one)."""
    return _letters_page(request, letters, committee, decision_id)


@router.post("/decisions/{decision_id}/letters", response_class=HTMLResponse, response_model=None)
def start_draft(
    request: Request,
    principal: DecisionMaker,
    _form: FormCaller,
    decision_id: str,
    letters: LettersDep,
    committee: CommitteeDep,
    letter_date: Annotated[str, Form()] = "",
    supersedes: Annotated[str, Form()] = "",
) -> Response:
    """Start a draft composed from the decision, then open it for editing."""
    values = {"letter_date": letter_date, "supersedes": supersedes}
    try:
        body = read_form(LetterDraftIn, values, LETTER_WORDS)
        drafted = letters.draft(decision_id, body, actor=principal.actor)
    except (Unusable, LscError) as error:
        if isinstance(error, NotFound) and error.details.get("decision_id"):
            raise
        refused = refusal_of("draft", error, values, shown=["letter_date"])
        return _letters_page(request, letters, committee, decision_id, refused)
    return redirect(request, _path(drafted), "Draft started: edit it, preview it, then issue it.")


@router.get("/letters/{letter_id}", response_class=HTMLResponse)
def letter_page(request: Request, _caller: Reader, letter_id: str, letters: LettersDep) -> HTMLResponse:
    """Show a letter: a draft with its editing form, or an issued letter with its files and their digests."""
    return _letter_page(request, letters, letter_id)


@router.post("/letters/{letter_id}", response_class=HTMLResponse, response_model=None)
async def save_draft(
    request: Request, principal: DecisionMaker, _form: FormCaller, letter_id: str, letters: LettersDep
) -> Response:
    """Save the draft's date and paragraphs as a new revision, then show it again."""
    form = await request.form()
    typed = {
        name.removeprefix(PARAGRAPH): value
        for name, value in form.multi_items()
        if name.startswith(PARAGRAPH) and isinstance(value, str)
    }
    current = (await run_in_threadpool(letters.letter, letter_id)).text.paragraphs
    # Only what was changed is sent: a paragraph the draft leaves empty (no remarks) may stay empty.
    paragraphs = [
        {"key": key, "text": text}
        for key, text in typed.items()
        if " ".join(text.split()) != " ".join(current.get(key, "").split())
    ]
    values: dict[str, Any] = {
        "revision": whole_number(str(form.get("revision", ""))),
        "letter_date": str(form.get("letter_date", "")),
        "paragraphs": paragraphs,
    }
    shown = {**current, **typed}
    try:
        body = read_form(LetterEditIn, values, LETTER_WORDS)
        saved = await run_in_threadpool(letters.edit, letter_id, body, actor=principal.actor)
    except (Unusable, LscError) as error:
        if isinstance(error, NotFound) and error.details.get("letter_id"):
            raise
        refused = refusal_of("edit", error, {**values, "paragraphs": shown}, shown=["letter_date", "paragraphs"])
        return await run_in_threadpool(_letter_page, request, letters, letter_id, refused)
    return redirect(request, _path(saved), f"Draft saved as revision {saved.revision}.")


@router.post("/letters/{letter_id}/issue", response_class=HTMLResponse, response_model=None)
def issue(
    request: Request,
    principal: DecisionMaker,
    _form: FormCaller,
    letter_id: str,
    letters: LettersDep,
    revision: Annotated[str, Form()] = "",
) -> Response:
    """Issue the draft as it stands; it cannot change afterwards."""
    values: dict[str, Any] = {"revision": whole_number(revision)}
    try:
        issued = letters.issue(letter_id, read_form(LetterIssueIn, values, LETTER_WORDS), actor=principal.actor)
    except (Unusable, LscError) as error:
        if isinstance(error, NotFound) and error.details.get("letter_id"):
            raise
        return _letter_page(request, letters, letter_id, refusal_of("issue", error, values, shown=[]))
    return redirect(request, _path(issued), "Letter issued: its files are kept as they are and their digests recorded.")


def _path(letter: LetterView) -> str:
    return f"/letters/{quote(letter.id, safe='')}"
