"""The ``lsc`` command line: self-check a pack, print the schema, list and test the rules."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import date
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from lsc_engine.access.policy import Role
from lsc_engine.cli.report import markdown, print_table
from lsc_engine.committee.letter import LetterFormat, render
from lsc_engine.core.decision import evaluate
from lsc_engine.core.evaluation import Readiness
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.loading import gc_paused, read_pack
from lsc_engine.core.rulecheck import check_examples
from lsc_engine.core.ruleset import Ruleset, load_ruleset
from lsc_engine.core.words import rating_label
from lsc_engine.errors import InvalidRequest, LscError

if TYPE_CHECKING:
    from lsc_engine.services.committee import Committee
    from lsc_engine.services.submissions import Service
    from lsc_engine.services.tokens import Tokens
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

_err = Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(error: LscError) -> NoReturn:
    _err.print(f"error: {error.message}", markup=False)
    for problem in error.problems:
        _err.print(f"  {problem.path}: {problem.message}", markup=False)
    raise typer.Exit(Exit.INVALID)


def _operator() -> str:
    """Name who runs a command that writes, for the audit chain (the CLI works on the database directly)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _parse_date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"{name} must be a date as YYYY-MM-DD, not {value!r}") from None


def _ruleset(directory: Path | None) -> Ruleset:
    return load_ruleset(directory)


# Settings and the storage, service and web layers are imported by the commands that use them, not with this module:
# together they take most of a second to load, which ``lsc check`` and ``lsc rules`` need not pay.


def _settings() -> Settings:
    from lsc_engine.settings import Settings

    return Settings()


def _database(settings: Settings) -> Database:
    from lsc_engine.store.db import make_engine

    return make_engine(settings)


def _upgrade(settings: Settings) -> None:
    from lsc_engine.store import migrate

    migrate.upgrade(settings)


def _service() -> Service:
    from lsc_engine.services.submissions import Service

    settings = _settings()
    return Service(_database(settings), load_ruleset(settings.rules_dir))


def _committee() -> Committee:
    from lsc_engine.services.committee import Committee

    settings = _settings()
    return Committee(_database(settings), load_ruleset(settings.rules_dir))


@app.command()
def check(
    pack: Annotated[Path, typer.Argument(help="Evidence pack, JSON or YAML.", show_default=False)],
    as_at: Annotated[
        str | None, typer.Option("--as-at", help="Evaluate as at this date (default: the pack's statement date).")
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.TABLE,
    rules: RulesOption = None,
) -> None:
    """Self-check an evidence pack. Exit 0 ready, 3 ready with conditions, 4 not ready, 2 invalid, 1 error."""
    try:
        when = _parse_date(as_at, "--as-at")
        ruleset = _ruleset(rules)
        with gc_paused(pack.stat().st_size if pack.is_file() else 0):  # as the service's self-check does
            evidence = read_pack(pack)
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
def rules_list(rules: RulesOption = None) -> None:
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
def rules_test(rules: RulesOption = None) -> None:
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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    run_migrations: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Upgrade the database schema before serving.")
    ] = True,
) -> None:
    """Run the HTTP service (settings from LSC_* environment variables)."""
    import uvicorn

    from api import serving

    settings = _settings()
    try:
        load_ruleset(settings.rules_dir)
    except LscError as error:
        _fail(error)
    if run_migrations:
        _upgrade(settings)
    uvicorn.run(
        serving.APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=serving.GuardedHttp,
        log_level="info",
    )


@app.command()
def submit(
    packs: Annotated[list[Path], typer.Argument(help="Evidence packs (JSON) to store and evaluate.")],
    as_at: Annotated[str | None, typer.Option("--as-at", help="Evaluate as at this date.")] = None,
) -> None:
    """Store and evaluate packs in the configured database, as the API would (e.g. to load fixtures)."""
    try:
        when = _parse_date(as_at, "--as-at")
        _upgrade(_settings())
        service = _service()
        for path in packs:
            stored = service.submit(_read(path), submitter=_operator(), as_at=when)
            typer.echo(
                f"{path}: submission {stored.submission.id} ({stored.submission.capability} "
                f"v{stored.submission.version}) {stored.evaluation.overall.value} as at {stored.evaluation.as_at}"
            )
    except LscError as error:
        _fail(error)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidRequest(f"cannot read {path}: {error.strerror}") from None


