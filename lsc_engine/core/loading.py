"""Read an evidence pack from JSON or YAML bytes, naming every problem by its JSON path."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lsc_engine.core import safe_yaml
from lsc_engine.core.digest import take_digest
from lsc_engine.core.evidence import EvidencePack, item_groups, iter_items
from lsc_engine.core.pieces import validate_in_pieces
from lsc_engine.core.repeats import check_repeats
from lsc_engine.core.text import ADDRESSABLE, NOT_ADDRESSABLE, NOT_PRINTABLE, PRINTABLE
from lsc_engine.errors import MOST_PROBLEMS_LISTED, InvalidPack, MalformedPack, PayloadTooLarge, Problem

#: The smallest pack (in bytes) whose long arrays are validated in pieces (``pieces.validate_in_pieces``) and whose
#: canonical form is digested in pieces (``digest.digest_of``).
PIECES_FROM_BYTES = 1 << 20

#: The smallest pack (in bytes) built with the cycle collector held off; see ``gc_paused``.
GC_PAUSE_BYTES = 1 << 20

_GC_LOCK = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def gc_paused(pack_bytes: int) -> Iterator[None]:
    """Hold off Python's cycle collector while a pack this large is validated (and, in the service, evaluated).

    A large pack becomes hundreds of thousands of objects, none of them in a reference cycle; while they pile
    up, the collector walks all of them again and again, which made validation take about a third longer.
    Reference counting still frees everything as usual. Pauses nest and overlap across threads: the collector
    runs again when the last of them ends, if it ran before the first began. Packs under ``GC_PAUSE_BYTES``
    make too few objects for the collector to matter, and pausing it for each of many small requests would,
    under steady load, leave it paused all the time.
    """
    global _gc_pauses, _gc_was_enabled
    if pack_bytes < GC_PAUSE_BYTES:
        yield
        return
    with _GC_LOCK:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def json_path(location: Sequence[int | str]) -> str:
    """Render a pydantic error location as a JSON path, e.g. ``incidents[3].resolved``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "$"


#: How pydantic names an unknown field: in a model (a pack section), and in a dataclass (a record).
_UNKNOWN_FIELD = frozenset({"extra_forbidden", "unexpected_keyword_argument"})


#: Patterns whose breach is told in words rather than by quoting the regular expression.
_PATTERN_WORDS = {PRINTABLE: NOT_PRINTABLE, ADDRESSABLE: NOT_ADDRESSABLE}


def _problems(error: ValidationError) -> list[Problem]:
    problems = []
    for detail in error.errors(include_url=False):
        location = [part for part in detail["loc"] if not _is_union_tag(part)]
        if detail["type"] in _UNKNOWN_FIELD:
            message = "unknown field; it is not part of the evidence pack schema"
        elif detail["type"] == "string_pattern_mismatch" and detail.get("ctx", {}).get("pattern") in _PATTERN_WORDS:
            message = _PATTERN_WORDS[detail["ctx"]["pattern"]]
        else:
            message = str(detail["msg"]).removeprefix("Value error, ")
        problems.append(Problem(json_path(location), message))
    return problems


def _is_union_tag(part: int | str) -> bool:
    """Tell pydantic's union-branch labels (e.g. ``function-after[...]``) from field names."""
    return isinstance(part, str) and ("[" in part or part in {"list", "none"})


def _invalid(
    problems: Iterable[Problem], source: str, *, malformed: bool = False, listed: int | None = MOST_PROBLEMS_LISTED
) -> InvalidPack:
    """Refuse a pack for its problems: the first ``listed`` of them, and in ``details.unlisted`` how many more."""
    found = list(problems)
    if malformed:
        return MalformedPack(f"{source} is not well-formed: {found[0].message}", problems=found)
    noun = "problem" if len(found) == 1 else "problems"
    message = f"{source} is not a valid evidence pack: {len(found)} {noun}"
    if listed is None or len(found) <= listed:
        return InvalidPack(message, problems=found)
    return InvalidPack(message, problems=found[:listed], details={"unlisted": len(found) - listed})


def parse_pack(
    data: bytes,
    *,
    source: str = "the pack",
    yaml_allowed: bool = True,
    max_items: int | None = None,
    listed: int | None = MOST_PROBLEMS_LISTED,
) -> EvidencePack:
    """Validate JSON (or, failing that and allowed, YAML) bytes into a new evidence pack of at most ``max_items``.

    A refusal lists at most ``listed`` problems (None: all of them) and counts the rest in ``details.unlisted``.
    """
    with gc_paused(len(data)):
        return _parse_pack(data, source, yaml_allowed, max_items, new=True, listed=listed)


def read_stored_pack(text: str) -> EvidencePack:
    """Read a pack the store accepted earlier, which a rule made since for new packs does not refuse."""
    data = text.encode()
    with gc_paused(len(data)):
        return _parse_pack(data, "the stored pack", False, None, new=False, listed=MOST_PROBLEMS_LISTED)


