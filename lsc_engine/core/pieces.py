"""Validate a large pack with its long arrays of records read a piece at a time.

pydantic-core parses a whole JSON document into a tree of its own before it validates, and for a large pack
that tree outweighs everything validation then builds (about 2.7 times the document, against 1.8). Here each
long array of records is validated in pieces of about ``PIECE_BYTES``; the rest of the document, with the first
piece of each such array left in place, is validated as a pack; then each list is made whole and validated
again with the section and the pack that hold it, so that whatever they check sees the whole list.

Cutting needs no JSON parser of its own. A quote mark that no backslash escapes opens or closes a string, so a
byte lies outside strings when such quotes before it are even in number. Each cut is then proved by
validation: each piece starts where a record starts, and one that does not end where a record of the same
array ends is not valid JSON. Anything unexpected (a list's key met twice, plainly or spelt with ``\\u`` escapes,
a piece that does not validate, a closing bracket not found where it must be) makes ``validate_in_pieces``
return None, and the caller validates the pack whole, which also names its problems exactly as it always has.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, is_dataclass
from typing import Any, cast

from pydantic import BaseModel, TypeAdapter, ValidationError

from lsc_engine.core.evidence import EvidencePack

#: About how many bytes of records each piece holds. Pieces of 64 KiB validate a medium pack about a tenth faster
#: than pieces of 256 KiB did, and with a lower peak (their trees stay in the processor's caches); a large pack
#: takes as long either way.
PIECE_BYTES = 64 << 10

#: Where a record of a long array ends and the next begins: ``}``, a comma, ``{``.
_BETWEEN_RECORDS = re.compile(rb"\}[ \t\n\r]*,[ \t\n\r]*\{")
#: What the bracket closing an array is found among: strings (skipped whole, their runs of plain characters taken at
#: once and never given back) and brackets.
_STRUCTURE = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')
_SPACE = b" \t\n\r"


@dataclass(frozen=True)
class LongList:
    """A list-of-records field of the pack or of one of its sections, and how to validate its records."""

    section: str | None
    name: str
    records: TypeAdapter[list[Any]]


def _record_type(annotation: Any) -> Any | None:
    """The record type of ``list[Record]`` or ``list[Record] | None``; None for anything else."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _record_type(options[0]) if len(options) == 1 else None
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return item if is_dataclass(item) else None
    return None


def _model_type(annotation: Any) -> type[BaseModel] | None:
    """The model of ``Model`` or ``Model | None``; None for anything else."""
    options = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    kind = options[0]
    return kind if len(options) == 1 and isinstance(kind, type) and issubclass(kind, BaseModel) else None


def _field_names(kind: Any) -> Iterator[str]:
    """Every field name of a model or record type and of all the types inside it."""
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        fields = {name: info.annotation for name, info in kind.model_fields.items()}
    elif isinstance(kind, type) and is_dataclass(kind):
        fields = {name: info.annotation for name, info in kind.__pydantic_fields__.items()}  # type: ignore[attr-defined]
    else:
        for part in typing.get_args(kind):
            yield from _field_names(part)
        return
    for name, annotation in fields.items():
        yield name
        yield from _field_names(annotation)


def _list_of(record: Any) -> TypeAdapter[list[Any]]:
    """A validator of a JSON array of records of one type (``list[record]``, with the type known only now)."""
    return TypeAdapter(cast("type[list[Any]]", types.GenericAlias(list, (record,))))


def long_lists() -> dict[str, LongList]:
    """The list-of-records fields of the pack and its sections, by key; a key used for any other field is left out."""
    found: list[LongList] = []
    for name, info in EvidencePack.model_fields.items():
        if (record := _record_type(info.annotation)) is not None:
            found.append(LongList(None, name, _list_of(record)))
        elif (section := _model_type(info.annotation)) is not None:
            for inner, inner_info in section.model_fields.items():
                if (record := _record_type(inner_info.annotation)) is not None:
                    found.append(LongList(name, inner, _list_of(record)))
    names = list(_field_names(EvidencePack))
    return {long.name: long for long in found if names.count(long.name) == 1}


LONG_LISTS = long_lists()
_KEYS = re.compile(rb'"(' + b"|".join(re.escape(key.encode()) for key in LONG_LISTS) + rb')"[ \t\n\r]*:[ \t\n\r]*\[')


#: A key written with ``\u`` escapes for some of its letters, which could stand for a list's key unseen.
_ESCAPED_KEY = re.compile(
    rb'"(?:[A-Za-z_]|\\u[0-9A-Fa-f]{4})*\\u[0-9A-Fa-f]{4}(?:[A-Za-z_]|\\u[0-9A-Fa-f]{4})*"[ \t\n\r]*:'
)


class _GiveUp(Exception):
    """The document is not one whose cuts can be proved; it is validated whole."""


