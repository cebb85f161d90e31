"""A capability's standing as a write needs it: its newest version and its registered conditions' keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, literal, union_all
from sqlmodel import func, select

from lsc_engine.store.models import ConditionRecord, Submission
from lsc_engine.store.repositories.base import Repository


@dataclass(frozen=True)
class Standing:
    """How far a capability's records reach: its newest version (0: none yet) and its conditions' keys."""

    version: int
    condition_keys: set[str]


class Capabilities(Repository):
    """Reads that span a capability's submissions and its conditions register."""

    def standing(self, capability: str) -> Standing:
        """Read the capability's newest version and its conditions' keys in one round trip."""
        # Under the audit chain's head every round trip holds up every other writer: one query, not two.
        versions = select(literal("version"), cast(func.max(Submission.version), String)).where(
            Submission.capability == capability
        )
        keys = select(literal("key"), ConditionRecord.key).where(ConditionRecord.capability == capability)
        rows = self._session.exec(union_all(versions, keys)).all()  # type: ignore[call-overload]
        version = next((int(value) for kind, value in rows if kind == "version" and value is not None), 0)
        return Standing(version, {value for kind, value in rows if kind == "key"})
