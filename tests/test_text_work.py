"""Texts a hostile pack may hold are read in time that grows with their length, not with its square.

A pack's names and acceptors reach the messages and the reading of who accepted what. Two of those readings took
time growing with the square of a text's length: a 29 KB pack of phase names took 20 s to evaluate, one of
testing issues' acceptors 3.5 s. Each is checked here against the way it was read before (kept below as the
reference), and for the work it does, counted rather than timed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsc_engine.committee import plain
from lsc_engine.core import messages
from lsc_engine.core.evidence import Group
from lsc_engine.core.facts import acceptance
from lsc_engine.core.messages import render
from lsc_engine.core.words import day_words

#: Pieces that messages are made of where nouns meet counts, clauses, dates and ratios.
_PIECES = ["1", "2", "10", " ", ", ", ". ", "; ", ": ", "/", "-", ".", "%", "risk(s)", "day(s)", "a-b(s)", "(s)",
           " were", " are", " have", "Category ", "Severity ", "x", "2020-08-20", "1/2", "98.5"]  # fmt: skip


#: How a noun and its verb were found before, and a count.
_EITHER_BEFORE = re.compile(r"(?<!\w)(\w[\w-]*+)\(s\)(?:(\s+)(were|are|have)\b)?")
_COUNT_BEFORE = re.compile(r"(?<!Category )(?<!Severity )(?<![\w/.:-])(\d+)(?![\w/.%:-])")


def _agreed_before(text: str) -> str:
    """Nouns made to agree as they were before: each noun's clause searched again for its counts."""
    if "(s)" not in text:
        return text
    starts = [found.end() for found in messages._CLAUSE_END.finditer(text)]

    def agreed(match: re.Match[str]) -> str:
        noun_at = match.start()
        clause = starts[bisect_right(starts, noun_at) - 1] if starts and starts[0] <= noun_at else 0
        counts = _COUNT_BEFORE.findall(text, clause, noun_at)
        if not counts:
            return match.group(0)
        noun, space, verb = match.group(1), match.group(2) or "", match.group(3) or ""
        if counts[-1] == "1":
            return noun + space + messages._SINGULAR_VERBS.get(verb, verb)
        return noun + "s" + space + verb

    return _EITHER_BEFORE.sub(agreed, text)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_nouns_agree_as_they_did(text: str) -> None:
    assert render(text, {}) == _agreed_before(text)


#: Characters where a word's edge is easy to misread: letters and digits of other scripts, a superscript, an
#: underscore, a non-breaking space.
_EDGES = ["é", "Ω", "_", "٣", "²", "\u00a0", "x(s)", "((s)", "(s))", "-(s)", "_(s)"]
_ANY_TEXT = st.text(st.characters(blacklist_characters="{}"), max_size=3)  # no braces: a template names a value


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES + _EDGES), _ANY_TEXT), max_size=30).map("".join))
def test_nouns_agree_as_they_did_in_any_script(text: str) -> None:
    assert render(text, {}) == _agreed_before(text)


