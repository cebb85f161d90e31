"""The ``lsc`` command line's application, its exit codes, and what every command shares."""

from __future__ import annotations

import getpass
from datetime import date
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console

from lsc_engine.core.evaluation import Readiness
from lsc_engine.core.ruleset import Ruleset, load_ruleset
from lsc_engine.errors import InvalidRequest, LscError, NotFound, Problem

if TYPE_CHECKING:
    from lsc_engine.services.committee import Committee
    from lsc_engine.services.submissions import Service
    from lsc_engine.settings import Settings
    from lsc_engine.store.db import Database


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


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        from lsc_engine.core.compiled import core_build

        typer.echo(f"lsc-engine {version('lsc-engine')} ({core_build()})")
        raise typer.Exit()


@app.callback()
def _options(
    _version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Evaluate evidence packs against the Live Services Criteria."""


rules_app = typer.Typer(help="List and test the rules.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
db_app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
audit_app = typer.Typer(help="Check the audit chain.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
tokens_app = typer.Typer(help="Create, list and revoke bearer tokens.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")

RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", envvar="LSC_RULES_DIR", help="Directory holding the ruleset.", show_default=False),
]

err = Console(stderr=True, highlight=False, soft_wrap=True)


def report(error: LscError, *, heading: str = "error") -> None:
    """Print an error and each of its problems on stderr."""
    err.print(f"{heading}: {error.message}", markup=False)
    for problem in error.problems:
        err.print(f"  {problem.path}: {problem.message}", markup=False)
    if unlisted := error.details.get("unlisted"):
        err.print(f"  and {unlisted} more problems not listed", markup=False)


def fail(error: LscError) -> NoReturn:
    report(error)
    raise typer.Exit(Exit.INVALID)


M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], **fields: object) -> M:
    """Check what a command was given with the model the API checks it with; refuse it naming each option."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        problems = [
            Problem(
                "--" + "-".join(str(p) for p in detail["loc"]).replace("_", "-"),
                str(detail["msg"]).removeprefix("Value error, "),
            )
            for detail in error.errors(include_url=False, include_input=False)
        ]
        raise InvalidRequest("the options are not acceptable", problems=problems) from None


def operator() -> str:
    """Name who runs a command that writes, for the audit chain (the CLI works on the database directly)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def parse_date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"{name} must be a date as YYYY-MM-DD, not {value!r}") from None


def ruleset_at(directory: Path | None) -> Ruleset:
    return load_ruleset(directory)


# Settings and the storage, service and web layers are imported by the commands that use them, not with this module:
# together they take most of a second to load, which ``lsc check`` and ``lsc rules`` need not pay.


def load_settings() -> Settings:
    from lsc_engine.settings import Settings

    return Settings()


def database_settings(*, existing: bool = False) -> Settings:
    """Load the settings of a command that works on the database, and say on stderr which database that is.

    ``existing``: the command only reads, so a SQLite file that is not there yet is refused rather than made
    empty (the usual cause: the command was run from another folder than the one holding ``data/``).
    """
    from lsc_engine.store.db import describe, sqlite_file

    settings = load_settings()
    err.print(f"database: {describe(settings)}", markup=False)
    path = sqlite_file(settings)
    if existing and path is not None and not path.exists():
        fail(
            NotFound(
                f"there is no database at {path.resolve()}; run this where lsc serve or lsc submit stored the "
                "records, or name their database with LSC_DATA_DIR or LSC_DATABASE_URL"
            )
        )
    return settings


def open_database(settings: Settings) -> Database:
    from lsc_engine.store.db import make_engine

    return make_engine(settings)


def upgrade(settings: Settings) -> None:
    from lsc_engine.store import migrate

    migrate.upgrade(settings)


def make_service(settings: Settings) -> Service:
    from lsc_engine.services.submissions import Service

    return Service(open_database(settings), load_ruleset(settings.rules_dir))


def make_committee(settings: Settings) -> Committee:
    from lsc_engine.services.committee import Committee

    return Committee(open_database(settings), load_ruleset(settings.rules_dir))
