"""The letter's text as parts: what the Panel's letter says, before it is laid out as HTML, Markdown or PDF.

Nothing confidential is in the letter itself: each confidential matter is an entry of its confidential appendix,
shown only to the groups owning it and the Panel. The narrative paragraphs are kept by key, so that the
secretariat can edit them in a draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field

from lsc_engine.committee.letterhead import Letterhead
from lsc_engine.core.evaluation import Evaluation, Finding
from lsc_engine.core.evidence import EvidencePack, Group, Item, iter_items
from lsc_engine.core.rating import Rating
from lsc_engine.core.words import day_words

GROUP_NAMES = {
    Group.TAG: "Testing Advisory Group",
    Group.OPSG: "Operations Group",
    Group.SSC: "Security Sub-Committee",
}
RATING_WORDS = {
    Rating.GREEN: "Green",
    Rating.AMBER: "Amber",
    Rating.RED: "Red",
    Rating.INSUFFICIENT_EVIDENCE: "insufficient evidence",
}
ROMAN = ("I", "II", "III", "IV", "V")

#: The narrative paragraphs a draft may edit, besides one per annex note (``annex:<criterion>/<group>``).
EDITABLE = {
    "correction": "The sentence saying which letter a correction replaces",
    "opening": "The opening paragraph: what the Panel considered and when",
    "determination": "The Panel's determination",
    "remarks": "The Panel's remarks",
    "testing": "TAG's paragraph on the test phases (Annex 1)",
    "residual": "The paragraph on the residual risks (Annex 1)",
}


class Text(BaseModel):
    """Base of the letter's parts: frozen, nothing it does not know."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ConditionLine(Text):
    """A condition as the letter lists it."""

    number: int
    kind: str = Field(description="The condition's kind in words")
    owner: Group
    text: str
    due: str
    origin: str | None = Field(default=None, description="The earlier decision it comes from, in words")
    carried_over: bool = False


class AnnexNote(Text):
    """The Panel's note on one criterion of one group: a heading and the key of its paragraph."""

    key: str
    heading: str
    rating: Rating


class AnnexGroup(Text):
    """One sub-committee's notes in Annex 1."""

    group: Group
    name: str
    notes: list[AnnexNote]


class AppendixEntry(Text):
    """A confidential matter the letter leaves to its appendix, shown only to its owners and the Panel."""

    ref: str = Field(description="What the matter is, for the record of who was shown it")
    heading: str
    text: str
    owners: list[Group]


class ConfidentialAppendix(Text):
    """The letter's confidential appendix: its own document, for the groups owning each entry and the Panel."""

    title: str
    letter_date: date
    subject: str
    panel: str
    distribution: list[str]
    entries: list[AppendixEntry]
    withheld: int = Field(default=0, description="Entries left out because the reader may not see them")


class LetterText(Text):
    """Everything the Panel's letter says, composed, before it is laid out as HTML, Markdown or PDF."""

    decision_id: str
    submission_id: str
    letterhead: Letterhead
    letter_date: date
    subject: str
    paragraphs: dict[str, str] = Field(description="The narrative paragraphs by key; a draft may edit them")
    dmcs: list[str]
    dmcs_in_appendix: int
    held_back: list[str]
    carried_over: list[ConditionLine]
    conditions: list[ConditionLine]
    conditions_in_appendix: list[str] = Field(description="Sentences naming conditions set out in the appendix")
    go_live_note: str | None = Field(description="What the prerequisites to go-live mean for the recommendation")
    report: str
    resolutions: list[str]
    contact: str
    annex_intro: str
    annex: list[AnnexGroup]
    provisional_legend: str | None
    appendix_note: str | None
    appendix: ConfidentialAppendix

    def paragraph(self, key: str) -> str:
        """Return a narrative paragraph, or nothing when the letter has none under that key."""
        return self.paragraphs.get(key, "")

    def numbered_conditions(self) -> list[ConditionLine]:
        """Return every condition the letter states, carried over or not, in the order of their numbers."""
        return sorted([*self.carried_over, *self.conditions], key=lambda c: c.number)

    def conditions_heading(self) -> str:
        """Introduce the numbered conditions, saying how many were carried over from earlier decisions."""
        total, carried = len(self.carried_over) + len(self.conditions), len(self.carried_over)
        head = "The condition" if total == 1 else "The conditions"
        if carried == 0:
            return f"{head}:"
        if total == 1:
            return f"{head}, carried over from an earlier decision and still unmet:"
        which = "one of them" if carried == 1 else f"{carried} of them"
        return f"{head}, {which} carried over from an earlier decision and still unmet:"


