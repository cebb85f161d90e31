"""The evaluation: what the engine concludes about a pack, as a plain immutable value."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

import msgspec
from pydantic import BaseModel, ConfigDict, Field

from lsc_engine.core.evidence import ConditionKind, Group, InstallationType
from lsc_engine.core.plain_records import PlainRecord
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import is_provisional
from lsc_engine.core.words import origin_words

EVALUATION_VERSION = "1"

#: The rule id of the finding that says no rule confirmed a cell: missing evidence is never green.
NO_CONFIRMATION = "no-confirming-evidence"
#: The rule id of the finding an earlier decision's open condition leaves on the cells it weighs on.
CARRIED_OVER = "carried-over-condition"
#: The criterion id of the residual risks: a section of the assessment after LSC 10 that every owning group
#: rates, which the Panel's letter gives a paragraph of its own rather than a note per group.
RESIDUAL_RISKS = "RR"


class Readiness(StrEnum):
    """The overall outcome."""

    READY = "ready"
    READY_WITH_CONDITIONS = "ready_with_conditions"
    NOT_READY = "not_ready"


class Out(BaseModel):
    """Base of the evaluation's models."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Finding(PlainRecord, frozen=True, gc=False):
    """A rule that fired, or a gap no rule covered, with the evidence behind it."""

    rule_id: str
    title: str
    rating: Rating
    message: str
    basis: str
    evidence: Annotated[
        list[str], Field(description="Ids of the evidence items behind the finding (a sample when long)")
    ]
    evidence_count: int
    confidential: Annotated[bool, Field(description="True when any evidence behind the finding is confidential")]

    @property
    def provisional(self) -> bool:
        """Tell whether the rule behind the finding is the ruleset's own rather than the Panel's or the Code's."""
        return is_provisional(self.basis)


class CellRating(PlainRecord, frozen=True, gc=False):
    """The proposed rating of one criterion by one owning group."""

    criterion: str
    criterion_name: str
    parent: str | None
    group: Group
    rating: Rating
    findings: list[Finding]


class CriterionRating(PlainRecord, frozen=True, gc=False):
    """A criterion's rating: the worst of its owners' ratings and its sub-criteria."""

    criterion: str
    name: str
    rating: Rating
    provisional: bool


class ConditionOrigin(Out):
    """The earlier decision that set a carried-over condition."""

    body: str = Field(description="Who took the decision, e.g. SSC or the SEC Panel")
    decision: str = Field(description="What was decided")
    on: str = Field(description="When: the day (YYYY-MM-DD), or the month (YYYY-MM) where only that is known")
    reference: str | None = Field(default=None, description="How that decision named or numbered the condition")

    def words(self) -> str:
        """Say which decision set the condition: what it decided, who decided it and when."""
        return origin_words(self.body, self.decision, self.on, self.reference)


class Condition(Out):
    """A condition attached to going live, raised by a rule or carried over from an earlier decision."""

    id: str
    kind: ConditionKind
    owner: Group
    criteria: list[str]
    text: str
    due: str
    raised_by: str = Field(description="The rule that raised it, or 'earlier decision'")
    carried_over_from: str | None = Field(default=None, description="Id of the earlier open condition")
    carried_over_since: date | None = None
    origin: ConditionOrigin | None = Field(
        default=None, description="The earlier decision that set a carried-over condition, where the pack names it"
    )
    confidential: bool = False
    provisional: bool = Field(
        default=False,
        description="True when only a rule of this ruleset's own model raised it (see that rule's basis)",
    )


class Blocker(PlainRecord, frozen=True, gc=False):
    """Something that stops go-live or migration."""

    kind: Literal["rating", "condition"]
    ref: str
    reason: str
    confidential: Annotated[bool, Field(description="True when the reason rests on confidential evidence")]


class Blockers(Out):
    """What stops go-live, and what stops migration from starting."""

    go_live: list[Blocker]
    migration: list[Blocker]


class Milestone(PlainRecord, frozen=True, gc=False):
    """The earliest date a rating improves to a level if planned dates hold and later reports show nothing new."""

    rating: Rating
    on: date
    then_needs: Annotated[
        list[str],
        Field(description="When waiting alone stops short of green: what must still happen, from that date, for green"),
    ] = msgspec.field(default_factory=list)


class PathToGreen(PlainRecord, frozen=True, gc=False):
    """What must change for a non-green rating to become green."""

    criterion: str
    group: Group
    rating: Rating
    actions: list[str]
    milestones: Annotated[
        list[Milestone],
        Field(description="Dates on which the rating improves by time alone (e.g. a stability window), if any"),
    ]


class ExcludedEvidence(PlainRecord, frozen=True, gc=False):
    """Evidence left out because it is dated after the as-at date."""

    id: str
    path: str
    dated: date
    reason: str


class ScopeEvidence(PlainRecord, frozen=True, gc=False):
    """An item of evidence behind the scope, in words: what it says and where and when it was stated."""

    # A large pack's scope has a hundred thousand of these and of ``ScopeDmc``, which were dataclasses before they
    # were records: pydantic still meets them as such.
    mirror = "dataclass"

    id: str
    section: Annotated[
        str, Field(description="The pack section holding the item, whose owners may see it when confidential")
    ]
    text: str
    dated: date
    confidential: bool


class ScopeDmc(PlainRecord, frozen=True, gc=False):
    """A Device Model Combination of the statement, with the evidence that names it."""

    mirror = "dataclass"

    id: str
    name: str
    installation_type: InstallationType
    meters: int | None
    evidence: ScopeEvidence
    confidential: bool


class ScopeHeldBack(Out):
    """Part of the cohort held back from the statement: which DMCs, why, and the evidence behind it."""

    id: str
    dmcs: list[ScopeDmc]
    installation_type: InstallationType | None
    reason: str
    evidence: list[ScopeEvidence] = Field(description="DCC's word that it is held back, then what it rests on")
    confidential: bool


class CohortScope(Out):
    """The DMCs an evaluation covers and those held back, as known at its as-at date."""

    covered: list[ScopeDmc]
    held_back: list[ScopeHeldBack]


class Evaluation(Out):
    """The engine's proposal for one pack, under one ruleset, as at one date."""

    evaluation_version: str = EVALUATION_VERSION
    capability: str
    cohort: str
    as_at: date
    overall: Readiness
    scope: CohortScope | None = Field(
        default=None, description="The DMCs covered and held back; absent from evaluations stored before it was kept"
    )
    ratings: list[CellRating]
    criteria: list[CriterionRating]
    conditions: list[Condition]
    blockers: Blockers
    path_to_green: list[PathToGreen]
    excluded_evidence: list[ExcludedEvidence]
    confidential_evidence: list[str]
    ruleset_digest: str
    input_digest: str

    def provisional_criteria(self) -> frozenset[str]:
        """Return the criteria and sub-criteria that are the ruleset's own working titles, not the Panel's."""
        return frozenset(c.criterion for c in self.criteria if c.provisional)