def _parse_pack(
    data: bytes, source: str, yaml_allowed: bool, max_items: int | None, *, new: bool, listed: int | None
) -> EvidencePack:
    stripped = data.lstrip()
    if stripped.startswith(b"{") or not yaml_allowed:
        try:
            pieced = validate_in_pieces(data) if len(data) >= PIECES_FROM_BYTES else None
            pack = pieced if pieced is not None else EvidencePack.model_validate_json(data)
        except ValidationError as error:
            malformed = any(detail["type"] == "json_invalid" for detail in error.errors(include_url=False))
            raise _invalid(_problems(error), source, malformed=malformed, listed=listed) from None
    else:
        pack = _parse_yaml(data, source, listed)
    if max_items is not None:
        count = sum(len(items) for _, _, items in item_groups(pack))
        if count > max_items:
            raise PayloadTooLarge(
                f"{source} holds {count} evidence items; the limit is {max_items}",
                details={"items": count, "limit": max_items},
            )
    problems = check_consistency(pack) + (check_repeats(pack) if new else [])
    if problems:
        raise _invalid(problems, source, listed=listed)
    take_digest(pack, whole=len(data) < PIECES_FROM_BYTES)
    return pack


def _parse_yaml(data: bytes, source: str, listed: int | None) -> EvidencePack:
    try:
        document: Any = safe_yaml.load(data)
    except safe_yaml.YamlRefused as refused:
        raise _invalid([refused.problem], source) from None
    if not isinstance(document, dict):
        raise _invalid([Problem("$", "the pack must be a JSON or YAML object")], source)
    # Validate YAML through its JSON form, so that both formats obey exactly the same rules.
    try:
        as_json = json.dumps(document, default=_iso)
    except (TypeError, ValueError) as error:
        raise _invalid([Problem("$", f"not representable as JSON: {error}")], source) from None
    try:
        return EvidencePack.model_validate_json(as_json)
    except ValidationError as error:
        raise _invalid(_problems(error), source, listed=listed) from None


def _iso(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def read_pack(path: Path) -> EvidencePack:
    """Read and validate an evidence pack file."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidPack(f"cannot read {path}: {error.strerror}", problems=[Problem("$", str(error))]) from None
    return parse_pack(data, source=str(path), yaml_allowed=path.suffix.lower() != ".json")


def check_consistency(pack: EvidencePack) -> list[Problem]:
    """Find evidence that contradicts other evidence in the same pack."""
    problems: list[Problem] = []
    groups = item_groups(pack)
    count = sum(len(items) for _, _, items in groups)
    # A dictionary of the ids, not a set: a set's table grows fourfold below 50,000 entries, to up to four times one.
    if len(dict.fromkeys(item.id for _, _, items in groups for item in items)) != count:
        seen: dict[str, str] = {}
        for path, item in iter_items(pack):
            if item.id in seen:
                problems.append(Problem(f"{path}.id", f"id {item.id!r} is already used at {seen[item.id]}"))
            else:
                seen[item.id] = path
    dmc_ids = {dmc.id for dmc in pack.scope.dmcs}
    for index, exclusion in enumerate(pack.scope.exclusions):
        for position, dmc_id in enumerate(exclusion.dmc_ids):
            if dmc_id not in dmc_ids:
                path = f"scope.exclusions[{index}].dmc_ids[{position}]"
                problems.append(Problem(path, f"no DMC {dmc_id!r} in scope.dmcs"))
    for index, condition in enumerate(pack.earlier_conditions):
        origin = condition.origin
        if origin is not None and not condition.raised_on.isoformat().startswith(origin.on):
            problems.append(
                Problem(
                    f"earlier_conditions[{index}].origin.on",
                    f"the decision is dated {origin.on}, but the condition it set was raised on {condition.raised_on}",
                )
            )
    if pack.testing is not None:
        problems.extend(_testing_consistency(pack))
    return problems


def _testing_consistency(pack: EvidencePack) -> list[Problem]:
    assert pack.testing is not None
    phase_ids = {phase.id for phase in pack.testing.phases}
    problems = []
    for index, issue in enumerate(pack.testing.issues):
        if issue.phase_id not in phase_ids:
            problems.append(Problem(f"testing.issues[{index}].phase_id", f"no test phase {issue.phase_id!r}"))
    for index, defect in enumerate(pack.testing.defects or []):
        if defect.phase_id is not None and defect.phase_id not in phase_ids:
            problems.append(Problem(f"testing.defects[{index}].phase_id", f"no test phase {defect.phase_id!r}"))
    for index, phase in enumerate(pack.testing.phases):
        if phase.status == "complete" and phase.completed_on is None:
            problems.append(Problem(f"testing.phases[{index}].completed_on", "a complete phase needs its date"))
    return problems
