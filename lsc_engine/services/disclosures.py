"""Reads of confidential evidence, recorded in the audit chain like any write."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime

from lsc_engine.access.policy import Principal
from lsc_engine.access.redaction import evaluation_of
from lsc_engine.store.db import Database
from lsc_engine.store.transactions import writing


class Disclosures:
    """Record who was shown which confidential items, where, and from which submission."""

    def __init__(self, database: Database, *, clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self._clock = clock or (lambda: datetime.now(UTC))

    def record(self, principal: Principal, *, view: str, items: Collection[str], submission_id: str | None) -> None:
        """Record what a view showed under its submission; nothing is recorded when nothing confidential was shown.

        A thing shown from a named evaluation (a comparison's side) is recorded under that evaluation's submission,
        which may be an earlier version's: one disclosure for each submission.
        """
        if not items:
            return
        at = self._clock()
        with writing(self.database) as tx:
            named = {item: evaluation_of(item) for item in items}
            evaluated = tx.submissions.submission_of_evaluations(e for e in named.values() if e is not None)
            by_submission: dict[str | None, list[str]] = {}
            for item, evaluation in named.items():
                filed_under = evaluated.get(evaluation, submission_id) if evaluation is not None else submission_id
                by_submission.setdefault(filed_under, []).append(item)
            for filed_under, shown in by_submission.items():
                tx.disclosures.add(submission_id=filed_under, actor=principal.actor, view=view, items=shown, at=at)
