"""A model's JSON, byte for byte what pydantic's ``model_dump_json()`` writes, written by msgspec.

msgspec writes records (slotted or plain dataclasses), dates, UTC times, enums, texts, integers and bounded
numbers exactly as pydantic does, two to three times faster: pydantic reads every enum's value through Python.
The one difference, an exponent's sign in floats of 1e16 and more, cannot arise in a pack (``tests/test_digest.py``
checks that every number in its schema is bounded) nor in an evaluation, which holds no floats. Models (the pack's
sections, an evaluation's parts) are handed to msgspec as the fields they hold, which pydantic writes in the order
held.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
from pydantic import BaseModel


def _fields(value: object) -> dict[str, object]:
    """Give msgspec a model as pydantic writes it: the fields it holds, in the order held, and nothing else."""
    if not isinstance(value, BaseModel):
        raise TypeError(f"no JSON for {type(value).__name__}")
    held: dict[str, object] = value.__dict__
    declared = type(value).__pydantic_fields__
    if held.keys() == declared.keys():
        return held
    # A copy given a key of no field, or a cached property once read, holds more than pydantic writes.
    return {name: field for name, field in held.items() if name in declared}


_ENCODER = msgspec.json.Encoder(enc_hook=_fields)


def model_json(model: BaseModel) -> bytes:
    """Return a model's JSON, byte for byte ``model_dump_json()``."""
    return _ENCODER.encode(model)


#: Records written at a time when a list is long: a pack's JSON is then never whole in memory, nor much of it.
PIECE_RECORDS = 1000


def model_json_pieces(model: BaseModel, *, piece: int = PIECE_RECORDS) -> Iterator[bytes | memoryview]:
    """Yield a model's JSON, byte for byte ``model_dump_json()``, in parts of at most about ``piece`` records.

    A part may be a view of the bytes msgspec wrote (a list's records without its brackets), which is not copied.
    """
    fields = _fields(model)
    if not any(_is_long(value, piece) for value in fields.values()):
        yield _ENCODER.encode(model)
        return
    for position, (name, value) in enumerate(fields.items()):
        yield b"{" if position == 0 else b","
        yield _ENCODER.encode(name) + b":"
        if isinstance(value, BaseModel):
            yield from model_json_pieces(value, piece=piece)
        elif not _is_long(value, piece):
            yield _ENCODER.encode(value)
        else:
            assert isinstance(value, list)
            yield b"["
            for start in range(0, len(value), piece):
                if start:
                    yield b","
                yield memoryview(_ENCODER.encode(value[start : start + piece]))[1:-1]
            yield b"]"
    yield b"}"


def _is_long(value: object, piece: int) -> bool:
    if isinstance(value, list):
        return len(value) > piece
    if isinstance(value, BaseModel):
        return any(_is_long(field, piece) for field in _fields(value).values())
    return False
