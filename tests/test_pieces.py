"""Long arrays validated in pieces give exactly the pack that validating the whole document gives, or nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bench.gen import generate
from lsc_engine.core import pieces
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.loading import parse_pack

from .helpers import seed
from .strategies import Doc, packs

#: JSON layouts a pack may come in: compact, indented, spaced, tabbed.
LAYOUTS: list[dict[str, Any]] = [
    {"separators": (",", ":")},
    {"indent": 2},
    {"separators": (" , ", " : ")},
    {"indent": "\t"},
]
#: Text that looks like the structure the cutting looks for, put into records' free text.
STRUCTURAL = st.lists(st.sampled_from([*'{}[],:" \\\nabc', '"incidents":[', "},{", "}]", '\\"']), max_size=8).map(
    "".join
)


@contextmanager
def piece_bytes(size: int) -> Iterator[None]:
    """Cut pieces of about ``size`` bytes for a while (tiny sizes cut nearly every record apart)."""
    before = pieces.PIECE_BYTES
    pieces.PIECE_BYTES = size
    try:
        yield
    finally:
        pieces.PIECE_BYTES = before


def whole(data: bytes) -> EvidencePack | None:
    """What validating the whole document gives: the pack, or None when it is not valid."""
    try:
        return EvidencePack.model_validate_json(data)
    except ValidationError:
        return None


def assert_same(pieced: EvidencePack, entire: EvidencePack) -> None:
    """The same pack: the same values, and the same fields given rather than defaulted."""
    assert pieced.model_dump_json() == entire.model_dump_json()
    assert pieced.model_dump_json(exclude_unset=True) == entire.model_dump_json(exclude_unset=True)


def counted_quotes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Note how many bytes each count of quote marks reads, from now until the test ends."""
    read: list[int] = []
    count = pieces._quotes

    def counted(data: bytes, start: int, end: int) -> int:
        read.append(end - start)
        return count(data, start, end)

    monkeypatch.setattr(pieces, "_quotes", counted)
    return read


def long_lists_in(document: Doc) -> list[list[Any]]:
    """The document's arrays that ``pieces`` may cut, wherever they sit."""
    found = []
    for key, long in pieces.LONG_LISTS.items():
        holder = document if long.section is None else document.get(long.section)
        if isinstance(holder, dict) and isinstance(holder.get(key), list):
            found.append(holder[key])
    return found


def test_the_long_lists_are_the_pack_s_lists_of_records() -> None:
    assert {"incidents", "performance", "defects", "dmcs", "consumer_risks", "residual_risks"} <= set(pieces.LONG_LISTS)
    assert pieces.LONG_LISTS["defects"].section == "testing"
    assert pieces.LONG_LISTS["dmcs"].section == "scope"
    assert pieces.LONG_LISTS["incidents"].section is None


def test_a_generated_pack_is_cut_and_comes_out_the_same() -> None:
    data = json.dumps(generate("medium", 3)).encode()
    pieced = pieces.validate_in_pieces(data)
    assert pieced is not None
    assert_same(pieced, EvidencePack.model_validate_json(data))
    assert_same(parse_pack(data), pieced)
    assert len(pieced.testing.defects or []) == 20_000 if pieced.testing else False


def test_pieces_whose_record_ends_lie_outside_strings_are_not_read_for_quote_marks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every piece's quote marks were counted before it was validated: a pass or two over the whole document.
    read = counted_quotes(monkeypatch)
    data = json.dumps(generate("medium", 3)).encode()
    pieced = pieces.validate_in_pieces(data)
    assert pieced is not None
    assert_same(pieced, EvidencePack.model_validate_json(data))
    assert 0 < sum(read) < len(data) // 20  # the search for the lists' keys, and each array's last piece


