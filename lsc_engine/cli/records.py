"""The commands that work on the stored records: serve, submit, replay, the database schema and the gate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from lsc_engine.cli.app import (
    Exit,
    Format,
    app,
    database_settings,
    db_app,
    err,
    fail,
    make_committee,
    make_service,
    operator,
    parse_date,
    report,
    ruleset_at,
    upgrade,
)
from lsc_engine.core.ruleset import load_ruleset
from lsc_engine.errors import InvalidRequest, LscError


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

    settings = database_settings()
    try:
        load_ruleset(settings.rules_dir)
    except LscError as error:
        fail(error)
    if run_migrations:
        upgrade(settings)
    uvicorn.run(
        serving.APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=serving.GuardedHttp,
        # The client's address counts refused requests: take it from X-Forwarded-For only from the named proxies.
        proxy_headers=settings.forwarded_allow_ips is not None,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level="info",
    )


@app.command()
def submit(
    packs: Annotated[list[Path], typer.Argument(help="Evidence packs (JSON) to store and evaluate.")],
    as_at: Annotated[str | None, typer.Option("--as-at", help="Evaluate as at this date.")] = None,
) -> None:
    """Store and evaluate packs in the configured database, as the API would (e.g. to load fixtures).

    Each file is stored on its own, and one that cannot be is named with the reason while the others are still
    stored. Exit 0 when every file was stored, 2 when any was not.
    """
    try:
        when = parse_date(as_at, "--as-at")
    except LscError as error:
        fail(error)
    settings = database_settings()
    upgrade(settings)
    service = make_service(settings)
    refused = 0
    for path in packs:
        try:
            stored = service.submit(read_pack_bytes(path), submitter=operator(), as_at=when)
        except LscError as error:
            refused += 1
            report(error, heading=f"{path}: not stored")
            continue
        submission = stored.submission
        typer.echo(
            f"{path}: stored as submission {submission.id} ({submission.capability} v{submission.version}), "
            f"{stored.evaluation.overall.value.replace('_', ' ')} as at {stored.evaluation.as_at}"
        )
    if refused:
        err.print(f"{refused} of {len(packs)} file(s) not stored", markup=False)
        raise typer.Exit(Exit.INVALID)


def read_pack_bytes(path: Path) -> bytes:
    """Read a pack to store; the service stores JSON only, so a YAML file is refused before it is read."""
    if path.suffix.lower() in {".yaml", ".yml"}:
        raise InvalidRequest("a YAML pack cannot be stored: packs are stored as JSON (lsc check reads YAML)")
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
        candidate = ruleset_at(rules)
        checked, flips = make_service(database_settings(existing=True)).replay(candidate)
    except LscError as error:
        fail(error)
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
    upgrade(database_settings())
    typer.echo("the database schema is up to date")


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrations disagree."""
    from lsc_engine.store import migrate

    settings = database_settings()
    migrate.upgrade(settings)
    migrate.check(settings)


@app.command()
def gate(capability: Annotated[str, typer.Argument(help="The capability, e.g. MOC-MDS.")]) -> None:
    """May this capability go live now, and may migration start? Exit 0 both, 3 go-live only, 4 neither."""
    view = make_committee(database_settings(existing=True)).readiness(capability)
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
