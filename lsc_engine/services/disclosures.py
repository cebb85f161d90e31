"""Reads of confidential evidence, recorded in the audit chain like any write."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Collection
from datetime import UTC, datetime

from sqlalchemy import Engine

from lsc_engine.access.policy import Principal
from lsc_engine.store.audit import Chain
from lsc_engine.store.db import session_scope
from lsc_engine.store.models import Disclosure


class Disclosures:
    """Record who was shown which confidential items, where, and from which submission."""

    def __init__(self, database: Engine, *, clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self._clock = clock or (lambda: datetime.now(UTC))

    def record(self, principal: Principal, *, view: str, items: Collection[str], submission_id: str | None) -> None:
        """Record one disclosure; nothing is recorded when nothing confidential was shown."""
        if not items:
            return
        with session_scope(self.database) as session:
            chain = Chain(session)
            now = self._clock()
            record = Disclosure(
                id=uuid.uuid4().hex,
                submission_id=submission_id,
                actor=principal.actor,
                view=view[:200],
                items=json.dumps(sorted(items)),
                at=now,
            )
            chain.add(record, actor=principal.actor, action="confidential.read", at=now)
            session.commit()