@settings(max_examples=200, deadline=None)
@given(packs(), st.sampled_from(LAYOUTS), st.sampled_from([1, 60, 400, 5000]), st.data())
def test_pieces_agree_with_the_whole_document_or_give_up(
    drawn: tuple[Doc, object], layout: dict[str, Any], size: int, data: st.DataObject
) -> None:
    document, _ = drawn
    lists = [items for items in long_lists_in(document) if items and all(isinstance(i, dict) for i in items)]
    tricky = data.draw(st.booleans(), label="tricky text")
    if lists and tricky:
        for items in lists:
            record = items[data.draw(st.integers(0, len(items) - 1), label="record")]
            record["summary"] = data.draw(STRUCTURAL, label="summary")
    if lists and data.draw(st.integers(0, 3), label="break a record") == 0:
        items = lists[data.draw(st.integers(0, len(lists) - 1))]
        record = items[data.draw(st.integers(0, len(items) - 1))]
        record[data.draw(st.sampled_from(["id", "provenance", "unexpected"]))] = data.draw(
            st.sampled_from([5, None, []])
        )
    text = json.dumps(document, **layout).encode()
    with piece_bytes(size):
        pieced = pieces.validate_in_pieces(text)
    entire = whole(text)
    event("cut" if pieced is not None else "whole")
    if entire is None:
        assert pieced is None
        return
    if pieced is not None:
        assert_same(pieced, entire)
    elif size == 1 and any(len(items) > 1 for items in lists):
        raise AssertionError("a valid pack with a list to cut was not cut")


@pytest.mark.parametrize(
    "texts",
    [
        ['},{"id":"INC-X","category":1}', '}]},"incidents":[{', '"},{"', "[[{{}}]]"],  # structure inside strings
        ["C:\\temp\\", '\\"},{', '\\\\"}]', 'say "},{" twice\\'],  # backslashes right before quotes
    ],
)
def test_free_text_shaped_like_structure_is_read_as_text(texts: list[str]) -> None:
    document = seed()
    for record, text in zip(document["incidents"], texts, strict=False):
        record["summary"] = text
    data = json.dumps(document).encode()
    with piece_bytes(1):
        pieced = pieces.validate_in_pieces(data)
    assert pieced is not None
    assert_same(pieced, EvidencePack.model_validate_json(data))
    assert [i.summary for i in pieced.incidents or []][: len(texts)] == texts


def test_a_list_given_twice_is_left_to_the_whole_document() -> None:
    document = seed()
    incidents = json.dumps(document.pop("incidents"))
    text = json.dumps(document)[:-1] + f', "incidents": {incidents}, "incidents": {incidents}' + "}"
    with piece_bytes(1):
        assert pieces.validate_in_pieces(text.encode()) is None


def test_a_list_given_again_under_a_disguised_key_is_left_to_the_whole_document() -> None:
    document = seed()
    incidents = document.pop("incidents")
    first = json.dumps(incidents[:1])
    text = json.dumps(document)[:-1] + f', "incidents": {json.dumps(incidents)}, "\\u0069ncidents": {first}' + "}"
    entire = EvidencePack.model_validate_json(text)
    assert len(entire.incidents or []) == 1  # pydantic keeps the last of the two
    with piece_bytes(1):
        assert pieces.validate_in_pieces(text.encode()) is None


def test_a_list_in_the_wrong_place_is_left_to_the_whole_document() -> None:
    document = seed()
    document["statement"]["incidents"] = document["incidents"]
    data = json.dumps(document).encode()
    with piece_bytes(1):
        assert pieces.validate_in_pieces(data) is None
    assert whole(data) is None


def _real_quotes(data: bytes, start: int, end: int) -> int:
    """Count the quote marks after an even run of backslashes, byte by byte (the reference)."""
    found, run = 0, 0
    for byte in data[start:end]:
        if byte == ord('"') and run % 2 == 0:
            found += 1
        run = run + 1 if byte == ord("\\") else 0
    return found


_QUOTED_BYTES = st.lists(
    st.one_of(st.sampled_from([b'"', b"a", b"}", b"\\"]), st.integers(1, 70).map(lambda n: b"\\" * n)), max_size=40
).map(b"".join)


