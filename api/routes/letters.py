"""The Panel's letters over HTTP: draft from a decision, edit, preview, issue, read as issued, and verify a copy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict

from api.auth import DecisionMaker, Reader
from api.deps import BodyDep, LettersDep
from api.errors import documented
from api.redacting import RedactingRoute
from api.security import CONTENT_SECURITY_POLICY
from lsc_engine.committee.letter import MEDIA, SUFFIX, LetterFormat, render, render_appendix, style_hash
from lsc_engine.committee.letters import (
    AppendixDocument,
    LetterDocument,
    LetterDraftIn,
    LetterEditIn,
    LetterIssueIn,
    LetterMatch,
    LetterState,
    LetterView,
    file_name,
)
from lsc_engine.errors import Forbidden, NotFound

router = APIRouter(prefix="/v1", tags=["letters"], responses=documented(401, 403, 429), route_class=RedactingRoute)

#: How each format is answered: the letter's own file name, and whether it is shown or saved.
FILES = {"description": "The letter", "content": {media: {} for media in MEDIA.values()}}


def file_response(content: bytes, form: LetterFormat, name: str) -> Response:
    """Answer with a letter's file, with the headers its format needs."""
    headers = {}
    if form is not LetterFormat.HTML:  # read in the browser; the others are saved under the letter's own name
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    if form is LetterFormat.HTML:
        allowed_style = style_hash(content.decode())
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "style-src 'self'", f"style-src 'self' {allowed_style}"
        )
    return Response(content=content, media_type=MEDIA[form], headers=headers)


class LetterFile(LetterDocument):
    """The letter in one format: the file as issued, or the draft laid out now (a preview)."""

    def response(self) -> Response:
        """Send the file."""
        content = self.stored if self.stored is not None else render(self.letter.text, self.format, draft=True)
        dated = self.letter.text.letter_date.isoformat()
        name = f"panel-letter-{dated}-{self.letter.id[:8]}.{SUFFIX[self.format]}"
        return file_response(content, self.format, name)


class AppendixFile(AppendixDocument):
    """The confidential appendix in one format: whole as issued, or the extract its reader may see."""

    def response(self) -> Response:
        """Send the appendix, or refuse a reader entitled to none of it."""
        appendix = self.appendix
        if not appendix.entries:
            if appendix.withheld:
                raise Forbidden(
                    "the confidential appendix is for the Panel and the Sub-Committees whose evidence it holds",
                    details={"letter_id": self.letter.id},
                )
            raise NotFound("this letter has no confidential appendix", details={"letter_id": self.letter.id})
        whole = self.stored is not None and not appendix.withheld
        draft = self.letter.state != LetterState.ISSUED
        content = (
            self.stored if whole and self.stored is not None else render_appendix(appendix, self.format, draft=draft)
        )
        dated = self.letter.text.letter_date.isoformat()
        name = f"panel-letter-{dated}-{self.letter.id[:8]}-confidential-appendix.{SUFFIX[self.format]}"
        return file_response(content, self.format, name)


class Verified(BaseModel):
    """Which issued letters a file is; none when it matches no letter as issued."""

    model_config = ConfigDict(frozen=True)

    matches: list[LetterMatch]


@router.post(
    "/decisions/{decision_id}/letters",
    status_code=201,
    response_model=LetterView,
    responses=documented(400, 404, 409, 422, 503),
)
def create_letter(principal: DecisionMaker, decision_id: str, body: LetterDraftIn, letters: LettersDep) -> LetterView:
    """Start a draft of the Panel's letter on a decision, composed from what was recorded."""
    return letters.draft(decision_id, body, actor=principal.actor)


@router.get("/decisions/{decision_id}/letters", response_model=list[LetterView], responses=documented(404, 503))
def list_letters(_caller: Reader, decision_id: str, letters: LettersDep) -> list[LetterView]:
    """List the letters on a decision, oldest first: drafts, issued letters and their corrections."""
    return letters.letters(decision_id)


@router.get("/letters/{letter_id}", response_model=LetterView, responses=documented(404, 503))
def get_letter(_caller: Reader, letter_id: str, letters: LettersDep) -> LetterView:
    """Return a letter at its latest revision."""
    return letters.letter(letter_id)


@router.patch("/letters/{letter_id}", response_model=LetterView, responses=documented(400, 404, 409, 422, 503))
def edit_letter(principal: DecisionMaker, letter_id: str, body: LetterEditIn, letters: LettersDep) -> LetterView:
    """Edit a draft's date and narrative paragraphs; an issued letter never changes."""
    return letters.edit(letter_id, body, actor=principal.actor)


@router.post("/letters/{letter_id}/issue", response_model=LetterView, responses=documented(400, 404, 409, 422, 503))
def issue_letter(principal: DecisionMaker, letter_id: str, body: LetterIssueIn, letters: LettersDep) -> LetterView:
    """Issue a draft: its files are kept as they are and their digests recorded."""
    return letters.issue(letter_id, body, actor=principal.actor)


@router.get(
    "/letters/{letter_id}/document",
    response_class=Response,
    response_model=None,
    responses={200: FILES, **documented(404, 503)},
)
def get_document(
    _caller: Reader,
    letter_id: str,
    letters: LettersDep,
    format: Annotated[LetterFormat, Query()] = LetterFormat.HTML,
) -> LetterFile:
    """Return the letter in one format: as issued, or a draft's preview."""
    return LetterFile(
        letter=letters.letter(letter_id), format=format, stored=letters.issued_file(letter_id, file_name(format))
    )


@router.get(
    "/letters/{letter_id}/appendix",
    response_class=Response,
    response_model=None,
    responses={200: FILES, **documented(404, 503)},
)
def get_appendix(
    _caller: Reader,
    letter_id: str,
    letters: LettersDep,
    format: Annotated[LetterFormat, Query()] = LetterFormat.HTML,
) -> AppendixFile:
    """Return the letter's confidential appendix, for the Panel and the Sub-Committees whose evidence it holds."""
    stored = letters.issued_file(letter_id, file_name(format, appendix=True))
    return AppendixFile(letter=letters.letter(letter_id), format=format, stored=stored)


@router.post(
    "/letter-verifications",
    response_model=Verified,
    responses={**documented(400, 413, 503)},
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}, "required": True}},
)
def verify_letter(_caller: Reader, body: BodyDep, letters: LettersDep) -> Verified:
    """Say which issued letter a file (PDF, HTML or Markdown, as issued) is; no match means it is not one."""
    return Verified(matches=letters.verify(body))
