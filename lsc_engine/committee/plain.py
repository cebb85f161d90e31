"""Rule messages rewritten as a letter's prose: plurals agreed, dates and months in words, no raw codes."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from datetime import date

from lsc_engine.core.words import day_words

#: A count, up to four words, then a noun written with an optional plural: "2 required provider(s)".
_COUNTED = re.compile(r"\b(\d+)((?:\s+[\w/'-]+){0,4}?\s+[\w-]+)\(s\)")
#: Any other optional plural left over: "mitigation(s)".
_OPTIONAL_PLURAL = re.compile(r"\(s\)")
#: Where a clause ends, for the verb after a counted noun.
_CLAUSE_MARK = re.compile(r"[;.]")
#: The verb that follows a counted noun in the same clause, and its singular.
_SINGULAR_VERBS = {"are": "is", "have": "has", "were": "was"}
_DAY = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})\b")
_MONTH = re.compile(r"(?<![\w-])(\d{4})-(0[1-9]|1[0-2])\b(?!-)")
_CATEGORIES = re.compile(r"\bCategory (\d)/(\d)\b")
#: A status or code word joined by underscores (``in_progress``), which a letter writes as words.
_CODE_WORD = re.compile(r"\b([a-z]+(?:_[a-z]+)+)\b")
#: A record's raw status in a message, as older rules wrote it: "the CIO report status is none".
_STATUS_NONE = re.compile(r"\bstatus is none\b")
_HAS_STATUS = re.compile(r"\bhas status ([a-z_]+)\b")
_STANDS_AT_NONE = re.compile(r"\bstands at: none\b")
#: A record's status as the pack gives it, bracketed in a message: "(its status in the pack: submitted)".
_STATUS_IN_PACK = re.compile(r" \(its status in the pack: ([a-z_]+)\)")
#: Each such status of the CIO report, as a letter says it.
_PACK_STATUS_WORDS = {
    "none": " (not yet made available to SSC)",
    "submitted": " (with SSC, not yet reviewed)",
    "reviewed": " (reviewed by SSC, not yet accepted)",
}
#: A sentence's end: a full stop (or ! or ?), perhaps followed by a bracketed tag such as "(provisional)".
_ENDED = re.compile(r"[.!?](\s*\([^()]*\))?$")
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def number_words(count: int) -> str:
    """Write a small count as a word, as a letter does (one to ten); larger ones stay figures."""
    return _NUMBER_WORDS[count] if 0 <= count < len(_NUMBER_WORDS) else str(count)


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """Write a count and its noun agreed: "one risk", "three incidents"."""
    return f"{number_words(count)} {singular if count == 1 else plural or singular + 's'}"


def _agreed_counts(message: str) -> str:
    """Agree each counted noun with its count, and after a count of one the first plural verb of its clause.

    Each counted noun, clause end and verb is found once, and the text is written once: rewriting the whole text for
    each noun made a clause of many counted nouns take time growing with the square of its length.
    """
    if "(s)" not in message:  # no noun to agree: most sentences of a long list name things, and count none
        return message
    ends = [found.start() for found in _CLAUSE_MARK.finditer(message)]
    verbs = {verb: [found.start() for found in re.finditer(rf"\b{verb}\b", message)] for verb in _SINGULAR_VERBS}
    unused = dict.fromkeys(verbs, 0)  # each verb's first occurrence not yet made singular, of those read so far
    edits: list[tuple[int, int, str]] = []
    position, after_word = 0, False
    # A noun made to agree may end in a letter where its "(s)" was: a count right after it starts no word there.
    while (match := _COUNTED.search(message, position + after_word)) is not None:
        count, end = int(match[1]), match.end()
        edits.append((end - 3, end, "" if count == 1 else "s"))
        if count == 1:
            following = bisect_left(ends, end)
            clause_end = ends[following] if following < len(ends) else len(message)
            for verb, starts in verbs.items():
                at = max(unused[verb], bisect_left(starts, end))
                if at < len(starts) and starts[at] < clause_end:
                    edits.append((starts[at], starts[at] + len(verb), _SINGULAR_VERBS[verb]))
                    unused[verb] = at + 1
                    break
        position, after_word = end, count != 1 or not match[2].endswith("-")
    parts: list[str] = []
    written = 0
    for start, stop, replacement in sorted(edits):
        parts += [message[written:start], replacement]
        written = stop
    return "".join(parts) + message[written:]


def _in_words(day: re.Match[str]) -> str:
    return day_words(date(int(day[1]), int(day[2]), int(day[3])))


def _month_words(month: re.Match[str]) -> str:
    return f"{date(int(month[1]), int(month[2]), 1):%B %Y}"


#: The rewrites of a message after its counts agree, in order, each with a piece of text it cannot match without:
#: a sentence without it skips the rewrite (a long list's sentences mostly name things, and need none).
_REWRITES: tuple[tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    ("(s)", _OPTIONAL_PLURAL, "s"),
    ("-", _DAY, _in_words),
    ("-", _MONTH, _month_words),
    ("Category ", _CATEGORIES, r"Category \1 or \2"),
    (" (its status in the pack: ", _STATUS_IN_PACK, lambda m: _PACK_STATUS_WORDS.get(m[1], f" (reported as {m[1]})")),
    ("is reported as reported", re.compile("is reported as reported"), "has reported"),
    ("status is none", _STATUS_NONE, "has not been received"),
    ("stands at: none", _STANDS_AT_NONE, "has not been received"),
    ("has status ", _HAS_STATUS, lambda m: f"is {m[1]}"),
    ("_", _CODE_WORD, lambda m: m[1].replace("_", " ")),
)


def plain(message: str) -> str:
    """Rewrite a rule's message as prose: "1 risk(s) ... are" becomes "1 risk ... is", dates and months in words."""
    text = _agreed_counts(message)
    for needed, pattern, replacement in _REWRITES:
        if needed in text:
            text = pattern.sub(replacement, text)
    return text


def sentences(text: str) -> list[str]:
    """Split prose into its sentences (each keeps its full stop)."""
    return [part.strip() for part in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", text.strip()) if part.strip()]


def sentence_case(text: str) -> str:
    """Start a text with a capital and end it with a full stop."""
    stripped = text.strip()
    if not stripped:
        return stripped
    stripped = stripped[0].upper() + stripped[1:]
    return stripped if _ENDED.search(stripped) else stripped + "."


def lower_first(text: str) -> str:
    """Lower a text's first letter to run it on in a sentence, unless it starts an acronym or a name."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text
