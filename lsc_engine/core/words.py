"""The words and marks people read for ratings, condition kinds, provisional rules and dates, the same everywhere."""

from __future__ import annotations

import functools
import re
from datetime import date

from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import PROVISIONAL, is_provisional

#: Words and marks as well as colour, so the ratings read the same without colour.
MARKS = {
    Rating.GREEN: ("GREEN", "✔", "green"),
    Rating.AMBER: ("AMBER", "▲", "yellow"),
    Rating.RED: ("RED", "✖", "red"),
    Rating.INSUFFICIENT_EVIDENCE: ("INSUFFICIENT", "?", "magenta"),
}

KIND_LABELS = {
    "prerequisite_go_live": "Prerequisite to go-live",
    "prerequisite_migration": "Prerequisite to migration start",
    "ongoing_reporting": "Ongoing reporting",
    "pause_trigger": "Pause trigger",
    "carried_over": "Carried over",
}


#: A criterion's id with its number, e.g. LSC10.4.
_NUMBERED = re.compile(r"^LSC(\d+(?:\.\d+)?)$")
#: Sections of the assessment that carry no LSC number, by id.
SECTION_WORDS = {"RR": "Residual risks"}

#: A rating as a word in a sentence.
RATING_WORDS = {
    Rating.GREEN: "Green",
    Rating.AMBER: "Amber",
    Rating.RED: "Red",
    Rating.INSUFFICIENT_EVIDENCE: "Insufficient evidence",
}


def rating_label(rating: Rating) -> str:
    """Return a rating as a mark and a word."""
    word, mark, _ = MARKS[rating]
    return f"{mark} {word}"


def condition_label(kind: str, carried_over: bool) -> str:
    """Return a condition kind as words, noting a carry-over."""
    label = KIND_LABELS[kind]
    return f"{label} (carried over)" if carried_over else label


#: Set beside every criterion, sub-criterion and rule of the ruleset's own model, in every output.
PROVISIONAL_TAG = "(provisional)"
#: What the tag means, said once wherever it appears.
PROVISIONAL_LEGEND = (
    "Provisional: a criterion, sub-criterion or rule (with its thresholds) of this engine's own model, which "
    "neither the Panel's recorded decisions nor the Smart Energy Code state; weigh it as a working assumption."
)


def tagged(text: str, provisional: bool) -> str:
    """Return a name or a reason with the provisional tag after it when it is the ruleset's own."""
    return f"{text} {PROVISIONAL_TAG}" if provisional else text


def basis_words(basis: str) -> str:
    """Return what a rule rests on, for people: a provisional basis without its leading label."""
    if not is_provisional(basis):
        return basis
    return basis.removeprefix(PROVISIONAL).removeprefix(":").strip() or "this ruleset's own rule"


@functools.lru_cache(maxsize=4096)  # a large pack's hundred thousand records share a few hundred dates
def day_words(day: date) -> str:
    """Write a day as people read it in the Panel's papers: 6 March 2020."""
    return f"{day.day} {day:%B %Y}"


def day_or_month_words(value: str) -> str:
    """Write a day (YYYY-MM-DD) as ``day_words`` does, and a month (YYYY-MM) as July 2019."""
    if len(value) > len("YYYY-MM"):
        return day_words(date.fromisoformat(value))
    return f"{date.fromisoformat(f'{value}-01'):%B %Y}"


def origin_words(body: str, decision: str, on: str, reference: str | None = None) -> str:
    """Say which earlier decision set a condition: what it decided, who decided it and when."""
    named = f"{reference} of {decision}" if reference else decision
    return f"{named} ({body}, {day_or_month_words(on)})"


def criterion_words(criterion: str) -> str:
    """Name a criterion as the Panel's letters do: "LSC 6", "LSC 10.4", "Residual risks"."""
    numbered = _NUMBERED.match(criterion)
    if numbered:
        return f"LSC {numbered.group(1)}"
    return SECTION_WORDS.get(criterion, criterion)
