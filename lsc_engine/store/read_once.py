"""Stored evaluations parsed once in a unit of work, such as one request: a stored evaluation is never changed.

A page asks several of the service's calls about one submission, and each reads its newest evaluation in a
transaction of its own; an evaluation of a large scope is about 30 MB of JSON and takes about half a second to parse.
Within ``evaluations_read_once`` each stored evaluation (by id and digest) is parsed the first time it is read and
the same immutable result is given for later reads while it is kept; outside it, every read parses. A unit of work
keeps at most ``KEEP_CHARACTERS`` of JSON parsed, the evaluations read most recently, and nothing beyond its block.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from lsc_engine.core.evaluation import Evaluation

#: The characters of JSON a unit of work keeps parsed, at most (about two evaluations of the large pack's scope);
#: past it, the evaluation read least recently is dropped, and parsed again if it is read again.
KEEP_CHARACTERS = 64 * 1024 * 1024


@dataclass
class _Kept:
    """The evaluations parsed in one unit of work, by record id and result digest, with the size of their JSON."""

    limit: int
    parsed: OrderedDict[tuple[str, str], tuple[Evaluation, int]] = field(default_factory=OrderedDict)
    size: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple[str, str]) -> Evaluation | None:
        """Return a kept evaluation, now the one read most recently."""
        with self.lock:
            found = self.parsed.get(key)
            if found is None:
                return None
            self.parsed.move_to_end(key)
            return found[0]

    def keep(self, key: tuple[str, str], evaluation: Evaluation, size: int) -> None:
        """Keep an evaluation parsed from ``size`` characters, dropping those read least recently to make room."""
        if size > self.limit:
            return
        with self.lock:
            if key in self.parsed:
                return
            while self.size + size > self.limit:
                _, (_, dropped) = self.parsed.popitem(last=False)
                self.size -= dropped
            self.parsed[key] = (evaluation, size)
            self.size += size


_KEPT: ContextVar[_Kept | None] = ContextVar("parsed_evaluations", default=None)


@contextmanager
def evaluations_read_once(keep_characters: int = KEEP_CHARACTERS) -> Iterator[None]:
    """Keep the evaluations read in this block parsed (threads started from it share them), within the bound."""
    token = _KEPT.set(_Kept(keep_characters))
    try:
        yield
    finally:
        _KEPT.reset(token)


def parsed(ident: str, digest: str, result: Callable[[], str]) -> Evaluation:
    """Return a stored evaluation's result parsed, read and parsed only if not kept (``result`` reads its text)."""
    kept = _KEPT.get()
    found = kept.get((ident, digest)) if kept is not None else None
    if found is not None:
        return found
    text = result()
    found = Evaluation.model_validate_json(text)
    if kept is not None:
        kept.keep((ident, digest), found, len(text))
    return found
