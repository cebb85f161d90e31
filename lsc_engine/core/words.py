"""The words and marks people read for ratings and condition kinds, the same in every output."""

from __future__ import annotations

from lsc_engine.core.ruleset import Rating

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


def rating_label(rating: Rating) -> str:
    """Return a rating as a mark and a word."""
    word, mark, _ = MARKS[rating]
    return f"{mark} {word}"


def condition_label(kind: str, carried_over: bool) -> str:
    """Return a condition kind as words, noting a carry-over."""
    label = KIND_LABELS[kind]
    return f"{label} (carried over)" if carried_over else label
