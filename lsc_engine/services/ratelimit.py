"""Requests per token per minute, counted in the database so that the limit holds across replicas.

Each replica takes requests from the shared count in small leases (one write per lease, not per
request) and spends them locally. A lease is cut to what the count has left, so the replicas between
them never grant more than the limit in a minute; a lease left unspent at the end of a minute is lost.
While the database cannot be reached each replica counts alone, so that requests which need no
database (self-checks) still answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from lsc_engine.errors import RateLimited
from lsc_engine.store.db import UNAVAILABLE, Database
from lsc_engine.store.transactions import writing


class RateLimiter:
    """Grant or refuse each request of a token (or other key) against a per-minute limit (0 means no limit)."""

    def __init__(
        self,
        database: Database,
        per_minute: int,
        *,
        lease: int | None = None,
        clock: Callable[[], float] | None = None,
        refusal: str = "this token has used its {limit} requests for this minute; retry in {retry} s",
    ) -> None:
        self.database = database
        self.per_minute = per_minute
        self.refusal = refusal
        self.lease = lease or max(1, min(50, per_minute // 20))
        self._clock = clock or time.time
        self._local: dict[str, tuple[int, int]] = {}
        self._alone: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def spend_local(self, token_id: str) -> bool:
        """Count one request against what this replica already holds; False when the database must be asked."""
        if self.per_minute <= 0:
            return True
        minute = int(self._clock() // 60)
        with self._lock:
            held_minute, left = self._local.get(token_id, (minute, 0))
            if held_minute == minute and left > 0:
                self._local[token_id] = (minute, left - 1)
                return True
        return False

    def check(self, token_id: str) -> None:
        """Count one request of a token, or refuse it with the seconds until the next minute."""
        if self.spend_local(token_id):
            return
        now = self._clock()
        minute = int(now // 60)
        try:
            granted = self._claim(token_id, minute)
        except UNAVAILABLE:
            granted = self._claim_alone(token_id, minute)
        if granted <= 0:
            retry = max(1, int(60 - now % 60))
            raise RateLimited(
                self.refusal.format(limit=self.per_minute, retry=retry),
                details={"limit_per_minute": self.per_minute, "retry_after_seconds": retry},
            )
        with self._lock:  # add to what another request's lease left, which may have arrived meanwhile
            held_minute, left = self._local.get(token_id, (minute, 0))
            self._local[token_id] = (minute, (left if held_minute == minute else 0) + granted - 1)

    def _claim_alone(self, token_id: str, minute: int) -> int:
        """Take a lease from this replica's own count for the minute (the database is away)."""
        with self._lock:
            held_minute, used = self._alone.get(token_id, (minute, 0))
            used = used if held_minute == minute else 0
            granted = max(0, min(self.lease, self.per_minute - used))
            self._alone[token_id] = (minute, used + granted)
        return granted

    def _claim(self, token_id: str, minute: int) -> int:
        """Take a lease from the shared count; return how many requests it grants (0: none are left)."""
        with writing(self.database, audited=False) as tx:
            total = tx.rates.take(token_id, minute=minute, lease=self.lease)
        before = total - self.lease
        return max(0, min(self.lease, self.per_minute - before))