@dataclass(frozen=True)
class _Cut:
    """A long array: its key, where its first piece ends, its closing ``]``, and its records by piece."""

    key: str
    first_end: int
    end: int
    first: list[Any]
    rest: list[Any]


def validate_in_pieces(data: bytes) -> EvidencePack | None:
    """The pack ``EvidencePack.model_validate_json(data)`` gives, its long arrays validated in pieces; or None."""
    try:
        cuts = _cuts(data)
        if not cuts:
            return None
        skeleton = _without_rest(data, cuts)
        if _ESCAPED_KEY.search(skeleton):  # a second list under a disguised key would be the one pydantic keeps
            return None
        return _whole(EvidencePack.model_validate_json(skeleton), cuts)
    except (_GiveUp, ValidationError):
        return None


#: The longest run of backslashes before a quote mark that ``_quotes`` counts by runs; longer ones are measured.
_COUNTED_RUN = 16


def _quotes(data: bytes, start: int, end: int) -> int:
    """How many quote marks that open or close a string lie between two indexes.

    A quote mark after an odd run of backslashes is escaped. Counting the quote marks after runs of at least one,
    two, three... backslashes (each such count is of whole, separate occurrences) and adding them with alternating
    signs leaves the number after an odd run. That takes a pass for each length up to the longest run, so a quote
    mark after a run longer than ``_COUNTED_RUN`` has its run measured instead.
    """
    real = data.count(b'"', start, end)
    after, sign = b'\\"', -1
    for _ in range(_COUNTED_RUN):
        found = data.count(after, start, end)
        if not found:
            return real
        real += sign * found
        after, sign = b"\\" + after, -sign
    # What is left to add for each quote mark after a longer run: the signs of the lengths from _COUNTED_RUN + 1 to
    # its run's, which sum to one sign when their number is odd and to nothing when it is even.
    at = data.find(after, start, end)
    while at >= 0:
        run = _COUNTED_RUN + 1 + _backslashes_before(data, start, at)
        real += sign * ((run - _COUNTED_RUN) % 2)
        at = data.find(after, at + len(after), end)
    return real


def _backslashes_before(data: bytes, start: int, index: int) -> int:
    """How many backslashes run up to ``index`` (not before ``start``), read in windows that double."""
    run, window = 0, 64
    while True:
        low = max(start, index - run - window)
        chunk = data[low : index - run]
        stripped = len(chunk) - len(chunk.rstrip(b"\\"))
        run += stripped
        if stripped < len(chunk) or low == start:
            return run
        window *= 2


def _string_end(data: bytes, index: int, start: int) -> int:
    """The index just past the quote mark that closes the string ``index`` lies in (the end, if none does).

    The backslashes before the first quote mark at or after ``index`` are counted from ``start`` on.
    """
    low = start
    while (quote := data.find(b'"', index)) >= 0:
        if _backslashes_before(data, low, quote) % 2 == 0:
            return quote + 1
        index = low = quote + 1
    return len(data)


def _cuts(data: bytes) -> list[_Cut]:
    """Find the long arrays of records in document order and validate each in pieces.

    An array with a ``]`` in its first ``PIECE_BYTES`` is taken to be short and left in place, its records
    validated with the rest of the document; so is a long one whose records hold lists. The search for keys goes
    on inside such an array: its records have no field named as a list that is cut (``long_lists`` sees to it).
    """
    cuts: list[_Cut] = []
    seen: set[str] = set()
    position = outside = 0  # ``outside``: an index known to lie outside strings
    while (key := _KEYS.search(data, position)) is not None:
        if _quotes(data, outside, key.start()) % 2:  # inside a string: go on from its end, which is outside
            position = outside = _string_end(data, key.start(), outside)
            continue
        name = key.group(1).decode()
        if name in seen:
            raise _GiveUp(f"{name!r} is a key twice")
        seen.add(name)
        start = _skip_space(data, key.end())
        cut = None if data.find(b"]", start, start + PIECE_BYTES) >= 0 else _cut(data, name, start)
        if cut is None:
            position, outside = start, key.start()
        else:
            cuts.append(cut)
            position = outside = cut.end + 1
    return cuts


