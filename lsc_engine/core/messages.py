"""Messages: fact values and parameters written for people, and rule templates filled with them."""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Mapping
from typing import Any

from lsc_engine.core.facts import Fact


class _Values(dict[str, str]):
    """Template values, each rendered the first time a template names it; a name with no value reads 'unknown'."""

    def __init__(
        self,
        facts: Mapping[str, Fact] | None = None,
        parameters: Mapping[str, Any] | None = None,
        operands: Mapping[str, frozenset[float]] | None = None,
    ) -> None:
        super().__init__()
        self._facts = facts or {}
        self._parameters = parameters or {}
        self._operands = operands or {}

    def __missing__(self, key: str) -> str:
        # An evaluation's templates name a few of its facts and parameters: render those alone, once each.
        if key in self._facts:
            text = _text(self._facts[key].value, self._operands.get(key, frozenset()))
        elif key in self._parameters:
            text = _text(self._parameters[key])
        else:
            return "unknown"
        self[key] = text
        return text

    def __contains__(self, key: object) -> bool:
        return key in self._facts or key in self._parameters or super().__contains__(key)


#: A value from a list of allowed values (a status, a kind), which reads with spaces for people: "in progress".
_CODE = re.compile(r"[a-z]+(?:_[a-z]+)+")


def _text(value: Any, landmarks: frozenset[float] = frozenset()) -> str:
    if isinstance(value, str) and _CODE.fullmatch(value):
        return value.replace("_", " ")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _number(value, landmarks)
    if isinstance(value, list):
        return "/".join(_text(v, landmarks) for v in value)
    return str(value)


def _number(value: float, landmarks: frozenset[float]) -> str:
    """A measured number to two decimals, or to as many more as it takes to stand where it does against its landmarks.

    Rounded to two places, 97.996 would read "98" beside a target of 98 that it misses: a number is shown with
    more places until it compares with every landmark (the numbers rules compare it with) as the value itself does.
    """
    if (value != 0 and abs(value) < 0.01) or not math.isfinite(value):
        return f"{value:g}"
    for places in range(2, 7):
        text = f"{value:.{places}f}".rstrip("0").rstrip(".")
        shown = float(text)
        if all((shown > mark) - (shown < mark) == (value > mark) - (value < mark) for mark in landmarks):
            return text
    return repr(value)


def template_values(
    facts: Mapping[str, Fact], parameters: Mapping[str, Any], operands: Mapping[str, frozenset[float]]
) -> Mapping[str, str]:
    """Render every fact value and parameter once, for all the templates of an evaluation.

    Parameters are written as they are; a fact's number is rounded unless it would then read as one of the numbers
    (``operands``) a rule compares that fact with.
    """
    return _Values(facts, parameters, operands)


def overlaid(values: Mapping[str, str], later: Mapping[str, str]) -> Mapping[str, str]:
    """Return template values with ``later`` ones in place of those they name."""
    return _Overlaid(values, later)


class _Overlaid(dict[str, str]):
    """Template values read from ``later`` where it names them, else from ``values``."""

    def __init__(self, values: Mapping[str, str], later: Mapping[str, str]) -> None:
        super().__init__()
        self._values = values
        self._later = later

    def __missing__(self, key: str) -> str:
        return self._later[key] if key in self._later else self._values[key]


#: A noun written for either number, "risk(s)", and a verb right after it that agrees with it. A noun starts where a
#: word does and is read whole (``*+``): tried at every letter and given back letter by letter, it cost more than
#: all the rest of writing a message.
_EITHER = re.compile(r"(?<!\w)(\w[\w-]*+)\(s\)(?:(\s+)(were|are|have)\b)?")
#: A count standing alone: not a category or severity, nor part of a date, a ratio such as 1/2, a decimal or a
#: percentage.
_COUNT = re.compile(r"(?<!Category )(?<!Severity )(?<![\w/.:-])(\d+)(?![\w/.%:-])")
_SINGULAR_VERBS = {"were": "was", "are": "is", "have": "has"}
#: The end of a clause: a full stop, semicolon or colon and the space after it.
_CLAUSE_END = re.compile(r"[.;:]\s")


def _agree(text: str) -> str:
    """Write each "noun(s)" for the count before it in its clause: "1 residual risk is", "3 incidents were"."""
    if "(s)" not in text:
        return text
    # Where each clause after the first starts: the clause of a noun runs from the last of these before it.
    starts = [found.end() for found in _CLAUSE_END.finditer(text)]
    # Every count is read once, as far as the last noun: looking again from its clause's start for each noun made a
    # text of many nouns in one clause (a list of names) take time growing with the square of its length.
    counts = _COUNT.finditer(text, 0, text.rindex("(s)"))  # no count after the last noun is read
    ahead = next(counts, None)
    last: re.Match[str] | None = None  # the last count before the noun being agreed

    def agreed(match: re.Match[str]) -> str:
        nonlocal ahead, last
        noun_at = match.start()
        clause = starts[bisect_right(starts, noun_at) - 1] if starts and starts[0] <= noun_at else 0
        while ahead is not None and ahead.start() < noun_at:  # a count before the noun ends before it: no word
            last, ahead = ahead, next(counts, None)
        if last is None or last.start() < clause:
            return match.group(0)
        noun, space, verb = match.group(1), match.group(2) or "", match.group(3) or ""
        if last.group(1) == "1":
            return noun + space + _SINGULAR_VERBS.get(verb, verb)
        return noun + "s" + space + verb

    return _EITHER.sub(agreed, text)


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill a rule's message template with fact values and parameters, its nouns agreeing with their counts."""
    return _agree(template.format_map(values))
