"""What the committee workflow answers with: a capability's position and a recorded decision."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from lsc_engine.committee.carrying import Reopened
from lsc_engine.committee.conditions import ConditionState
from lsc_engine.committee.gate import DecisionSummary, GateResult, Outcome, Revocation
from lsc_engine.committee.snapshot import Snapshot

__all__ = ["DecisionView", "Outcome", "ReadinessView", "RecordedRevocation", "Reopened"]


class ReadinessView(BaseModel):
    """The current position of a capability: its newest evidence, as assessed and decided, and its gate."""

    model_config = ConfigDict(frozen=True)

    capability: str
    submission_id: str
    version: int
    evaluation_id: str
    as_at: date
    ruleset_digest: str
    gate: GateResult
    conditions: list[ConditionState]
    revocations: list[Revocation]
    decision: DecisionSummary | None
    reopened: list[Reopened] = Field(
        default_factory=list,
        description="Decisions on the capability's previous version that no longer stand on this one, and why",
    )


class DecisionView(BaseModel):
    """A recorded Panel decision and the snapshot its letter is built from."""

    model_config = ConfigDict(frozen=True)

    id: str
    submission_id: str
    evaluation_id: str
    outcome: Outcome
    considered_on: date
    supersedes: str | None
    superseded_by: str | None
    actor: str
    recorded_at: datetime
    snapshot: Snapshot


class RecordedRevocation(Revocation):
    """A group's withdrawal of its recommendation, with when it was recorded."""

    recorded_at: datetime
