"""Conditions of earlier decisions that are still open."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated, Literal

from pydantic import Field
from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, ConditionKind, Group, Identifier, Item, Text


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class EarlierCondition(Item):
    """A condition of an earlier decision that is still open."""

    key: Annotated[Identifier, Field(description="Stable name; a rule raising the same key re-attaches this condition")]
    kind: Annotated[
        Literal[
            ConditionKind.PREREQUISITE_GO_LIVE,
            ConditionKind.PREREQUISITE_MIGRATION,
            ConditionKind.ONGOING_REPORTING,
            ConditionKind.PAUSE_TRIGGER,
        ],
        Field(description="What the condition does; it is reported as carried over"),
    ]
    owner: Group
    criteria: Annotated[list[Identifier], Field(min_length=1)]
    text: Text
    raised_on: Date
    status: Literal["open"] = "open"
