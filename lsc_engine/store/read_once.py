"""Stored evaluations parsed once in a unit of work, such as one request: a stored evaluation is never changed.

A page asks several of the service's calls about one submission, and each reads its newest evaluation in a
transaction of its own; an evaluation of a large scope is about 30 MB of JSON and takes about half a second to parse.
Within ``evaluations_read_once`` each stored evaluation (by id and digest) is parsed the first time it is read and
the same immutable result is given for every later read; outside it, every read parses. Nothing is kept beyond the
block, so memory never holds more than what the unit of work itself read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from lsc_engine.core.evaluation import Evaluation

#: The evaluations parsed in the current unit of work, by record id and result digest; None outside one.
_PARSED: ContextVar[dict[tuple[str, str], Evaluation] | None] = ContextVar("parsed_evaluations", default=None)


@contextmanager
def evaluations_read_once() -> Iterator[None]:
    """Parse each stored evaluation read in this block once (threads started from it share what is parsed)."""
    token = _PARSED.set({})
    try:
        yield
    finally:
        _PARSED.reset(token)


def parsed(ident: str, digest: str, result: Callable[[], str]) -> Evaluation:
    """Return a stored evaluation's result parsed, once in a unit of work (``result`` reads its text)."""
    kept = _PARSED.get()
    if kept is None:
        return Evaluation.model_validate_json(result())
    found = kept.get((ident, digest))
    if found is None:
        found = kept[(ident, digest)] = Evaluation.model_validate_json(result())
    return found