def corrected(fresh: LetterText, issued: LetterText, *, dated: date | None) -> LetterText:
    """Start a correction from the issued letter's edited words, saying first which letter it replaces.

    The facts (conditions, annex, scope) are composed afresh from the decision; the narrative paragraphs the
    secretariat edited, and the letter's date unless a new one is given, carry over from the letter corrected.
    """
    replaces = (
        f"This letter corrects and replaces the Panel's letter of {day_words(issued.letter_date)} on this decision."
    )
    paragraphs = {**fresh.paragraphs, **issued.paragraphs, "correction": replaces}
    return fresh.model_copy(update={"paragraphs": paragraphs, "letter_date": dated or issued.letter_date})


@dataclass(frozen=True)
class Evidence:
    """What the decision was taken on: the pack, its evaluation, and which groups own each section's items."""

    pack: EvidencePack
    evaluation: Evaluation
    section_owners: Mapping[str, frozenset[Group]] = field(default_factory=dict)

    def items(self) -> Mapping[str, tuple[str, Item]]:
        """Return the pack's evidence items by id, each with its section."""
        return self._items

    @cached_property
    def _items(self) -> Mapping[str, tuple[str, Item]]:
        # Built once a letter: each annex note reads it twice, and a large pack has hundreds of thousands of items.
        found: dict[str, tuple[str, Item]] = {}
        for path, item in iter_items(self.pack):
            found.setdefault(item.id, (path.split("[", 1)[0], item))
        return MappingProxyType(found)

    def findings(self, criterion: str, group: Group) -> list[Finding]:
        """Return the findings not rated Green of one cell of the evaluation."""
        for cell in self.evaluation.ratings:
            if (cell.criterion, cell.group) == (criterion, group):
                return [finding for finding in cell.findings if finding.rating != Rating.GREEN]
        return []


def listed(parts: list[str], conjunction: str = "and") -> str:
    """Join words as a sentence lists them: "A, B and C"."""
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" {conjunction} {parts[-1]}"


def criterion_words(criterion: str) -> str:
    """Write a criterion id as a letter does: LSC 10.4."""
    return criterion.replace("LSC", "LSC ", 1) if criterion.startswith("LSC") else criterion


def edited(text: LetterText, paragraphs: Mapping[str, str], letter_date: date | None) -> LetterText:
    """Return a letter with some narrative paragraphs rewritten and, if given, a new date."""
    dated = letter_date or text.letter_date
    return text.model_copy(
        update={
            "paragraphs": {**text.paragraphs, **paragraphs},
            "letter_date": dated,
            "appendix": text.appendix.model_copy(update={"letter_date": dated}),
        }
    )


def editable(text: LetterText) -> dict[str, str]:
    """Name each paragraph of a letter that a draft may edit, in the order the letter reads."""
    names = {key: label for key, label in EDITABLE.items() if key in text.paragraphs}
    ordered: dict[str, str] = {
        key: names[key] for key in ("correction", "opening", "determination", "remarks", "testing") if key in names
    }
    for group in text.annex:
        for note in group.notes:
            ordered[note.key] = f"Annex 1, {group.group.value}: {note.heading}"
    if text.paragraphs.get("residual"):
        ordered["residual"] = names["residual"]
    return ordered
