"""Human-readable renderings of an evaluation: a Rich table for terminals and Markdown for documents."""

from __future__ import annotations

from collections.abc import Mapping

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from lsc_engine.core.evaluation import (
    Blocker,
    CellRating,
    CohortScope,
    Condition,
    Evaluation,
    Finding,
    ScopeDmc,
    ScopeHeldBack,
)
from lsc_engine.core.path_to_green import PREMISE, waiting_words
from lsc_engine.core.rating import Rating
from lsc_engine.core.words import (
    MARKS,
    PROVISIONAL_LEGEND,
    RATING_WORDS,
    SECTION_WORDS,
    basis_words,
    condition_label,
    criterion_words,
    rating_label,
    tagged,
)
from lsc_engine.spreadsheets import Location, rows_words


def _rating_text(rating: Rating) -> Text:
    word, mark, colour = MARKS[rating]
    return Text(f"{mark} {word}", style=f"bold {colour}")


def _reasons(cell: CellRating) -> list[Finding]:
    """Return the findings that explain a cell: those not green, or its confirmation when it is green."""
    return [f for f in cell.findings if f.rating != Rating.GREEN] or cell.findings[:1]


def _shows_provisional(evaluation: Evaluation) -> bool:
    provisional = evaluation.provisional_criteria()
    cells = any(c.criterion in provisional or any(f.provisional for f in _reasons(c)) for c in evaluation.ratings)
    return cells or any(condition.provisional for condition in evaluation.conditions)


def _dmc(dmc: ScopeDmc) -> str:
    meters = f", {dmc.meters:,} meters" if dmc.meters is not None else ""
    return f"{dmc.name} ({dmc.installation_type.value}{meters})"


def _held_back_names(part: ScopeHeldBack) -> list[str]:
    """Name the DMCs a part holds back, or its installation type where no DMC of it was known."""
    if part.dmcs:
        return [_dmc(dmc) for dmc in part.dmcs]
    kind = part.installation_type.value if part.installation_type else "unnamed"
    return [f"{kind} installations (no DMC of them known at the as-at date)"]


def _why(part: ScopeHeldBack) -> str:
    """Say why a part is held back and the evidence behind it."""
    evidence = "; ".join(e.text for e in part.evidence)
    return f"{part.reason} Evidence: {evidence}." if evidence else part.reason


def _blocker_words(blocker: Blocker, numbers: Mapping[str, int]) -> str:
    """Name a blocker as the Markdown's reader finds it: a cell's rating, or a condition by its number above."""
    if blocker.kind == "condition" and blocker.ref in numbers:
        return f"condition {numbers[blocker.ref]}"
    criterion, _, group = blocker.ref.partition("/")
    return f"{_named(criterion)} as {group} rates it" if group else blocker.ref


def _named(criterion: str) -> str:
    """Name a criterion by its id ("LSC6"), or a section such as the residual risks by its name."""
    return SECTION_WORDS.get(criterion, criterion)


def _origin(condition: Condition) -> str:
    return f" Carried over from {condition.origin.words()}." if condition.origin is not None else ""


def _scope_table(scope: CohortScope) -> Table:
    rows = Table(box=box.SIMPLE_HEAD, expand=True, title="Scope", title_justify="left")
    rows.add_column("DMC")
    rows.add_column("Scope", no_wrap=True)
    rows.add_column("Why, and the evidence")
    for dmc in scope.covered:
        rows.add_row(Text(_dmc(dmc)), Text("covered"), Text(dmc.evidence.text))
    for part in scope.held_back:
        rows.add_row(Text("\n".join(_held_back_names(part))), Text("held back", style="bold"), Text(_why(part)))
    if not scope.covered:
        rows.add_row(Text("none"), Text("covered"), Text("No DMC of the statement was known at the as-at date."))
    return rows


def _reason_text(finding: Finding, rows: Mapping[str, Location]) -> Text:
    """Return a finding's message, then, dimmed, the spreadsheet rows its evidence was read from where known."""
    text = Text(tagged(finding.message, finding.provisional))
    places = [rows[ident] for ident in finding.evidence if ident in rows]
    if places:
        text.append(f"\nRead from {rows_words(places)}.", style="dim")
    return text


