"""The ``lsc`` command line: self-check a pack, print the schema, list and test the rules."""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from lsc_engine.decision import evaluate
from lsc_engine.errors import InvalidRequest, LscError
from lsc_engine.evaluation import Readiness
from lsc_engine.evidence import EvidencePack
from lsc_engine.loading import read_pack
from lsc_engine.report import markdown, print_table, rating_label
from lsc_engine.rulecheck import check_examples
from lsc_engine.ruleset import DEFAULT_RULES_DIR, Ruleset, load_ruleset


class Exit(IntEnum):
    """Exit codes of ``lsc check``, in the spirit of ``terraform plan -detailed-exitcode``."""

    READY = 0
    ERROR = 1
    INVALID = 2
    READY_WITH_CONDITIONS = 3
    NOT_READY = 4


READINESS_EXIT = {
    Readiness.READY: Exit.READY,
    Readiness.READY_WITH_CONDITIONS: Exit.READY_WITH_CONDITIONS,
    Readiness.NOT_READY: Exit.NOT_READY,
}


class Format(StrEnum):
    """Output formats of ``lsc check``."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


app = typer.Typer(
    help="lsc-engine: evaluate evidence packs against the Live Services Criteria.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
rules_app = typer.Typer(help="List and test the rules.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

RulesOption = Annotated[Path, typer.Option("--rules", help="Directory holding the ruleset.", show_default=False)]

_err = Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(error: LscError) -> NoReturn:
    _err.print(f"error: {error.message}", markup=False)
    for problem in error.problems:
        _err.print(f"  {problem.path}: {problem.message}", markup=False)
    raise typer.Exit(Exit.INVALID)


def _parse_date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"{name} must be a date as YYYY-MM-DD, not {value!r}") from None


def _ruleset(directory: Path) -> Ruleset:
    return load_ruleset(directory)


@app.command()
def check(
    pack: Annotated[Path, typer.Argument(help="Evidence pack, JSON or YAML.", show_default=False)],
    as_at: Annotated[
        str | None, typer.Option("--as-at", help="Evaluate as at this date (default: the pack's statement date).")
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.TABLE,
    rules: RulesOption = DEFAULT_RULES_DIR,
) -> None:
    """Self-check an evidence pack. Exit 0 ready, 3 ready with conditions, 4 not ready, 2 invalid, 1 error."""
    try:
        when = _parse_date(as_at, "--as-at")
        evidence = read_pack(pack)
        ruleset = _ruleset(rules)
        result = evaluate(evidence, ruleset, as_at=when or evidence.statement.date)
    except LscError as error:
        _fail(error)
    if output is Format.JSON:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    elif output is Format.MARKDOWN:
        sys.stdout.write(markdown(result))
    else:
        print_table(result, Console(highlight=False, width=max(100, Console().width)))
    raise typer.Exit(READINESS_EXIT[result.overall])


@app.command()
def schema() -> None:
    """Print the evidence pack's JSON Schema."""
    sys.stdout.write(json.dumps(EvidencePack.model_json_schema(), indent=2, sort_keys=True) + "\n")


@rules_app.command("list")
def rules_list(rules: RulesOption = DEFAULT_RULES_DIR) -> None:
    """List every rule with its criterion, group and proposed rating."""
    try:
        ruleset = _ruleset(rules)
    except LscError as error:
        _fail(error)
    console = Console(highlight=False)
    console.print(f"ruleset {ruleset.digest}: {len(ruleset.rules)} rules", markup=False)
    for rule in ruleset.rules:
        console.print(
            f"{rule.id:<40} {rule.criterion:<8} {rule.group.value:<5} {rating_label(rule.rating):<15} {rule.title}",
            markup=False,
        )


@rules_app.command("test")
def rules_test(rules: RulesOption = DEFAULT_RULES_DIR) -> None:
    """Run every rule's examples; exit 1 if any rule does not behave as its examples say."""
    try:
        ruleset = _ruleset(rules)
    except LscError as error:
        _fail(error)
    results = check_examples(ruleset)
    failures = [r for r in results if not r.passed]
    for failure in failures:
        expected = "fire" if failure.expected_to_fire else "not fire"
        typer.echo(f"FAIL {failure.rule_id}: expected to {expected} on {json.dumps(failure.facts, sort_keys=True)}")
    typer.echo(f"{len(results) - len(failures)} passed, {len(failures)} failed ({len(ruleset.rules)} rules)")
    raise typer.Exit(1 if failures else 0)


def main() -> None:
    """Run the command line, turning anything unexpected into exit code 1 without a traceback."""
    try:
        app()
    except SystemExit:
        raise
    except Exception as error:  # noqa: BLE001 - the last resort: report, never dump a traceback
        _err.print(f"unexpected error: {type(error).__name__}: {error}", markup=False)
        sys.exit(Exit.ERROR)
