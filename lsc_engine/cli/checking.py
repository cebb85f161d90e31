"""``lsc check``, ``lsc schema`` and ``lsc rules``: the self-check and the ruleset, with no database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lsc_engine.cli.app import (
    READINESS_EXIT,
    Format,
    RulesOption,
    app,
    err,
    fail,
    parse_date,
    rules_app,
    ruleset_at,
)
from lsc_engine.cli.packs import MappingOption, read_mapping
from lsc_engine.cli.report import markdown, print_table
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.loading import gc_paused, read_pack
from lsc_engine.core.rulecheck import check_examples
from lsc_engine.core.words import PROVISIONAL_LEGEND, rating_label, tagged
from lsc_engine.errors import InvalidRequest, LscError
from lsc_engine.spreadsheets import Location, read_imported
from lsc_engine.spreadsheets.reading import is_spreadsheet


@app.command()
def check(
    packs: Annotated[
        list[Path],
        typer.Argument(
            help="Evidence pack: JSON, YAML, a workbook (.xlsx), or CSV files (a .zip, a .csv or a folder); "
            "several spreadsheet files are read together, as lsc pack build reads them.",
            show_default=False,
            metavar="PACK",
        ),
    ],
    as_at: Annotated[
        str | None, typer.Option("--as-at", help="Evaluate as at this date (default: the pack's statement date).")
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.TABLE,
    rules: RulesOption = None,
    mapping: MappingOption = None,
) -> None:
    """Self-check an evidence pack. Exit 0 ready, 3 ready with conditions, 4 not ready, 2 invalid, 1 error."""
    try:
        when = parse_date(as_at, "--as-at")
        ruleset = ruleset_at(rules)
        if len(packs) > 1 and not all(is_spreadsheet(pack) for pack in packs):
            raise InvalidRequest("several files are read together only when each is a workbook or CSV files")
        size = sum(pack.stat().st_size for pack in packs if pack.is_file())
        with gc_paused(size):  # as the service's self-check does
            rows: dict[str, Location] = {}
            if is_spreadsheet(packs[0]):
                imported = read_imported(*packs, mapping=read_mapping(mapping))
                evidence, rows = imported.pack, imported.by_id()
                note = imported.empty_note()
                if note:
                    err.print(f"note: {note}", markup=False)
            else:
                evidence = read_pack(packs[0])
            result = evaluate(evidence, ruleset, as_at=when or evidence.statement.date)
    except LscError as error:
        fail(error)
    if output is Format.JSON:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    elif output is Format.MARKDOWN:
        # A carriage return in a pack's text would let it overwrite what a terminal has just shown.
        sys.stdout.write(markdown(result).replace("\r\n", "\n").replace("\r", "\n"))
    else:
        print_table(result, Console(highlight=False, width=max(100, Console().width)), rows)
    raise typer.Exit(READINESS_EXIT[result.overall])


@app.command()
def schema() -> None:
    """Print the evidence pack's JSON Schema."""
    sys.stdout.write(json.dumps(EvidencePack.model_json_schema(), indent=2, sort_keys=True) + "\n")


@rules_app.command("list")
def rules_list(rules: RulesOption = None) -> None:
    """List every rule with its criterion, group and proposed rating."""
    try:
        ruleset = ruleset_at(rules)
    except LscError as error:
        fail(error)
    console = Console(highlight=False, soft_wrap=True)  # one rule a line, however narrow
    console.print(f"ruleset {ruleset.digest}: {len(ruleset.rules)} rules", markup=False)
    if any(rule.provisional for rule in ruleset.rules):
        console.print(PROVISIONAL_LEGEND, markup=False)
    for rule in ruleset.rules:
        console.print(
            f"{rule.id:<40} {rule.criterion:<8} {rule.group.value:<5} {rating_label(rule.rating):<15} "
            + tagged(rule.title, rule.provisional),
            markup=False,
        )


@rules_app.command("test")
def rules_test(rules: RulesOption = None) -> None:
    """Run every rule's examples; exit 1 if any rule does not behave as its examples say."""
    try:
        ruleset = ruleset_at(rules)
    except LscError as error:
        fail(error)
    results = check_examples(ruleset)
    failures = [r for r in results if not r.passed]
    for failure in failures:
        expected = "fire" if failure.expected_to_fire else "not fire"
        typer.echo(f"FAIL {failure.rule_id}: expected to {expected} on {json.dumps(failure.facts, sort_keys=True)}")
    typer.echo(f"{len(results) - len(failures)} passed, {len(failures)} failed ({len(ruleset.rules)} rules)")
    raise typer.Exit(1 if failures else 0)
