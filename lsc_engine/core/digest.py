"""The input digest: a pack's canonical JSON (pydantic's own), written (in parts, for a large pack) and hashed."""

from __future__ import annotations

import hashlib
import weakref

from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.model_json import model_json, model_json_pieces

#: The digests taken as packs were read, by the ``id`` of the pack object; an entry goes when its pack does. A copy
#: of a pack (which may have been changed) is another object, and is digested afresh.
_TAKEN: dict[int, str] = {}


def input_digest(pack: EvidencePack) -> str:
    """Return the pack's input digest: the one taken when it was read (``take_digest``), or else taken now."""
    taken = _TAKEN.get(id(pack))
    return taken if taken is not None else digest_of(pack)


def take_digest(pack: EvidencePack, *, whole: bool = False) -> str:
    """Digest a pack as it is read and keep the digest while the pack lives, for every evaluation of it to use.

    ``whole``: the pack was read from a small document, so its canonical form is written at once (``digest_of``).
    """
    digest = digest_of(pack, whole=whole)
    _TAKEN[id(pack)] = digest
    weakref.finalize(pack, _TAKEN.pop, id(pack), None)
    return digest


def digest_of(pack: EvidencePack, *, whole: bool = False) -> str:
    """Digest the pack's canonical JSON form: pydantic's JSON of the validated pack (``model_dump_json``).

    The form is written in parts, so that a large pack's is never whole in memory; with ``whole`` it is written at
    once, which for a small pack saves looking for long lists.
    """
    if whole:
        return "sha256:" + hashlib.sha256(model_json(pack)).hexdigest()
    digest = hashlib.sha256()
    for piece in model_json_pieces(pack):
        digest.update(piece)
    return "sha256:" + digest.hexdigest()
