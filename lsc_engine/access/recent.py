"""A small in-memory cache of recent answers, used by the token and session look-ups."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class Recent(Generic[V]):
    """Answers remembered for a few seconds, so that a busy client does not cost a query per request.

    A revocation made by another replica takes effect here once the remembered answer expires. While the
    source cannot answer (it raises one of ``unavailable``), an expired answer still serves: nothing can be
    revoked meanwhile.
    """

    def __init__(
        self,
        seconds: float,
        *,
        unavailable: tuple[type[Exception], ...] = (),
        size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seconds = seconds
        self._unavailable = unavailable
        self._size = size
        self._clock = clock
        self._entries: dict[str, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, compute: Callable[[], V]) -> V:
        """Return the remembered answer for a key, or compute and remember it."""
        if self._seconds <= 0:
            return compute()
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            value = compute()
        except self._unavailable:
            if hit is None:
                raise
            return hit[1]  # the source is away: nothing can be revoked meanwhile, so the last answer holds
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[key] = (now + self._seconds, value)
        return value

    def fresh(self, key: str) -> tuple[bool, V | None]:
        """Return (True, answer) when a key's answer is remembered and still fresh, else (False, None)."""
        with self._lock:
            hit = self._entries.get(key)
        if self._seconds > 0 and hit is not None and hit[0] > self._clock():
            return True, hit[1]
        return False, None

    def forget(self, key: str) -> None:
        """Drop one remembered answer."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        """Drop every remembered answer."""
        with self._lock:
            self._entries.clear()
