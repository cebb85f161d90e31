"""The input digest: a pack's canonical JSON (pydantic's own), written in parts and hashed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

from pydantic import BaseModel

from lsc_engine.core.evidence import EvidencePack


def input_digest(pack: EvidencePack) -> str:
    """Digest the pack's canonical JSON form: pydantic's JSON of the validated pack (``model_dump_json``)."""
    digest = hashlib.sha256()
    for piece in canonical_json(pack):
        digest.update(piece)
    return "sha256:" + digest.hexdigest()


#: Records serialised at a time when a list is long; the canonical form of a large pack is never whole in memory.
PIECE_RECORDS = 5000


def canonical_json(model: BaseModel, *, piece: int = PIECE_RECORDS) -> Iterator[bytes]:
    """Yield a model's JSON, byte for byte ``model_dump_json()``, in parts of at most about ``piece`` records."""
    fields = list(type(model).model_fields)
    serializer = type(model).__pydantic_serializer__
    if not any(_is_long(getattr(model, name), piece) for name in fields):
        yield serializer.to_json(model)
        return
    for position, name in enumerate(fields):
        value = getattr(model, name)
        yield b"{" if position == 0 else b","
        if not _is_long(value, piece):
            yield serializer.to_json(model, include={name})[1:-1]  # '"name":value' without the braces
        elif isinstance(value, BaseModel):
            yield json.dumps(name).encode() + b":"
            yield from canonical_json(value, piece=piece)
        else:
            head = json.dumps(name).encode() + b":["
            yield head
            for start in range(0, len(value), piece):
                part = model.model_copy(update={name: value[start : start + piece]})
                records = serializer.to_json(part, include={name})[len(head) + 1 : -2]
                yield b"," + records if start else records
            yield b"]"
    yield b"}"


def _is_long(value: object, piece: int) -> bool:
    if isinstance(value, list):
        return len(value) > piece
    if isinstance(value, BaseModel):
        return any(_is_long(getattr(value, name), piece) for name in type(value).model_fields)
    return False
