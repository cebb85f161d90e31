"""Submissions on their way in: while one is, self-checks are evaluated in threads, where a submission goes first."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from lsc_engine.services.submissions import Service

#: The address that stores a pack, and so takes an evaluation turn ahead of every self-check.
SUBMISSIONS = ("POST", "/v1/submissions")


class SubmissionsArriving:
    """Mark each submission from its request's start to its answer (``Service.submission_arriving``).

    A small self-check may be evaluated on the event loop when a turn is free; a submission's request also runs
    there until its thread asks for a turn, so meanwhile every self-check goes to a thread and waits behind it.
    """

    def __init__(self, app: ASGIApp, *, service: Service) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, marked while it runs if it is a submission."""
        if scope["type"] != "http" or (scope["method"], scope["path"].rstrip("/")) != SUBMISSIONS:
            await self.app(scope, receive, send)
            return
        with self.service.submission_arriving():
            await self.app(scope, receive, send)
