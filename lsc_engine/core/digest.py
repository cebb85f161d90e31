"""The input digest: a pack's canonical JSON (pydantic's own), written in parts and hashed."""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Iterator

import msgspec
from pydantic import BaseModel

from lsc_engine.core.evidence import EvidencePack

#: The digests taken as packs were read, by the ``id`` of the pack object; an entry goes when its pack does. A copy
#: of a pack (which may have been changed) is another object, and is digested afresh.
_TAKEN: dict[int, str] = {}


def input_digest(pack: EvidencePack) -> str:
    """Return the pack's input digest: the one taken when it was read (``take_digest``), or else taken now."""
    taken = _TAKEN.get(id(pack))
    return taken if taken is not None else digest_of(pack)


def take_digest(pack: EvidencePack) -> str:
    """Digest a pack as it is read and keep the digest while the pack lives, for every evaluation of it to use."""
    digest = digest_of(pack)
    _TAKEN[id(pack)] = digest
    weakref.finalize(pack, _TAKEN.pop, id(pack), None)
    return digest


def digest_of(pack: EvidencePack) -> str:
    """Digest the pack's canonical JSON form: pydantic's JSON of the validated pack (``model_dump_json``)."""
    digest = hashlib.sha256()
    for piece in canonical_json(pack):
        digest.update(piece)
    return "sha256:" + digest.hexdigest()


#: Records serialised at a time when a list is long; the canonical form of a large pack is never whole in memory.
PIECE_RECORDS = 5000


def _section_fields(value: object) -> dict[str, object]:
    """Give msgspec a section (a pydantic model) as its fields in declared order, as pydantic writes them."""
    if isinstance(value, BaseModel):
        return {name: getattr(value, name) for name in type(value).model_fields}
    raise TypeError(f"no canonical JSON for {type(value).__name__}")


# msgspec writes the pack's records (slotted dataclasses), dates, UTC times, enums, texts and numbers byte for byte
# as pydantic does, two to three times faster; the one difference, an exponent's sign in floats of 1e16 and more,
# cannot arise: every number in a pack is bounded well below (``tests/test_digest.py`` checks both).
_ENCODER = msgspec.json.Encoder(enc_hook=_section_fields)


def canonical_json(model: BaseModel, *, piece: int = PIECE_RECORDS) -> Iterator[bytes]:
    """Yield a model's JSON, byte for byte ``model_dump_json()``, in parts of at most about ``piece`` records."""
    fields = list(type(model).model_fields)
    if not any(_is_long(getattr(model, name), piece) for name in fields):
        yield _ENCODER.encode(model)
        return
    for position, name in enumerate(fields):
        value = getattr(model, name)
        yield b"{" if position == 0 else b","
        yield _ENCODER.encode(name) + b":"
        if isinstance(value, BaseModel):
            yield from canonical_json(value, piece=piece)
        elif not _is_long(value, piece):
            yield _ENCODER.encode(value)
        else:
            assert isinstance(value, list)
            yield b"["
            for start in range(0, len(value), piece):
                records = _ENCODER.encode(value[start : start + piece])[1:-1]
                yield b"," + records if start else records
            yield b"]"
    yield b"}"


def _is_long(value: object, piece: int) -> bool:
    if isinstance(value, list):
        return len(value) > piece
    if isinstance(value, BaseModel):
        return any(_is_long(getattr(value, name), piece) for name in type(value).model_fields)
    return False
