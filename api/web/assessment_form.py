"""A group's assessment form: a row per criterion, what a posted form asks to record, refusals beside their rows.

One form records the group's decision on every criterion it owns. Each row starts from the group's current
decision (recorded on this version or carried forward from an earlier one), or from the engine's proposal
where there is none. A row posted as the current decision stands is not recorded again: the decision on
record, with its assessor and date, already says it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from api.web.forms import WHOLE_FORM, Refusal, Unusable, Wording, read_form, yes_no
from api.web.templating import sentence
from lsc_engine.committee.gate import CellDecision
from lsc_engine.committee.inputs import AssessmentIn
from lsc_engine.core.evaluation import Finding
from lsc_engine.core.evidence import Group
from lsc_engine.core.rating import Rating
from lsc_engine.core.ruleset import Criterion
from lsc_engine.core.words import criterion_words
from lsc_engine.errors import LscError

#: The ratings a group may give.
GIVEN = (Rating.GREEN.value, Rating.AMBER.value, Rating.RED.value)
#: The per-criterion fields of the form, as their messages name them.
ROW_WORDS = {
    "accepted": Wording("whether the group accepts DCC's statement", "say whether the group accepts DCC's statement"),
    "rating": Wording("the rating", "choose a rating: Green, Amber or Red"),
    "rationale": Wording("the rationale", "write the rationale"),
}
#: The field the whole form shares.
ASSESSOR_WORDS = {"assessor": Wording("the assessor's name", "name the assessor")}


class AssessRow(BaseModel):
    """One criterion a group owns: the proposal and its findings, the group's decision, and the row's fields."""

    model_config = ConfigDict(frozen=True)

    criterion: Criterion
    cell: CellDecision
    findings: list[Finding]
    rating: str
    accepted: str
    rationale: str

    @property
    def key(self) -> str:
        """Return the criterion as the row's fields and anchors name it: ``LSC10.4`` is ``LSC10-4``."""
        return self.criterion.id.replace(".", "-")

    @property
    def concerns(self) -> list[Finding]:
        """Return the findings that are not Green: what the proposal rests on."""
        return [f for f in self.findings if f.rating != Rating.GREEN]

    @property
    def green(self) -> list[Finding]:
        """Return the Green findings: what holds, shown folded."""
        return [f for f in self.findings if f.rating == Rating.GREEN]

    @property
    def provisional(self) -> bool:
        """Tell whether the row shows anything of the ruleset's own model: its criterion or a finding's rule."""
        return self.criterion.provisional or any(f.provisional for f in self.findings)


def field_name(field: str, key: str) -> str:
    """Return a row's field name in the posted form: ``rating-LSC9``."""
    return f"{field}-{key}"


def starting_values(cell: CellDecision) -> dict[str, str]:
    """Return a row's fields as the form starts: the current decision where there is one, else the proposal."""
    if cell.decided is not None:
        accepted = "yes" if cell.accepted else "no"
        return {"rating": cell.decided.value, "accepted": accepted, "rationale": cell.rationale or ""}
    proposed = cell.proposed.value if cell.proposed.value in GIVEN else ""
    return {"rating": proposed, "accepted": "no" if cell.proposed == Rating.RED else "yes", "rationale": ""}


def build_rows(
    owned: list[Criterion],
    cells: Mapping[str, CellDecision],
    findings: Mapping[str, list[Finding]],
    posted: Mapping[str, str] | None = None,
) -> list[AssessRow]:
    """Return the form's rows: as posted when a refusal shows them again, else as the form starts."""
    rows = []
    for criterion in owned:
        cell = cells[criterion.id]
        values = starting_values(cell)
        if posted is not None:
            key = criterion.id.replace(".", "-")
            values = {name: posted.get(field_name(name, key), "") for name in values}
        rows.append(AssessRow(criterion=criterion, cell=cell, findings=findings[criterion.id], **values))
    return rows