@app.command()
def replay(
    rules: Annotated[Path, typer.Option("--rules", help="Candidate ruleset directory.", show_default=False)],
    output: Annotated[Format, typer.Option("--format", help="Output format (table or json).")] = Format.TABLE,
) -> None:
    """Replay every stored submission under a candidate ruleset; list each rating and readiness that would flip.

    Exit 0 when nothing would change, 3 when something would.
    """
    try:
        candidate = _ruleset(rules)
        checked, flips = _service().replay(candidate)
    except LscError as error:
        _fail(error)
    if output is Format.JSON:
        document = {
            "candidate_digest": candidate.digest,
            "submissions_checked": checked,
            "flips": [flip.model_dump(mode="json") for flip in flips],
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        typer.echo(f"replayed {checked} submission(s) under {candidate.digest}: {len(flips)} would change")
        for flip in flips:
            overall = f"{flip.overall_before.value} -> {flip.overall_after.value}"
            typer.echo(f"{flip.capability} v{flip.version} ({flip.submission_id}) as at {flip.as_at}: {overall}")
            for change in flip.diff.changes:
                typer.echo(f"  {change.explanation}")
    raise typer.Exit(3 if flips else 0)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the latest migration."""
    settings = _settings()
    _upgrade(settings)
    typer.echo(f"database at {settings.url.split('@')[-1]} is up to date")


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrations disagree."""
    from lsc_engine.store import migrate

    settings = _settings()
    migrate.upgrade(settings)
    migrate.check(settings)


@audit_app.command("verify")
def audit_verify(
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head",
            help="The head (SEQ:HASH) printed by an earlier run and kept elsewhere; catches a cut-off chain.",
        ),
    ] = None,
    keyed_since: Annotated[
        int,
        typer.Option(
            "--keyed-since",
            min=1,
            help="With LSC_AUDIT_KEY: the first entry written with the key (earlier entries may lack its MAC).",
        ),
    ] = 1,
) -> None:
    """Recompute the audit chain, its MACs and every record digest. Exit 0 if intact, 4 if anything was altered."""
    expected: tuple[int, str] | None = None
    if expect_head is not None:
        seq, _, digest = expect_head.partition(":")
        if not seq.isdigit() or not digest:
            _fail(InvalidRequest("--expect-head must look like SEQ:HASH, as printed by an earlier run"))
        expected = (int(seq), digest)
    from lsc_engine.store.audit import verify_database

    settings = _settings()
    key = settings.audit_key.get_secret_value().encode() if settings.audit_key is not None else None
    result = verify_database(_database(settings), expect_head=expected, key=key, keyed_since=keyed_since)
    for problem in result.problems:
        typer.echo(f"TAMPERED: {problem}")
    typer.echo(f"head: {result.head} (keep it elsewhere; a later run given it with --expect-head catches a cut)")
    typer.echo(_keying(result.keyed_from, result.macs_checked))
    state = "intact" if result.intact else f"{len(result.problems)} problem(s)"
    typer.echo(f"audit chain: {result.entries} entries, {result.records} records, {state}")
    raise typer.Exit(0 if result.intact else Exit.NOT_READY)


def _keying(keyed_from: int | None, checked: bool) -> str:
    """Say whether the chain carries MACs and whether they were checked."""
    if keyed_from is None:
        return "keyed: no entry carries a MAC" + ("" if checked else " (set LSC_AUDIT_KEY to sign new entries)")
    if checked:
        return f"keyed: from entry {keyed_from}; every MAC checked with LSC_AUDIT_KEY"
    return f"keyed: from entry {keyed_from}; MACs not checked (set LSC_AUDIT_KEY to check them)"


