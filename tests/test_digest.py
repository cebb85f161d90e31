"""The input digest's canonical form: pydantic's JSON of the validated pack, byte for byte, however it is written."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from hypothesis import given, settings

from lsc_engine.core.digest import digest_of, input_digest
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.loading import parse_pack
from lsc_engine.core.model_json import model_json_pieces

from .helpers import schema_numbers, seed
from .strategies import Doc, packs

#: The smallest float whose JSON differs between pydantic ("1e+16") and msgspec ("1e16").
FIRST_DIFFERING_FLOAT = 1e16


@settings(max_examples=150, deadline=None)
@given(packs())
def test_model_json_is_pydantics_json_of_any_valid_pack(drawn: tuple[Doc, date]) -> None:
    document, _ = drawn
    pack = parse_pack(json.dumps(document).encode())
    whole = pack.model_dump_json().encode()
    for piece in (1, 3, 5000):
        assert b"".join(model_json_pieces(pack, piece=piece)) == whole
    digest = "sha256:" + hashlib.sha256(whole).hexdigest()
    assert digest_of(pack, whole=True) == digest_of(pack) == input_digest(pack) == digest


def test_every_number_a_pack_holds_is_written_alike_by_both_serialisers() -> None:
    unbounded = [path for path, node in schema_numbers(EvidencePack.model_json_schema()) if not _bounded(node)]
    assert unbounded == [], f"floats at {unbounded} could reach {FIRST_DIFFERING_FLOAT}: digest them with pydantic"


def test_the_digest_ignores_key_order_and_whitespace_but_not_a_value() -> None:
    document = seed()
    reordered = json.loads(json.dumps(document), object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    changed = seed()
    changed["statement"]["summary"] = "A different summary."
    first = input_digest(parse_pack(json.dumps(document).encode()))
    assert input_digest(parse_pack(json.dumps(reordered, indent=3).encode())) == first
    assert input_digest(parse_pack(json.dumps(changed).encode())) != first


def _bounded(node: dict[str, Any]) -> bool:
    top = node.get("maximum", node.get("exclusiveMaximum"))
    bottom = node.get("minimum", node.get("exclusiveMinimum"))
    return top is not None and bottom is not None and max(abs(top), abs(bottom)) < FIRST_DIFFERING_FLOAT
