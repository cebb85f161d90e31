"""Tokens for tests, and a client that speaks for the party that would make each request."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi.testclient import TestClient

from api.app import create_app
from lsc_engine.access.policy import Role
from lsc_engine.services.token_inputs import TokenIn
from lsc_engine.services.tokens import Tokens
from lsc_engine.settings import Settings
from lsc_engine.store.db import make_engine

_GROUP_IN_PATH = re.compile(r"/(?:assess|revoke)/(tag|opsg|ssc)\b", re.IGNORECASE)


def issue_tokens(settings: Settings) -> dict[Role, str]:
    """Create one token per role on a migrated database and return their secrets."""
    database = make_engine(settings)
    try:
        tokens = Tokens(database)
        return {role: tokens.create(TokenIn(role=role, name=f"test {role.value}"), actor="test")[1] for role in Role}
    finally:
        database.dispose()


def token_id(settings: Settings, secret: str) -> str:
    """Return the id of a token, as the audit chain records it beside its holder's name."""
    database = make_engine(settings)
    try:
        principal = Tokens(database).resolve(secret)
        assert principal is not None
        return principal.token_id
    finally:
        database.dispose()


def bearer(secret: str) -> dict[str, str]:
    """Return the header that presents a token."""
    return {"Authorization": f"Bearer {secret}"}


def natural_role(method: str, path: str, body: Any = None) -> Role:
    """Return who would make a request: DCC submits, a group assesses for itself, the Panel does the rest."""
    path = path.split("?", 1)[0]
    if method == "POST" and path.rstrip("/").endswith(("/v1/submissions", "/v1/self-check", "/self-check")):
        return Role.DCC
    if path.startswith("/v1/tokens"):
        return Role.ADMIN
    if method == "POST" and path.endswith(("/assessments", "/revocations")) and isinstance(body, dict):
        group = body.get("group")
        if isinstance(group, str) and group.lower() in {"tag", "opsg", "ssc"}:
            return Role(group.lower())
    found = _GROUP_IN_PATH.search(path)
    if method == "POST" and found:
        return Role(found.group(1).lower())
    return Role.PANEL


class ActingClient(TestClient):
    """A test client that sends, unless told otherwise, the token of the party that would make each request.

    Pass ``headers={"Authorization": ...}`` (see ``bearer``) to speak for someone else.
    """

    tokens: dict[Role, str]

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:
        """Send a request with the natural party's token unless it names its own."""
        headers = dict(kwargs.pop("headers", None) or {})
        if not any(name.lower() == "authorization" for name in headers):
            headers.update(bearer(self.tokens[natural_role(method.upper(), str(url), kwargs.get("json"))]))
        return super().request(method, url, headers=headers, **kwargs)


@contextmanager
def acting_client(settings: Settings) -> Iterator[ActingClient]:
    """Start the app on a migrated database with a token per role, and yield an acting client of it."""
    tokens = issue_tokens(settings)
    with ActingClient(create_app(settings)) as client:
        client.tokens = tokens
        yield client


def acting_hook(tokens: dict[Role, str]) -> Callable[[httpx.Request], None]:
    """Return an httpx request hook that adds the natural party's token to requests that name none."""

    def hook(request: httpx.Request) -> None:
        if "authorization" in request.headers:
            return
        body: Any = None
        if request.headers.get("content-type", "").startswith("application/json") and len(request.content) < 65536:
            with contextlib.suppress(ValueError):
                body = json.loads(request.content)
        request.headers.update(bearer(tokens[natural_role(request.method, request.url.path, body)]))

    return hook