@audit_app.command("head")
def audit_head() -> None:
    """Print the audit chain's head (SEQ:HASH) to record elsewhere, e.g. in the Panel's minutes."""
    from lsc_engine.store.audit import head

    typer.echo(head(_database(_settings())))


@app.command()
def gate(capability: Annotated[str, typer.Argument(help="The capability, e.g. MOC-MDS.")]) -> None:
    """May this capability go live now, and may migration start? Exit 0 both, 3 go-live only, 4 neither."""
    view = _committee().readiness(capability)
    result = view.gate
    typer.echo(f"{capability} v{view.version} as at {view.as_at}: {result.overall.value.replace('_', ' ')}")
    for step, verdict in (("go-live", result.go_live), ("migration", result.migration)):
        typer.echo(f"{step}: {'open' if verdict.allowed else 'blocked'}")
        for blocker in verdict.blockers:
            typer.echo(f"  - {blocker.kind} {blocker.ref}: {blocker.reason}")
    if result.migration_paused:
        typer.echo("migration is paused")
    code = Exit.READY if result.migration.allowed else Exit.READY_WITH_CONDITIONS
    raise typer.Exit(code if result.go_live.allowed else Exit.NOT_READY)


@app.command()
def letter(
    decision_id: Annotated[str, typer.Argument(help="A recorded decision's id.")],
    output_format: Annotated[LetterFormat, typer.Option("--format", help="Letter format.")] = LetterFormat.PDF,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write (default stdout).")] = None,
) -> None:
    """Generate the Panel's letter from a recorded decision."""
    content = render(_committee().decision(decision_id), output_format)
    if output is None:
        sys.stdout.buffer.write(content)
    else:
        output.write_bytes(content)
        typer.echo(f"wrote {output} ({len(content)} bytes)")


def _tokens() -> Tokens:
    from lsc_engine.services.tokens import Tokens

    settings = _settings()
    _upgrade(settings)
    return Tokens(_database(settings))


@tokens_app.command("create")
def tokens_create(
    role: Annotated[Role, typer.Option("--role", help="What the holder may do.")],
    name: Annotated[str, typer.Option("--name", help="Who holds the token.")],
) -> None:
    """Create a token and print its secret once (only a hash of it is kept)."""
    try:
        info, secret = _tokens().create(role=role, name=name, actor=_operator())
    except LscError as error:
        _fail(error)
    _err.print(f"token {info.id} for {info.name} ({info.role.value}); keep the secret below, it is not stored")
    typer.echo(secret)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `lsc tokens list`).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is revoked.")] = "revoked",
) -> None:
    """Revoke a token for good."""
    try:
        _tokens().revoke(token_id, reason=reason, actor=_operator())
    except LscError as error:
        _fail(error)
    typer.echo(f"token {token_id} revoked")


@tokens_app.command("list")
def tokens_list() -> None:
    """List the tokens (never their secrets)."""
    for info in _tokens().list():
        state = f"revoked {info.revoked_at:%Y-%m-%d}" if info.revoked_at else "active"
        typer.echo(f"{info.id}  {info.role.value:<8} {state:<18} {info.name}")


def main() -> None:
    """Run the command line, turning anything unexpected into exit code 1 without a traceback."""
    try:
        app()
    except SystemExit:
        raise
    except ValidationError as error:
        _err.print(f"error: invalid settings: {error}", markup=False)
        sys.exit(Exit.INVALID)
    except LscError as error:
        _err.print(f"error: {error.message}", markup=False)
        sys.exit(Exit.ERROR)
    except Exception as error:  # noqa: BLE001 - the last resort: report, never dump a traceback
        _err.print(f"unexpected error: {type(error).__name__}: {error}", markup=False)
        sys.exit(Exit.ERROR)
