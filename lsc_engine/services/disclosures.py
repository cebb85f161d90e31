"""Reads of confidential evidence, recorded in the audit chain like any write."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime

from lsc_engine.access.policy import Principal
from lsc_engine.store.db import Database
from lsc_engine.store.transactions import writing


class Disclosures:
    """Record who was shown which confidential items, where, and from which submission."""

    def __init__(self, database: Database, *, clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self._clock = clock or (lambda: datetime.now(UTC))

    def record(self, principal: Principal, *, view: str, items: Collection[str], submission_id: str | None) -> None:
        """Record one disclosure; nothing is recorded when nothing confidential was shown."""
        if not items:
            return
        with writing(self.database) as tx:
            tx.disclosures.add(
                submission_id=submission_id, actor=principal.actor, view=view, items=items, at=self._clock()
            )
