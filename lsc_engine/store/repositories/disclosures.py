"""Disclosures: confidential items shown to someone allowed to see them, kept in the audit chain."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime

from lsc_engine.store.models import Disclosure
from lsc_engine.store.repositories.base import Repository, new_id


class Disclosures(Repository):
    """Who was shown which confidential items, where, and from which submission."""

    def add(self, *, submission_id: str | None, actor: str, view: str, items: Collection[str], at: datetime) -> None:
        """Record one disclosure."""
        record = Disclosure(
            id=new_id(),
            submission_id=submission_id,
            actor=actor,
            view=view[:200],
            items=json.dumps(sorted(items)),
            at=at,
        )
        self._audited(record, actor=actor, action="confidential.read", at=at)