def table(evaluation: Evaluation, rows: Mapping[str, Location] | None = None) -> Group:
    """Render an evaluation as Rich renderables for a terminal; ``rows`` says where each evidence item was read."""
    overall = evaluation.overall.value.replace("_", " ").upper()
    header = Text.assemble(
        ("Readiness of ", ""),
        (evaluation.capability, "bold"),
        (f" as at {evaluation.as_at}: ", ""),
        (overall, "bold"),
    )
    ratings = Table(box=box.SIMPLE_HEAD, show_lines=False, expand=True)
    ratings.add_column("Criterion", no_wrap=True)
    ratings.add_column("Group", no_wrap=True)
    ratings.add_column("Rating", no_wrap=True)
    ratings.add_column("Reasons")
    provisional = evaluation.provisional_criteria()
    for cell in evaluation.ratings:
        reasons = Text("\n").join(_reason_text(f, rows or {}) for f in _reasons(cell))
        ratings.add_row(
            Text(tagged(_named(cell.criterion), cell.criterion in provisional)),
            Text(cell.group.value),
            _rating_text(cell.rating),
            reasons,
        )
    parts: list[Text | Table] = [header]
    if evaluation.scope is not None:
        parts.append(_scope_table(evaluation.scope))
    parts.append(ratings)
    if _shows_provisional(evaluation):
        parts.append(Text(PROVISIONAL_LEGEND, style="italic"))
    if evaluation.conditions:
        conditions = Table(box=box.SIMPLE_HEAD, expand=True)
        conditions.add_column("Condition", no_wrap=True)
        for heading in ("Kind", "Owner", "Text"):
            conditions.add_column(heading)
        for number, condition in enumerate(evaluation.conditions, start=1):
            kind = tagged(
                condition_label(condition.kind.value, condition.carried_over_from is not None), condition.provisional
            )
            text = condition.text + _origin(condition)
            conditions.add_row(Text(str(number)), Text(kind), Text(condition.owner.value), Text(text))
        parts.append(conditions)
    numbers = {condition.id: number for number, condition in enumerate(evaluation.conditions, start=1)}
    for gate, blockers in (("go-live", evaluation.blockers.go_live), ("migration", evaluation.blockers.migration)):
        if blockers:
            parts.append(Text(f"Blocking {gate}: " + ", ".join(_blocker(b, numbers) for b in blockers), style="bold"))
        else:
            parts.append(Text(f"Nothing blocks {gate}.", style="bold"))
    for path in evaluation.path_to_green:
        dates = waiting_words(path.milestones)
        waiting = f" {PREMISE}: {dates}" if dates else ""
        named = f"{criterion_words(path.criterion)} for {path.group.value}"
        parts.append(Text(f"To green, {named}: " + " ".join(path.actions) + waiting))
    if evaluation.excluded_evidence:
        ids = ", ".join(sorted(e.id for e in evaluation.excluded_evidence))
        parts.append(Text(f"Left out as dated after {evaluation.as_at}: {ids}", style="italic"))
    return Group(*parts)


def _blocker(blocker: Blocker, numbers: dict[str, int]) -> str:
    """Name what blocks a step as the table shows it: a criterion and group, or a condition by its number."""
    if blocker.kind == "condition":
        return f"condition {numbers[blocker.ref]}"
    criterion, _, group = blocker.ref.partition("/")
    return f"{criterion_words(criterion)} for {group}"


def print_table(evaluation: Evaluation, console: Console, rows: Mapping[str, Location] | None = None) -> None:
    """Print an evaluation as a table, each finding with the spreadsheet rows behind it where ``rows`` says."""
    console.print(table(evaluation, rows))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _reason(finding: Finding) -> str:
    """Return a finding's message with what its rule rests on, marked when that is the ruleset's own."""
    label = "provisional; basis" if finding.provisional else "basis"
    return f"{finding.message} ({label}: {basis_words(finding.basis)})"


def _scope_lines(scope: CohortScope | None) -> list[str]:
    """Write the DMCs covered and those held back, each with why and on what evidence, as Markdown lines."""
    if scope is None:  # an evaluation stored before it kept its scope
        return []
    lines = ["## Scope", "", "Covered:", ""]
    lines += [f"- {_dmc(dmc)}. {dmc.evidence.text}." for dmc in scope.covered] or [
        "- No DMC of the statement was known at the as-at date."
    ]
    if scope.held_back:
        lines += ["", "Held back:", ""]
        lines += [f"- {', '.join(_held_back_names(part))}: {_why(part)}" for part in scope.held_back]
    return [*lines, "", "## Ratings", ""]


def markdown(evaluation: Evaluation) -> str:
    """Render an evaluation as a Markdown document."""
    overall = evaluation.overall.value.replace("_", " ")
    lines = [
        f"# Readiness of {evaluation.capability} as at {evaluation.as_at}: {overall}",
        "",
        f"Cohort: {evaluation.cohort}",
        "",
        *_scope_lines(evaluation.scope),
        "| Criterion | Group | Rating | Reasons |",
        "|---|---|---|---|",
    ]
    provisional = evaluation.provisional_criteria()
    for cell in evaluation.ratings:
        reasons = " ".join(_reason(f) for f in _reasons(cell))
        criterion = tagged(_named(cell.criterion), cell.criterion in provisional)
        lines.append(f"| {criterion} | {cell.group.value} | {rating_label(cell.rating)} | {_cell(reasons)} |")
    if _shows_provisional(evaluation):
        lines += ["", PROVISIONAL_LEGEND]
    lines += ["", "## Conditions", ""]
    if not evaluation.conditions:
        lines.append("None.")
    for number, condition in enumerate(evaluation.conditions, 1):
        kind = tagged(
            condition_label(condition.kind.value, condition.carried_over_from is not None), condition.provisional
        )
        lines.append(
            f"{number}. **{kind}** ({condition.owner.value}, {condition.due}): {condition.text}{_origin(condition)}"
        )
    lines += ["", "## Blockers", ""]
    numbers = {condition.id: number for number, condition in enumerate(evaluation.conditions, 1)}
    for gate, blockers in (("Go-live", evaluation.blockers.go_live), ("Migration", evaluation.blockers.migration)):
        listed = "; ".join(_blocker_words(b, numbers) for b in blockers) or "nothing"
        lines.append(f"- {gate} blocked by: {listed}")
    lines += ["", "## Path to green", ""]
    if not evaluation.path_to_green:
        lines.append("Every criterion is green.")
    for path in evaluation.path_to_green:
        dates = waiting_words(path.milestones)
        waiting = f" {PREMISE}: {dates}" if dates else ""
        lines.append(
            f"- **{_named(path.criterion)} / {path.group.value}** ({RATING_WORDS[path.rating]}):"
            f" {' '.join(path.actions)}{waiting}"
        )
    if evaluation.excluded_evidence:
        lines += ["", "## Evidence left out", ""]
        lines += [f"- {e.id} ({e.path}): {e.reason}" for e in evaluation.excluded_evidence]
    lines += ["", f"Ruleset {evaluation.ruleset_digest}; input {evaluation.input_digest}.", ""]
    return "\n".join(lines)
