"""``lsc letter``: the Panel's letter on a recorded decision, and checking a letter file against the record."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from lsc_engine.cli.app import Exit, app, database_settings, err, open_database, parse_date
from lsc_engine.committee.letter import LetterFormat, long_date, render
from lsc_engine.core.ruleset import load_ruleset
from lsc_engine.errors import InvalidRequest

if TYPE_CHECKING:
    from lsc_engine.services.letters import Letters
    from lsc_engine.settings import Settings


class ShowByDefault(TyperGroup):
    """Read ``lsc letter DECISION_ID`` as ``lsc letter show DECISION_ID``, as the command was first written."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # ctx: the Context of the click Typer bundles
        """Put ``show`` before a first argument that names no command."""
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


letter_app = typer.Typer(
    cls=ShowByDefault, help="The Panel's letter on a decision, and checking a letter file.", no_args_is_help=True
)
app.add_typer(letter_app, name="letter")


def make_letters(settings: Settings) -> Letters:
    """Build the letters service on the configured database, ruleset and letterhead."""
    from lsc_engine.committee.letterhead import load_letterhead
    from lsc_engine.services.letters import Letters

    return Letters(open_database(settings), load_ruleset(settings.rules_dir), load_letterhead(settings.letterhead))


@letter_app.command("show")
def show(
    decision_id: Annotated[str, typer.Argument(help="A recorded decision's id.")],
    output_format: Annotated[LetterFormat, typer.Option("--format", help="Letter format.")] = LetterFormat.PDF,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write (default stdout).")] = None,
    letter_date: Annotated[
        str | None, typer.Option("--date", help="The date the letter bears, YYYY-MM-DD (default the Panel's).")
    ] = None,
) -> None:
    """Compose the Panel's letter on a recorded decision (to issue one, draft it in the pages or the API)."""
    dated = parse_date(letter_date, "--date")
    if output is None and output_format is LetterFormat.PDF and sys.stdout.isatty():
        raise InvalidRequest("a PDF would be written to the terminal: give -o FILE, or --format markdown to read it")
    letters = make_letters(database_settings(existing=True))
    content = render(letters.compose(decision_id, dated), output_format, draft=True)
    if output is None:
        sys.stdout.buffer.write(content)
    else:
        output.write_bytes(content)
        typer.echo(f"wrote {output} ({len(content)} bytes)")


@letter_app.command("verify")
def verify(file: Annotated[Path, typer.Argument(help="A letter file: PDF, HTML or Markdown, as issued.")]) -> None:
    """Say which issued letter a file is; exit 2 if it matches none (altered, a draft's preview, or unknown)."""
    try:
        content = file.read_bytes()
    except OSError as error:
        raise InvalidRequest(f"cannot read {file}: {error.strerror or error}") from None
    matches = make_letters(database_settings(existing=True)).verify(content)
    if not matches:
        err.print(f"{file} matches no issued letter: it is not a letter as issued, or it was altered", markup=False)
        raise typer.Exit(Exit.INVALID)
    for match in matches:
        corrected = f"; superseded by letter {match.superseded_by}" if match.superseded_by else ""
        typer.echo(
            f"{file} is {match.file} of letter {match.letter_id} dated {long_date(match.letter_date)}, on decision "
            f"{match.decision_id}, issued {match.issued_at:%Y-%m-%d %H:%M} UTC{corrected}"
        )
