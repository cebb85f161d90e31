"""What every repository shares: the transaction's session, and the audit chain when it writes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlmodel import Session

from lsc_engine.store.audit import Audited, Chain, LargeTexts


def new_id() -> str:
    """Return a fresh record id."""
    return uuid.uuid4().hex


#: The most ids one query names: SQLite allows 32,766 parameters in a statement; PostgreSQL's plans grow with them.
MANY_IDS = 500


def batches(ids: Iterable[str]) -> Iterator[list[str]]:
    """Split ids into lists a query may name at once, in order."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), MANY_IDS):
        yield ordered[start : start + MANY_IDS]


class Repository:
    """Queries over one transaction's session; writes append to the audit chain the transaction holds."""

    def __init__(self, session: Session, chain: Chain | None) -> None:
        self._session = session
        self._chain = chain

    def _audited(
        self,
        record: Audited,
        *,
        actor: str,
        action: str,
        at: datetime,
        submission_id: str | None = None,
        texts: LargeTexts | None = None,
    ) -> None:
        """Write a record and its audit entry (``texts``: its large texts, digested before the head was locked)."""
        if self._chain is None:
            raise RuntimeError("an audited write needs a transaction opened with writing()")
        self._chain.add(record, actor=actor, action=action, at=at, submission_id=submission_id, texts=texts)
