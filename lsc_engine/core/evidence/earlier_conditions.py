"""Conditions of earlier decisions that are still open, each linked to the decision that set it."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, Field
from pydantic.dataclasses import dataclass

from lsc_engine.core.evidence.base import RECORD_CONFIG, ConditionKind, Date, Group, Identifier, Item, Text

_DAY_OR_MONTH = re.compile(r"\d{4}-\d{2}(-\d{2})?")


def _day_or_month(value: str) -> str:
    """Accept a calendar day (YYYY-MM-DD) or a calendar month (YYYY-MM)."""
    if _DAY_OR_MONTH.fullmatch(value):
        try:
            date.fromisoformat(value if len(value) > len("YYYY-MM") else f"{value}-01")
        except ValueError:  # no such day: the message below says what is expected
            pass
        else:
            return value
    raise ValueError("expected a day (YYYY-MM-DD) or a month (YYYY-MM)")


#: A day, or only its month where the documents that cite it give no more.
DayOrMonth = Annotated[str, Field(max_length=10), AfterValidator(_day_or_month)]


@dataclass(frozen=True, slots=True, kw_only=True, config=RECORD_CONFIG)
class Origin:
    """The earlier decision that set a condition: who took it, what it decided, and when."""

    body: Annotated[Text, Field(description="Who took the decision, e.g. SSC or the SEC Panel")]
    decision: Annotated[
        Text, Field(description="What was decided, e.g. the approval of the first set of entries onto the EPCL")
    ]
    on: Annotated[
        DayOrMonth,
        Field(description="When it was decided: the day, or the month (YYYY-MM) when later papers give only that"),
    ]
    reference: Annotated[Text | None, Field(description="How that decision named or numbered the condition")] = None


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
    origin: Annotated[
        Origin | None,
        Field(description="The decision that set the condition; it is named wherever the condition is carried over"),
    ] = None