class _CountingPattern:
    """A compiled pattern that counts the characters its searches are given to read."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.read = 0

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
        end = len(text) if endpos is None else endpos
        self.read += end - pos
        return self.pattern.finditer(text, pos, end)

    def findall(self, text: str, pos: int = 0, endpos: int | None = None) -> list[Any]:
        end = len(text) if endpos is None else endpos
        self.read += end - pos
        return self.pattern.findall(text, pos, end)


def test_a_clause_of_many_nouns_is_read_for_counts_once(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = _CountingPattern(messages._COUNT)
    monkeypatch.setattr(messages, "_COUNT", counting)
    names = ", ".join(f"phase {n} risk(s)" for n in range(2000))  # one clause: a list of names
    written = f"2 phases are incomplete: {names}."
    text = render(written, {})
    assert text.count("risks") == 1999
    assert "phase 1 risk, phase 2 risks" in text
    assert counting.read <= len(written)  # before, each noun's clause was read again up to it: about 37 million


def test_clause_ends_are_looked_for_only_up_to_the_last_noun(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = _CountingPattern(messages._CLAUSE_END)
    monkeypatch.setattr(messages, "_CLAUSE_END", counting)
    tail = " ".join(f"Phase {n} is complete." for n in range(500))  # clauses after the last noun
    written = f"Testing: 1 risk(s) remains. {tail}"
    assert render(written, {}) == f"Testing: 1 risk remains. {tail}"
    assert counting.read == written.index("risk(s)")  # before, every clause end of the message was looked for


_ACCEPTORS = ["DCC", "TAG", "OPSG", "SSC", "the SSC", "supported by OPSG", "SSC subject to its conditions", "x"]
_BETWEEN = [";", ",", "/", "&", "+", " and ", " AND ", " ", "  ", "\t", "", "band"]


def _acceptors_before(text: str) -> list[str]:
    """Split who accepted as it was split before: the spaces around each separator matched with it."""
    return [name for name in re.split(r"\s*(?:[;,/&+]|\band\b)\s*", text.strip(), flags=re.IGNORECASE) if name]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_ACCEPTORS + _BETWEEN), max_size=12).map("".join))
def test_acceptors_are_split_as_they_were(text: str) -> None:
    assert acceptance.acceptors(text) == _acceptors_before(text)
    for group in Group:
        for name in acceptance.acceptors(text):
            rest = re.sub(r"^(?:(?:supported|accepted|agreed) by\s+)?(?:the\s+)?", "", name.strip(), flags=re.I)
            aliases = (group.value.casefold(), *acceptance._NAMES[group])
            before = any(
                rest.casefold().startswith(alias) and acceptance._QUALIFIER.fullmatch(rest.casefold()[len(alias) :])
                for alias in aliases
            )
            assert acceptance.names_group(name, group) == before


def test_a_long_run_of_spaces_is_split_in_one_pass() -> None:
    # Matched with the spaces around a separator, a run of a million spaces was tried again from each of them:
    # about half a million million steps. It is now read once.
    assert acceptance.acceptors("DCC" + " " * 1_000_000 + "and TAG") == ["DCC", "TAG"]
    assert acceptance.acceptors("t" + " " * 1_000_000 + "t") == ["t" + " " * 1_000_000 + "t"]


def _plain_counts_before(message: str) -> str:
    """Counted nouns agreed as the letter's prose agreed them before: the whole text rewritten for each."""
    text, position = message, 0
    while (match := plain._COUNTED.search(text, position)) is not None:
        count, words = int(match[1]), match[2]
        agreed = f"{match[1]}{words}" if count == 1 else f"{match[1]}{words}s"
        rest = text[match.end() :]
        if count == 1:
            clause_end = min((i for i in (rest.find(";"), rest.find(".")) if i >= 0), default=len(rest))
            clause = rest[:clause_end]
            for plural_verb, singular_verb in plain._SINGULAR_VERBS.items():
                found = re.search(rf"\b{plural_verb}\b", clause)
                if found is not None:
                    clause = clause[: found.start()] + singular_verb + clause[found.end() :]
                    break
            rest = clause + rest[clause_end:]
        text = text[: match.start()] + agreed + rest
        position = match.start() + len(agreed)
    return text


_PROSE = ["1", "2", "0", " ", "  ", "a", "risk", "x-", "(s)", " are", " have", " were", "are", ";", ".", "-", "/",
          "'", ", ", "1 a(s)", "2 b(s)"]  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_PROSE), max_size=30).map("".join))
def test_the_letters_counted_nouns_agree_as_they_did(message: str) -> None:
    assert plain._agreed_counts(message) == _plain_counts_before(message)


def test_a_letters_clause_of_many_counted_nouns_is_written_once() -> None:
    # Rewritten whole for each of 200,000 nouns, this 1.4 MB clause cost about 300,000 million characters copied.
    message = "1 a(s) are " * 200_000
    assert plain.plain(message) == "1 a is " * 200_000
    assert _plain_counts_before(message[:1100]) == "1 a is " * 100  # as it was


def _plain_before(message: str) -> str:
    """A message written as prose as before: every rewrite tried on every sentence."""
    text = plain._agreed_counts(message)
    text = plain._OPTIONAL_PLURAL.sub("s", text)
    text = plain._DAY.sub(lambda m: day_words(date(int(m[1]), int(m[2]), int(m[3]))), text)
    text = plain._MONTH.sub(lambda m: f"{date(int(m[1]), int(m[2]), 1):%B %Y}", text)
    text = plain._CATEGORIES.sub(r"Category \1 or \2", text)
    text = plain._STATUS_IN_PACK.sub(lambda m: plain._PACK_STATUS_WORDS.get(m[1], f" (reported as {m[1]})"), text)
    text = text.replace("is reported as reported", "has reported")
    text = plain._STATUS_NONE.sub("has not been received", text)
    text = plain._STANDS_AT_NONE.sub("has not been received", text)
    text = plain._HAS_STATUS.sub(lambda m: f"is {m[1]}", text)
    return plain._CODE_WORD.sub(lambda m: m[1].replace("_", " "), text)


#: Pieces of messages that each of the prose's rewrites reads, and pieces that come close to them.
_REWRITTEN = ["1", "2", " ", "-", "_", "2020-08-20", "2021-13", "2020-02", "x-2020-02-01", "Category 1/2", "Category ",
              " (its status in the pack: submitted)", " (its status in the pack: other_one)", "is reported as reported",
              "status is none", "stands at: none", "has status in_progress", "has status", "in_progress", "risk(s)",
              " are", "(s)", "a_b_c", "_x"]  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_REWRITTEN), max_size=12).map("".join))
def test_the_letters_prose_is_written_as_it_was(message: str) -> None:
    # A rewrite is skipped where its sentence lacks a piece of text the rewrite cannot match without.
    assert plain.plain(message) == _plain_before(message)
