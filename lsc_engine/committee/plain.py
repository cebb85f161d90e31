"""Rule messages rewritten as a letter's prose: plurals agreed, dates and months in words, no raw codes."""

from __future__ import annotations

import re
from datetime import date

from lsc_engine.core.words import day_words

#: A count, up to four words, then a noun written with an optional plural: "2 required provider(s)".
_COUNTED = re.compile(r"\b(\d+)((?:\s+[\w/'-]+){0,4}?\s+[\w-]+)\(s\)")
#: Any other optional plural left over: "mitigation(s)".
_OPTIONAL_PLURAL = re.compile(r"\(s\)")
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


def _agree(match: re.Match[str]) -> tuple[str, int]:
    """Write one counted noun agreed with its count, and return the count."""
    count, words = int(match[1]), match[2]
    return (f"{match[1]}{words}" if count == 1 else f"{match[1]}{words}s"), count


def plain(message: str) -> str:
    """Rewrite a rule's message as prose: "1 risk(s) ... are" becomes "1 risk ... is", dates and months in words."""
    text = message
    position = 0
    while (match := _COUNTED.search(text, position)) is not None:
        agreed, count = _agree(match)
        rest = text[match.end() :]
        if count == 1:
            clause_end = min((i for i in (rest.find(";"), rest.find(".")) if i >= 0), default=len(rest))
            clause = rest[:clause_end]
            for plural_verb, singular_verb in _SINGULAR_VERBS.items():
                found = re.search(rf"\b{plural_verb}\b", clause)
                if found is not None:
                    clause = clause[: found.start()] + singular_verb + clause[found.end() :]
                    break
            rest = clause + rest[clause_end:]
        text = text[: match.start()] + agreed + rest
        position = match.start() + len(agreed)
    text = _OPTIONAL_PLURAL.sub("s", text)
    text = _DAY.sub(lambda m: day_words(date(int(m[1]), int(m[2]), int(m[3]))), text)
    text = _MONTH.sub(lambda m: f"{date(int(m[1]), int(m[2]), 1):%B %Y}", text)
    text = _CATEGORIES.sub(r"Category \1 or \2", text)
    text = _STATUS_IN_PACK.sub(lambda m: _PACK_STATUS_WORDS.get(m[1], f" (reported as {m[1]})"), text)
    text = text.replace("is reported as reported", "has reported")
    text = _STATUS_NONE.sub("has not been received", text)
    text = _STANDS_AT_NONE.sub("has not been received", text)
    text = _HAS_STATUS.sub(lambda m: f"is {m[1]}", text)
    return _CODE_WORD.sub(lambda m: m[1].replace("_", " "), text)


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
