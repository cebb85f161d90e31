"""``lsc tokens``: create, list and revoke bearer tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from lsc_engine.access.policy import Role
from lsc_engine.errors import LscError

if TYPE_CHECKING:
    from lsc_engine.services.tokens import Tokens


from lsc_engine.cli.app import (
    database_settings,
    err,
    fail,
    open_database,
    operator,
    tokens_app,
    upgrade,
    validated,
)


def make_tokens() -> Tokens:
    from lsc_engine.services.tokens import Tokens

    settings = database_settings()
    upgrade(settings)
    return Tokens(open_database(settings))


@tokens_app.command("create")
def tokens_create(
    role: Annotated[Role, typer.Option("--role", help="What the holder may do.")],
    name: Annotated[str, typer.Option("--name", help="Who holds the token.")],
) -> None:
    """Create a token and print its secret once (only a hash of it is kept)."""
    from lsc_engine.services.token_inputs import TokenIn

    try:
        body = validated(TokenIn, role=role, name=name)
        info, secret = make_tokens().create(body, actor=operator())
    except LscError as error:
        fail(error)
    err.print(
        f"token {info.id} for {info.name} ({info.role.value}); keep the secret below, it is not stored", markup=False
    )
    typer.echo(secret)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `lsc tokens list`).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is revoked.")] = "revoked",
) -> None:
    """Revoke a token for good."""
    from lsc_engine.services.token_inputs import TokenRevocationIn

    try:
        make_tokens().revoke(token_id, validated(TokenRevocationIn, reason=reason), actor=operator())
    except LscError as error:
        fail(error)
    typer.echo(f"token {token_id} revoked")


@tokens_app.command("list")
def tokens_list() -> None:
    """List the tokens (never their secrets)."""
    for info in make_tokens().list():
        state = f"revoked {info.revoked_at:%Y-%m-%d}" if info.revoked_at else "active"
        typer.echo(f"{info.id}  {info.role.value:<8} {state:<18} {info.name}")
