"""Messages: fact values and parameters written for people, and rule templates filled with them."""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping
from functools import lru_cache
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
    if isinstance(value, str) and "_" in value and _CODE.fullmatch(value):
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


_FORMATTER = string.Formatter()

#: What marks a noun written for either number, "risk(s)": the noun is the word, hyphens and all, right before it.
_EITHER = "(s)"
#: A verb right after such a noun, which agrees with it.
_VERB = re.compile(r"(\s+)(were|are|have)\b")
#: A count standing alone: not a category or severity, nor part of a date, a ratio such as 1/2, a decimal or a
#: percentage. Its first digit comes first in the pattern, and what may not stand before it is asked after it (of
#: the characters before that digit): the engine then skips ahead to each digit, rather than trying every place.
_COUNT = re.compile(r"(\d(?<![\w/.:-]\d)(?<!Category \d)(?<!Severity \d)\d*)(?![\w/.%:-])")
_SINGULAR_VERBS = {"were": "was", "are": "is", "have": "has"}
#: The end of a clause: a full stop, semicolon or colon and the space after it.
_CLAUSE_END = re.compile(r"[.;:]\s")


def _is_word(character: str) -> bool:
    """Tell whether a character is one a regular expression's ``\\w`` matches (a letter, digit or underscore)."""
    return character.isalnum() or character == "_"


def _noun_start(text: str, at: int, after: int) -> int:
    """Return where the noun right before ``at`` starts, no earlier than ``after``; ``at`` itself if there is none.

    The noun is the run of word characters and hyphens before ``at`` from its first word character that follows no
    other word character.
    """
    start = at
    while start > after and (text[start - 1] == "-" or _is_word(text[start - 1])):
        start -= 1
    while start < at and not (_is_word(text[start]) and (start == 0 or not _is_word(text[start - 1]))):
        start += 1
    return start


def _agree(text: str) -> str:
    """Write each "noun(s)" for the count before it in its clause: "1 residual risk is", "3 incidents were"."""
    at = text.find(_EITHER)
    if at < 0:
        return text
    # The clause of a noun runs from the last clause end before it: they are found as the nouns are, up to each noun
    # (no clause end runs into a noun, which follows no space), so none after the last noun is looked for.
    clause = scanned = 0
    written: list[str] = []
    copied = 0  # the text before this is written
    free = 0  # a noun starts no earlier than the end of the last one agreed
    # Every count is read once, from a noun's clause or the noun before, whichever is later, to the noun: looking
    # again from its clause's start for each noun made a text of many nouns in one clause (a list of names) take
    # time growing with the square of its length. No count runs into a noun, for a noun follows no word character.
    read = 0
    last: re.Match[str] | None = None  # the last count before the noun being agreed
    while at >= 0:
        noun_at = _noun_start(text, at, free)
        if noun_at == at:  # no noun: the "(s)" stays as it is
            at = text.find(_EITHER, at + 3)
            continue
        for found in _CLAUSE_END.finditer(text, scanned, noun_at):
            clause = found.end()
        scanned = noun_at
        for found in _COUNT.finditer(text, max(read, clause), noun_at):
            last = found
        read = noun_at
        end = at + 3
        verb = _VERB.match(text, end)
        if last is not None and last.start() >= clause:
            one = last.group(1) == "1"
            written += [text[copied:noun_at], text[noun_at:at] if one else text[noun_at:at] + "s"]
            if verb is not None:
                written += [verb.group(1), _SINGULAR_VERBS[verb.group(2)] if one else verb.group(2)]
            copied = verb.end() if verb is not None else end
        free = verb.end() if verb is not None else end
        at = text.find(_EITHER, end)
    written.append(text[copied:])
    return "".join(written)


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill a rule's message template with fact values and parameters, its nouns agreeing with their counts."""
    pieces = _pieces(template)
    if pieces is None:
        return _agree(template.format_map(values))
    return _agree("".join([literal if name is None else literal + values[name] for literal, name in pieces]))


@lru_cache(maxsize=4096)  # a ruleset's templates: the bundled one has about 230
def _pieces(template: str) -> tuple[tuple[str, str | None], ...] | None:
    """Split a template into its texts and the names filled in after each, once per template of the ruleset.

    None when a field asks for more than a value by name (a format, a conversion, an index): ``format_map`` fills it.
    """
    pieces: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in _FORMATTER.parse(template):
        if name is not None and (spec or conversion or not name.isidentifier()):
            return None
        pieces.append((literal, name))
    return tuple(pieces)