@settings(max_examples=2000, deadline=None)
@given(_QUOTED_BYTES, st.integers(0, 300), st.integers(0, 300))
def test_quote_marks_are_counted_whatever_the_runs_of_backslashes(data: bytes, start: int, end: int) -> None:
    start, end = min(start, end, len(data)), min(max(start, end), len(data))
    assert pieces._quotes(data, start, end) == _real_quotes(data, start, end)


@settings(max_examples=1000, deadline=None)
@given(_QUOTED_BYTES)
def test_a_string_is_found_to_end_at_its_first_unescaped_quote_mark(data: bytes) -> None:
    ends = [i + 1 for i in range(len(data)) if _real_quotes(data, 0, i + 1) > _real_quotes(data, 0, i)]
    assert pieces._string_end(b"}" + data, 0, 0) == (ends[0] + 1 if ends else len(data) + 1)


def test_a_run_of_a_million_backslashes_is_read_in_one_pass() -> None:
    # Counted once per length of run, this took about a million passes over the megabyte (hours); it is now measured.
    data = b'"' + b"\\" * 1_000_000 + b'"' + b"\\" * 999_999 + b'""'
    assert pieces._quotes(data, 0, len(data)) == 4 - 1  # the quote after the odd run is escaped


def test_records_whose_text_is_full_of_record_ends_are_cut_as_whole_validation_reads_them() -> None:
    # Each "},{" inside a name was tried as a cut, and validated, before the one after the string was reached.
    document = generate("small")
    dmc = document["scope"]["dmcs"][0]
    document["scope"]["dmcs"] = [{**dmc, "id": f"D{n}", "name": "},{" * 1300} for n in range(300)]
    body = json.dumps(document).encode()
    assert len(body) > 1 << 20
    cut = pieces.validate_in_pieces(body)
    assert cut is not None
    assert cut == EvidencePack.model_validate_json(body)


def test_a_string_of_record_ends_is_passed_over_in_one_step(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each "},{" in a string was found, and the quote marks before it counted, one by one: a pack with a 4.5 MB string
    # of them took two seconds to be given up on, and each name of 1,300 of them took 1,300 steps.
    counts = counted_quotes(monkeypatch)
    document = generate("small")
    stated = {"source": "x", "date": "2021-06-05"}
    exclusions = [{"id": f"EXC-{n}", "reason": "held back " + "r" * 60, "provenance": stated} for n in range(9000)]
    exclusions.insert(4000, {"id": "EXC-X", "reason": "},{" * 300_000, "provenance": stated})
    document["scope"]["exclusions"] = exclusions
    assert pieces.validate_in_pieces(json.dumps(document).encode()) is None  # too long a reason: left to the whole
    assert len(counts) < 100

    counts.clear()
    document = generate("small")
    dmc = document["scope"]["dmcs"][0]
    document["scope"]["dmcs"] = [{**dmc, "id": f"D{n}", "name": "},{" * 1300} for n in range(300)]
    body = json.dumps(document).encode()
    cut = pieces.validate_in_pieces(body)
    assert cut is not None
    assert_same(cut, EvidencePack.model_validate_json(body))
    assert len(counts) < 1000  # about one a name


def test_a_record_of_many_strings_with_record_ends_in_them_is_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each "},{" inside a string was tried as a cut, validating the piece up to it: 24,000 strings, 24,000 tries.
    tries: list[int] = []
    validate = pieces._records

    def counted(adapter: Any, data: bytes, start: int, end: int) -> list[Any]:
        tries.append(end - start)
        return validate(adapter, data, start, end)

    monkeypatch.setattr(pieces, "_records", counted)
    document = generate("small")
    stated = {"source": "x", "date": "2021-06-05"}
    exclusions = [{"id": f"EXC-{n}", "reason": "held back " + "r" * 60, "provenance": stated} for n in range(9000)]
    exclusions.insert(900, {"id": "EXC-X", "reason": "r", "provenance": stated, "dmc_ids": ["},{"] * 24_000})
    document["scope"]["exclusions"] = exclusions
    body = json.dumps(document).encode()
    assert len(body) > 1 << 20
    assert pieces.validate_in_pieces(body) is None  # braces are no DMC ids: whole validation names the problem
    assert len(tries) < 100
