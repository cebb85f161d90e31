"""Stored evaluations parsed once in a unit of work, such as one request: a stored evaluation is never changed.

A page asks several of the service's calls about one submission, and each reads its newest evaluation in a
transaction of its own; an evaluation of a large scope is about 30 MB of JSON and takes about half a second to parse.
Within ``evaluations_read_once`` each stored evaluation (by id and digest) is parsed the first time it is read and
the same immutable result is given for every later read; outside it, every read parses. Nothing is kept beyond the
block, and no more than ``KEEP_CHARACTERS`` of JSON is kept parsed in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from lsc_engine.core.evaluation import Evaluation

#: The characters of JSON a unit of work keeps parsed, at most (about two evaluations of the large pack's scope);
#: past it, an evaluation not kept already is parsed at each read, as outside a unit of work.
KEEP_CHARACTERS = 64 * 1024 * 1024


@dataclass
class _Kept:
    """The evaluations parsed in one unit of work, by record id and result digest, and the size of their JSON."""

    limit: int
    parsed: dict[tuple[str, str], Evaluation] = field(default_factory=dict)
    size: int = 0


_KEPT: ContextVar[_Kept | None] = ContextVar("parsed_evaluations", default=None)


@contextmanager
def evaluations_read_once(keep_characters: int = KEEP_CHARACTERS) -> Iterator[None]:
    """Parse each stored evaluation read in this block once (threads started from it share what is parsed)."""
    token = _KEPT.set(_Kept(keep_characters))
    try:
        yield
    finally:
        _KEPT.reset(token)


def parsed(ident: str, digest: str, result: Callable[[], str]) -> Evaluation:
    """Return a stored evaluation's result parsed, once in a unit of work (``result`` reads its text)."""
    kept = _KEPT.get()
    found = kept.parsed.get((ident, digest)) if kept is not None else None
    if found is not None:
        return found
    text = result()
    found = Evaluation.model_validate_json(text)
    if kept is not None and kept.size + len(text) <= kept.limit:
        kept.parsed[(ident, digest)] = found
        kept.size += len(text)
    return found
