"""Each request parses a stored evaluation once while it keeps it, however many of the service's calls read it."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from lsc_engine.store.read_once import evaluations_read_once


class EvaluationsReadOnce:
    """Run each request as one unit of work for reading stored evaluations (plain ASGI, no extra task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on inside the unit of work; the threads its calls run in share it."""
        with evaluations_read_once():
            await self.app(scope, receive, send)
