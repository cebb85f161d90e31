"""``lsc audit``: verify the audit chain, and print its head to keep elsewhere."""

from __future__ import annotations

from typing import Annotated

import typer

from lsc_engine.cli.app import Exit, audit_app, database_settings, fail, open_database
from lsc_engine.errors import InvalidRequest


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
            fail(InvalidRequest("--expect-head must look like SEQ:HASH, as printed by an earlier run"))
        expected = (int(seq), digest)
    from lsc_engine.store.audit import verify_database

    settings = database_settings(existing=True)
    key = settings.audit_key.get_secret_value().encode() if settings.audit_key is not None else None
    result = verify_database(open_database(settings), expect_head=expected, key=key, keyed_since=keyed_since)
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

    typer.echo(head(open_database(database_settings(existing=True))))
