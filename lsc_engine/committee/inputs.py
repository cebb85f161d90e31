"""What people give the committee workflow: one definition of each input, for the JSON API, pages and service.

The JSON API takes these as request bodies; the pages validate their posted forms with them; ``Committee``
takes them as they are and checks only what needs the records (which criteria exist, what a condition's
state allows, what the Panel already decided). Texts are trimmed, and a name or a text holding a control or
direction-changing character is refused (see ``lsc_engine.core.text``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from lsc_engine.committee.conditions import Action
from lsc_engine.committee.gate import Outcome
from lsc_engine.core.evidence import ConditionKind, Group
from lsc_engine.core.rating import Rating
from lsc_engine.core.text import Line, Prose

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# core.text's checks, taken from its types so that they run after trimming and the length limits: pydantic
# applies the limits to a plain string only, and given after the check they would measure the untrimmed text.
(PRINTABLE_LINE,) = get_args(Line)[1:]
(PRINTABLE_TEXT,) = get_args(Prose)[1:]


def calendar_date(value: object) -> object:
    """Accept a YYYY-MM-DD string (or a date), not the numbers and timestamps lax parsing turns into dates."""
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return value
    raise ValueError("must be a date as YYYY-MM-DD")


def blank_is_none(value: object) -> object:
    """Read an optional text left blank as not given."""
    return None if isinstance(value, str) and not value.strip() else value


#: A date written YYYY-MM-DD.
IsoDate = Annotated[date, BeforeValidator(calendar_date)]

#: A person's name: one printable line, trimmed, 1 to 200 characters.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), PRINTABLE_LINE]

#: What a person writes (a rationale, a reason, evidence, a condition's text): printable, trimmed, 1 to 8000 characters.
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8000), PRINTABLE_TEXT]

#: A note that may be left out; blank is the same as left out.
OptionalNote = Annotated[Note | None, BeforeValidator(blank_is_none)]

#: A name that may be left out; blank is the same as left out.
OptionalName = Annotated[Name | None, BeforeValidator(blank_is_none)]

#: A criterion of the catalogue, by its id (``LSC6``, ``LSC10.4``, ``RR``).
CriterionId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), PRINTABLE_LINE]

#: A record's id (a condition, a decision).
RecordId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), PRINTABLE_LINE]

#: A capability's name, as DCC's packs give it.
Capability = Annotated[str, StringConstraints(min_length=1, max_length=120), PRINTABLE_LINE]

#: A condition's short name: lower-case letters, digits and hyphens.
ConditionKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=120)]

#: The kinds of condition given by hand; carrying a condition over is the engine's to record.
ManualKind = Literal[
    ConditionKind.PREREQUISITE_GO_LIVE,
    ConditionKind.PREREQUISITE_MIGRATION,
    ConditionKind.ONGOING_REPORTING,
    ConditionKind.PAUSE_TRIGGER,
]


class Input(BaseModel):
    """Base of what people give: unknown fields and loose types are refused; nothing changes once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AssessmentIn(Input):
    """A group's decision on one criterion."""

    criterion: CriterionId
    group: Group
    accepted: StrictBool = Field(description="Whether the group accepts DCC's statement of readiness for the criterion")
    rating: Literal[Rating.GREEN, Rating.AMBER, Rating.RED]
    assessor: Name
    rationale: OptionalNote = Field(
        default=None, description="Required when the rating departs from the engine's proposal"
    )


class RevocationIn(Input):
    """A group withdrawing its recommendation."""

    group: Group
    reason: Note


class ConditionIn(Input):
    """A condition added by hand."""

    capability: Capability
    kind: ManualKind
    owner: Group
    criteria: list[CriterionId] = Field(min_length=1, max_length=20)
    text: Note
    due: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400), PRINTABLE_TEXT]
    due_date: IsoDate | None = None
    report_every_days: Annotated[StrictInt, Field(ge=1, le=366)] | None = None
    key: ConditionKey | None = None
    confidential: StrictBool = Field(default=False, description="Its text is for the owner group and the Panel only")


class ConditionEventIn(Input):
    """Something that happens to a condition."""

    action: Action
    on: IsoDate | None = Field(default=None, description="The date the event speaks for; default today")
    evidence: OptionalNote = None
    rationale: OptionalNote = None
    approver: OptionalName = None


class DecisionIn(Input):
    """The Panel's decision on a submission."""

    outcome: Outcome
    considered_on: IsoDate
    condition_ids: list[RecordId] | None = Field(
        default=None, max_length=200, description="Conditions attached; default every open one"
    )
    notes: OptionalNote = None
    supersedes: Annotated[RecordId | None, BeforeValidator(blank_is_none)] = Field(
        default=None, description="The decision this one corrects"
    )
