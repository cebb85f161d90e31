"""The Panel's letter, generated from a recorded decision: HTML, Markdown and PDF."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsc_engine.core.evidence import Level
from lsc_engine.core.words import PROVISIONAL_LEGEND, PROVISIONAL_TAG

if TYPE_CHECKING:
    from jinja2 import Environment

    from lsc_engine.committee.snapshot import Snapshot
    from lsc_engine.committee.views import DecisionView

TEMPLATES = Path(__file__).resolve().parent / "templates"

GROUP_NAMES = {"TAG": "Testing Advisory Group", "OPSG": "Operations Group", "SSC": "Security Sub-Committee"}

OUTCOMES = {
    "recommend": "The Panel recommends that the DMCs above may be added to the Eligible Product Combinations List.",
    "recommend_with_conditions": (
        "The Panel recommends that the DMCs above may be added to the Eligible Product Combinations List, "
        "subject to the conditions below."
    ),
    "do_not_recommend": (
        "The Panel does not recommend adding the DMCs above to the Eligible Product Combinations List at present."
    ),
}


class LetterFormat(StrEnum):
    """The forms a letter comes in."""

    HTML = "html"
    MARKDOWN = "markdown"
    PDF = "pdf"


def long_date(value: str | date) -> str:
    """Write a date the way a letter does: 6 March 2020."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day:%B %Y}"


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" and {parts[-1]}"


def subject_to(snapshot: Snapshot, numbers: list[int]) -> str:
    """Name attached conditions by their numbers and criteria: "conditions 1 and 2 (on LSC10.4 and LSC10.6)"."""
    noun = "condition" if len(numbers) == 1 else "conditions"
    criteria = sorted({criterion for c in snapshot.conditions if c.number in numbers for criterion in c.criteria})
    on = f" (on {_listed(criteria)})" if criteria else ""
    return f"{noun} {_listed([str(number) for number in numbers])}{on}"


def residual_summary(snapshot: Snapshot) -> str:
    """Say what DCC set out about its residual risks: how many, how likely, how many mitigated."""
    risks = snapshot.residual_risks
    if not risks:
        return "DCC stated no residual risks."
    likelihoods = [level for level in Level if any(r.likelihood == level for r in risks)]
    mitigated = sum(1 for r in risks if r.mitigation)
    noun = "residual risk" if len(risks) == 1 else "residual risks"
    if len(likelihoods) == 1:
        likely = f"{'it' if len(risks) == 1 else 'all'} of {likelihoods[0].value} likelihood"
    else:
        counts = [f"{sum(1 for r in risks if r.likelihood == level)} of {level.value}" for level in likelihoods]
        likely = ", ".join(counts[:-1]) + f" and {counts[-1]} likelihood"
    with_mitigation = "all" if mitigated == len(risks) else str(mitigated)
    return f"DCC set out {len(risks)} {noun} in its statement, {likely}, {with_mitigation} with a mitigation."


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
    return environment


def context(decision: DecisionView) -> dict[str, Any]:
    """Return what the templates fill in: the decision's snapshot, its parts by group, and how to word it."""
    snapshot = decision.snapshot
    notes = [entry for entries in snapshot.annex.values() for entry in entries]
    residual = snapshot.residual_assessments or []
    return {
        **dict(snapshot),
        "annex": {group.value: entries for group, entries in snapshot.annex.items()},
        "accepted_by": {group.value: acceptance for group, acceptance in snapshot.accepted_by.items()},
        "decision_id": decision.id,
        "recorded_at": decision.recorded_at.strftime("%Y-%m-%d %H:%M UTC"),
        "letter_date": long_date(decision.recorded_at.date()),
        "outcome_sentence": OUTCOMES[decision.outcome],
        "group_names": GROUP_NAMES,
        "provisional_tag": PROVISIONAL_TAG,
        # Said once, when a note names a provisional criterion or gives a provisional rule's reason.
        "provisional_legend": PROVISIONAL_LEGEND
        if any(note.provisional or PROVISIONAL_TAG in note.reason for note in notes)
        or any(PROVISIONAL_TAG in view.reason for view in residual)
        else None,
        "residual_summary": residual_summary(snapshot),
        "subject_to": {view.group.value: subject_to(snapshot, view.subject_to) for view in residual if view.subject_to},
    }


def html(decision: DecisionView) -> str:
    """Render the letter as an HTML page."""
    return _templates(LetterFormat.HTML).get_template("letter.html.j2").render(context(decision))


def style_hash(page: str) -> str:
    """Return the CSP source that allows the letter's own inline style block, and nothing else."""
    match = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
    digest = hashlib.sha256((match.group(1) if match else "").encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def markdown(decision: DecisionView) -> str:
    """Render the letter as Markdown."""
    return _templates(LetterFormat.MARKDOWN).get_template("letter.md.j2").render(context(decision))


def pdf(decision: DecisionView) -> bytes:
    """Render the letter as a PDF (A4, fonts embedded)."""
    from weasyprint import HTML  # imported here: loading it costs a second that other commands need not pay

    document: bytes = HTML(string=html(decision)).write_pdf()
    return document


def render(decision: DecisionView, form: LetterFormat) -> bytes:
    """Render the letter in a given format, as bytes."""
    if form is LetterFormat.PDF:
        return pdf(decision)
    return (html(decision) if form is LetterFormat.HTML else markdown(decision)).encode()
