"""The Panel's letter laid out as HTML, Markdown and PDF, and its confidential appendix as a document of its own."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsc_engine.committee.composition import compose
from lsc_engine.committee.letter_text import GROUP_NAMES, RATING_WORDS, ConfidentialAppendix, LetterText, listed
from lsc_engine.committee.letterhead import load_letterhead
from lsc_engine.committee.printing import pdf as printed
from lsc_engine.committee.views import DecisionView

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: What marks every copy of a letter that the Panel has not issued: a draft, a preview, a letter composed on demand.
DRAFT_MARK = "DRAFT: not issued by the Panel"


class LetterFormat(StrEnum):
    """The forms a letter comes in."""

    HTML = "html"
    MARKDOWN = "markdown"
    PDF = "pdf"


#: The media type of each format.
MEDIA = {
    LetterFormat.HTML: "text/html; charset=utf-8",
    LetterFormat.MARKDOWN: "text/markdown; charset=utf-8",
    LetterFormat.PDF: "application/pdf",
}
#: The file name ending of each format.
SUFFIX = {LetterFormat.HTML: "html", LetterFormat.MARKDOWN: "md", LetterFormat.PDF: "pdf"}


def long_date(value: str | date) -> str:
    """Write a date the way a letter does: 6 March 2020."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day:%B %Y}"


#: Characters that make inline Markdown (emphasis, code, links, images, HTML, tables) wherever they stand.
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]<>|~!&{}])")
#: What makes a block (a heading, a list item, a quotation, a rule) at the start of a line.
_BLOCK_MARKUP = re.compile(r"(^|\n)([ \t]*)([#>+=-]|\d+(?=[.)]))")


def markdown_text(value: object) -> str:
    """Write a value into Markdown as plain text: nothing in it can become a heading, a link, HTML or emphasis."""
    text = _INLINE_MARKUP.sub(r"\\\1", str(value))
    return _BLOCK_MARKUP.sub(lambda m: f"{m[1]}{m[2]}{m[3]}\\" if m[3][0].isdigit() else f"{m[1]}{m[2]}\\{m[3]}", text)


@cache
def _templates(form: LetterFormat) -> Environment:
    """A format's templates, loaded when its first letter is written (commands that write none skip jinja2).

    HTML escapes every value it is given; Markdown writes every value as plain text (``markdown_text``).
    """
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=form is LetterFormat.HTML,
        finalize=markdown_text if form is LetterFormat.MARKDOWN else None,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["long_date"] = long_date
    environment.filters["listed"] = listed
    environment.globals.update(group_names=GROUP_NAMES, rating_words=RATING_WORDS, draft_mark=DRAFT_MARK)
    return environment


def _text(letter: LetterText | DecisionView) -> LetterText:
    """Return a letter's text; a decision alone is composed with the shipped letterhead and no further evidence."""
    return letter if isinstance(letter, LetterText) else compose(letter, load_letterhead())


def _context(letter: LetterText, draft: bool) -> dict[str, Any]:
    return {"letter": letter, "head": letter.letterhead, "p": letter.paragraphs, "draft": draft}


def html(letter: LetterText | DecisionView, *, draft: bool = False) -> str:
    """Lay the letter out as an HTML page; a draft says so at the top of every page."""
    return _templates(LetterFormat.HTML).get_template("letter.html.j2").render(_context(_text(letter), draft))


def markdown(letter: LetterText | DecisionView, *, draft: bool = False) -> str:
    """Lay the letter out as Markdown; a draft says so first."""
    return _templates(LetterFormat.MARKDOWN).get_template("letter.md.j2").render(_context(_text(letter), draft))


def pdf(letter: LetterText | DecisionView, *, draft: bool = False) -> bytes:
    """Lay the letter out as a PDF (A4, fonts embedded)."""
    return printed(html(letter, draft=draft))


def render(letter: LetterText | DecisionView, form: LetterFormat, *, draft: bool = False) -> bytes:
    """Lay the letter out in a given format, as bytes; ``draft`` for any copy the Panel has not issued."""
    if form is LetterFormat.PDF:
        return pdf(letter, draft=draft)
    return (html(letter, draft=draft) if form is LetterFormat.HTML else markdown(letter, draft=draft)).encode()


def render_appendix(appendix: ConfidentialAppendix, form: LetterFormat, *, draft: bool = False) -> bytes:
    """Lay the confidential appendix out in a given format, as bytes; ``draft`` as for the letter."""
    context = {"appendix": appendix, "draft": draft}
    if form is LetterFormat.MARKDOWN:
        return _templates(form).get_template("appendix.md.j2").render(context).encode()
    page = _templates(LetterFormat.HTML).get_template("appendix.html.j2").render(context)
    return printed(page) if form is LetterFormat.PDF else page.encode()


def style_hash(page: str) -> str:
    """Return the CSP source that allows the letter's own inline style block, and nothing else."""
    match = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
    digest = hashlib.sha256((match.group(1) if match else "").encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"