def _cut(data: bytes, key: str, start: int) -> _Cut | None:
    """Validate the array of records whose body starts at ``start`` in pieces; None if it fits in one."""
    if data[start : start + 1] != b"{":
        raise _GiveUp("a long array that does not hold records")
    adapter = LONG_LISTS[key].records
    first: list[Any] | None = None
    first_end = -1
    rest: list[Any] = []
    position = start
    look_from = start + PIECE_BYTES
    # A piece is first validated up to the first record end found, without counting quote marks: a brace inside a
    # string leaves the piece ending inside that string, which is not valid JSON. Only when that fails are the quote
    # marks from ``position`` counted, and then for the rest of the piece as the search goes on: a brace after an
    # odd number of them is inside a string, and the search goes on from that string's end without validating the
    # piece up to it (a record may hold many strings with braces in them, or one string of many, and each try
    # would read the piece again).
    counting, quotes, counted = False, 0, position
    while (between := _BETWEEN_RECORDS.search(data, look_from)) is not None:
        if counting:
            quotes += _quotes(data, counted, between.start())  # from a brace: no backslash run is cut in two
            counted = between.start()
        records: list[Any] | None = None
        if not quotes % 2:
            try:
                records = _records(adapter, data, position, between.start() + 1)
            except ValidationError:
                if not counting:  # was that brace inside a string? Count, and go on counting in this piece
                    counting, quotes, counted = True, _quotes(data, position, between.start()), between.start()
                if not quotes % 2:
                    break  # the piece runs past the end of the array (or holds a bad record): the end must lie in it
        if records is None:  # that brace is inside a string: go on from the string's end, which lies outside strings
            look_from = counted = _string_end(data, between.start(), position)
            quotes = 0
            continue
        if first is None:
            first, first_end = records, between.start() + 1
        else:
            rest.extend(records)
        position = between.end() - 1
        look_from = position + PIECE_BYTES
        counting, quotes, counted = False, 0, position
    end, records = _last_piece(data, adapter, position, between.end() if between is not None else len(data))
    if first is None:
        return None
    rest.extend(records)
    return _Cut(key, first_end, end, first, rest)


def _last_piece(data: bytes, adapter: TypeAdapter[list[Any]], start: int, limit: int) -> tuple[int, list[Any]]:
    """Find the ``]`` closing an array before ``limit`` and validate the records from ``start`` up to it.

    The first ``]`` is tried first: when the records before it validate, it is the one (a ``]`` inside a string or
    a record would leave the piece unfinished). Otherwise the brackets are followed one by one.
    """
    end = data.find(b"]", start, limit)
    if end >= 0:
        try:
            return end, _records(adapter, data, start, _trim(data, end))
        except ValidationError:
            pass
    end = _close(data, start, limit - start)
    if end < 0:
        raise _GiveUp("the end of an array was not found where it must be")
    return end, _records(adapter, data, start, _trim(data, end))


def _close(data: bytes, start: int, within: int) -> int:
    """The index of the ``]`` closing the array whose body starts at ``start``, if within so many bytes; else -1."""
    depth = 0
    for token in _STRUCTURE.finditer(data, start, start + within):
        mark = token.group()
        if mark in (b"[", b"{"):
            depth += 1
        elif mark in (b"]", b"}"):
            if depth == 0:
                if mark != b"]":
                    raise _GiveUp("an array closed by a brace")
                return token.start()
            depth -= 1
    return -1


def _records(adapter: TypeAdapter[list[Any]], data: bytes, start: int, end: int) -> list[Any]:
    """Validate the records between two indexes as one JSON array."""
    return adapter.validate_json(b"[" + data[start:end] + b"]")


def _skip_space(data: bytes, index: int) -> int:
    while index < len(data) and data[index] in _SPACE:
        index += 1
    return index


def _trim(data: bytes, end: int) -> int:
    """The index just after the last value before ``end``, leaving whitespace out."""
    while end > 0 and data[end - 1] in _SPACE:
        end -= 1
    return end


def _without_rest(data: bytes, cuts: list[_Cut]) -> bytes:
    """The document with every long array cut back to its first piece."""
    kept: list[bytes] = []
    position = 0
    for cut in cuts:
        kept.append(data[position : cut.first_end])
        position = cut.end
    kept.append(data[position:])
    return b"".join(kept)


def _whole(pack: EvidencePack, cuts: list[_Cut]) -> EvidencePack:
    """Make each cut list whole again and validate the sections and the pack that hold them."""
    values = _given(pack)
    sections: dict[str, dict[str, Any]] = {}
    for cut in cuts:
        long = LONG_LISTS[cut.key]
        holder: BaseModel | None = pack if long.section is None else getattr(pack, long.section)
        if holder is None or getattr(holder, cut.key) != cut.first:  # a key given twice, the last one kept
            raise _GiveUp("the pack holds another list than the one cut")
        whole = [*cut.first, *cut.rest]
        if long.section is None:
            values[cut.key] = whole
        else:
            sections.setdefault(long.section, {})[cut.key] = whole
    for section, lists in sections.items():
        model: BaseModel = getattr(pack, section)
        values[section] = type(model).model_validate({**_given(model), **lists})
    return EvidencePack.model_validate(values)


def _given(model: BaseModel) -> dict[str, Any]:
    """A model's fields that its document gave (defaults stay defaults, as in the document)."""
    return {name: getattr(model, name) for name in model.model_fields_set}
