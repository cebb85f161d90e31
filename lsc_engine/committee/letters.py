"""The Panel's letters as records: a draft the secretariat edits, previews and issues; an issued letter never changes.

A draft is composed from a recorded decision (``composition.compose``); each edit of its narrative paragraphs
or its date is a new revision. Issuing lays it out as HTML, Markdown and PDF (and its confidential appendix,
if it has one), keeps those files and records their digests, so that a copy can be checked against the record
(``lsc letter verify``). A correction is a new letter that supersedes the issued one.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StringConstraints

from lsc_engine.committee.inputs import Input, IsoDate, Note, RecordId, blank_is_none
from lsc_engine.committee.letter import SUFFIX, LetterFormat
from lsc_engine.committee.letter_text import ConfidentialAppendix, LetterText


class LetterState(StrEnum):
    """Where a letter stands."""

    DRAFT = "draft"
    ISSUED = "issued"


class LetterView(BaseModel):
    """A letter as it stands: its latest revision, its text, and, once issued, the digests of its files."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="The letter; every revision of a draft and the letter it becomes share it")
    revision: int = Field(description="1 for the draft as composed, then one more for each edit and the issue")
    decision_id: str
    submission_id: str
    state: LetterState
    letter_date: date
    supersedes: str | None = Field(description="The issued letter this one corrects")
    superseded_by: str | None = Field(description="The issued letter that corrects this one")
    actor: str
    recorded_at: datetime
    digests: dict[str, str] = Field(description="The SHA-256 of each file as issued, by file name; empty for a draft")
    editable: dict[str, str] = Field(description="The paragraphs a draft may edit, by key, with what each is")
    text: LetterText


class Paragraph(Input):
    """The new text of one narrative paragraph."""

    key: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    text: Note


class LetterDraftIn(Input):
    """Start a draft of the Panel's letter on a decision."""

    letter_date: IsoDate | None = Field(
        default=None, description="The date the letter bears; default the day the Panel decided"
    )
    supersedes: Annotated[RecordId | None, BeforeValidator(blank_is_none)] = Field(
        default=None, description="The issued letter this draft corrects"
    )


class LetterEditIn(Input):
    """Edit a draft: its date and narrative paragraphs, on the revision the editor was shown."""

    revision: StrictInt = Field(ge=1, description="The revision edited; an edit of an older one is refused")
    letter_date: IsoDate | None = None
    paragraphs: list[Paragraph] = Field(default_factory=list, max_length=100)


class LetterIssueIn(Input):
    """Issue a draft as it stands at a revision."""

    revision: StrictInt = Field(ge=1, description="The revision issued; one edited since is refused")


class LetterMatch(BaseModel):
    """Which issued letter a file is, in which form."""

    model_config = ConfigDict(frozen=True)

    letter_id: str
    decision_id: str
    file: str = Field(description="The file it is: letter.html, letter.md, letter.pdf or appendix.*")
    letter_date: date
    issued_at: datetime
    superseded_by: str | None


def digest(content: bytes) -> str:
    """Return a file's digest as the record keeps it."""
    return "sha256:" + hashlib.sha256(content).hexdigest()


def file_name(form: LetterFormat, *, appendix: bool = False) -> str:
    """Name a letter's file in one format: letter.pdf, appendix.md."""
    return f"{'appendix' if appendix else 'letter'}.{SUFFIX[form]}"


class LetterDocument(BaseModel):
    """A letter in one format, to send once it has been redacted for its reader (its appendix, that is)."""

    model_config = ConfigDict(frozen=True)

    letter: LetterView
    format: LetterFormat
    stored: bytes | None = Field(default=None, description="The file as issued, sent as it was")

    @property
    def submission_id(self) -> str:
        """Return the submission the letter's decision is on (for the record of what was disclosed)."""
        return self.letter.submission_id


class AppendixDocument(LetterDocument):
    """A letter's confidential appendix in one format: whole as issued, or the extract its reader may see."""

    @property
    def appendix(self) -> ConfidentialAppendix:
        """Return the appendix as its reader may see it."""
        return self.letter.text.appendix
