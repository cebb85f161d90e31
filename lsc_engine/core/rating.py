"""Ratings and their order: the evaluation core compares them on every cell, so this module is compiled."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Rating(StrEnum):
    """A proposed or decided rating, from best to worst."""

    GREEN = "green"
    AMBER = "amber"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"
    RED = "red"

    @property
    def severity(self) -> int:
        """Rank the rating: higher is worse."""
        return _SEVERITY[self]


_SEVERITY = {Rating.GREEN: 0, Rating.AMBER: 1, Rating.INSUFFICIENT_EVIDENCE: 2, Rating.RED: 3}
#: The ratings by severity, best first: ``_BY_SEVERITY[rating.severity] is rating``.
_BY_SEVERITY = tuple(sorted(_SEVERITY, key=_SEVERITY.__getitem__))


def worst(ratings: Iterable[Rating]) -> Rating:
    """Return the worst of some ratings; green if there are none."""
    found = 0  # a loop rather than max(map(...), default=0), whose keyword compiled code passes the slow way
    for rating in ratings:
        found = max(found, _SEVERITY[rating])
    return _BY_SEVERITY[found]