@dataclass(frozen=True)
class Posted:
    """What a posted form asks to record, the rows it leaves as they stand, and every value as typed."""

    changed: list[AssessmentIn]
    unchanged: list[str]
    values: dict[str, str]


def read_rows(
    group: Group, owned: list[Criterion], cells: Mapping[str, CellDecision], form: Mapping[str, str]
) -> Posted:
    """Read every row of a posted form; raise Refused naming each criterion and field at fault."""
    assessor = form.get("assessor", "")
    values = {"assessor": assessor}
    messages: dict[str, str] = {}
    changed: list[AssessmentIn] = []
    unchanged: list[str] = []
    for criterion in owned:
        key = criterion.id.replace(".", "-")
        row = {name: form.get(field_name(name, key), "") for name in ROW_WORDS}
        values |= {field_name(name, key): value for name, value in row.items()}
        if not row["rating"].strip() and not row["rationale"].strip() and cells[criterion.id].decided is None:
            # A criterion with no proposal to confirm and nothing chosen is left undecided, not refused: the group
            # may record the criteria it is ready to decide and come back to the rest.
            unchanged.append(criterion.id)
            continue
        posted = {"criterion": criterion.id, "group": group.value, **row, "accepted": yes_no(row["accepted"])}
        try:
            assessment = read_form(AssessmentIn, posted | {"assessor": assessor}, {**ROW_WORDS, **ASSESSOR_WORDS})
        except Unusable as refused:
            for name, text in refused.messages.items():
                if name == "assessor":
                    messages["assessor"] = text
                elif name in ROW_WORDS:
                    messages[field_name(name, key)] = f"{criterion_words(criterion.id)}: {text}"
                else:
                    messages.setdefault(WHOLE_FORM, text)
            continue
        if _stands(cells[criterion.id], assessment):
            unchanged.append(criterion.id)
        else:
            changed.append(assessment)
    if messages:
        raise Refused(messages, values)
    return Posted(changed, unchanged, values)


def _stands(cell: CellDecision, assessment: AssessmentIn) -> bool:
    """Tell whether a row says what the group's current decision already says."""
    return (
        cell.decided is not None
        and cell.decided.value == assessment.rating
        and cell.accepted == assessment.accepted
        and (cell.rationale or None) == assessment.rationale
    )


class Refused(Exception):
    """A posted form refused before the service saw it: a message per field, and every value as typed."""

    def __init__(self, messages: dict[str, str], values: dict[str, str]) -> None:
        super().__init__("; ".join(messages.values()))
        self.messages = messages
        self.values = values


def service_refusal(error: LscError, changed: list[AssessmentIn], values: dict[str, str], status: int) -> Refusal:
    """Put what the service refused beside the criteria and fields it names, keeping every value as typed."""
    named = [(problem.path, problem.message) for problem in error.problems] or [("", error.message)]
    messages: dict[str, str] = {}
    for path, message in named:
        where = _where(path, error, changed)
        text = sentence(message)
        if where is not None:
            criterion, field = where
            text = f"{criterion_words(criterion)}: {text}"
            name = field_name(field, criterion.replace(".", "-")) if field in ROW_WORDS else WHOLE_FORM
        else:
            name = WHOLE_FORM
        messages[name] = f"{messages[name]} {text}" if name in messages else text
    return Refusal("assess", messages, status, values)


def _where(path: str, error: LscError, changed: list[AssessmentIn]) -> tuple[str, str] | None:
    """Return the criterion and field a refusal names: by its place in the request, else by its details."""
    if path.startswith("[") and "]." in path:
        index, _, named = path[1:].partition("].")
        if index.isdigit() and int(index) < len(changed):
            return changed[int(index)].criterion, named
    criterion, field = error.details.get("criterion"), error.details.get("field")
    if isinstance(criterion, str) and isinstance(field, str):
        return criterion, field
    return None
