"""Every request body, whatever reads it, is bounded in size while it arrives and in the time it takes to arrive.

This middleware meters every request's body as the application reads it: a declared length over
``LSC_MAX_REQUEST_BYTES`` is refused before any of it is read, a body that grows past it, or is still
arriving ``LSC_BODY_TIMEOUT_SECONDS`` after the request began, stops being read. So no route (a JSON body, a
form, a pack) can be made to buffer a body of any size or to wait on one for ever. The refusal is raised
where the body is read, as an HTTP exception (which FastAPI's own body parsing passes on as it is) carrying
the domain error, and each application answers it in its own words: JSON for the API, a page for the pages.
"""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lsc_engine.errors import LscError, PayloadTooLarge, RequestTimeout


class BodyRefused(HTTPException):
    """A request body that broke a limit, raised where the body is read; ``error`` says which and why."""

    def __init__(self, error: PayloadTooLarge | RequestTimeout) -> None:
        super().__init__(status_code=413 if isinstance(error, PayloadTooLarge) else 408, detail=error.message)
        self.error: LscError = error


#: The addresses that take an evidence pack, which may be large; every other body is a form or a small JSON.
PACK_ADDRESSES = frozenset({("POST", "/v1/submissions"), ("POST", "/v1/self-check"), ("POST", "/self-check")})


class BodyLimits:
    """Meter every request body against a size limit (packs' or other bodies') and a time limit.

    Other bodies have a small limit because FastAPI reads and parses a JSON body before it asks who is
    calling: without it, anyone could make the server parse a pack-sized JSON document for nothing.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_other_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_other_bytes = max_other_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with its body metered."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pack = (scope["method"], scope["path"].rstrip("/")) in PACK_ADDRESSES
        limit = self.max_bytes if pack else self.max_other_bytes
        await self.app(scope, _Meter(self, limit, scope, receive).receive, send)

    def too_large(self, limit: int, size: int | None = None) -> BodyRefused:
        """Return the refusal of a body over a size limit (of ``size`` bytes, where it was declared)."""
        said = (
            f"the body is {size} bytes; the limit is {limit}"
            if size
            else f"the body is over the limit of {limit} bytes"
        )
        return BodyRefused(PayloadTooLarge(said, details={"limit": limit}))

    def too_slow(self) -> BodyRefused:
        """Return the refusal of a body that took too long to arrive."""
        seconds = self.timeout_seconds
        return BodyRefused(
            RequestTimeout(f"the body took longer than {seconds:g} s to arrive", details={"timeout_seconds": seconds})
        )


class _Meter:
    """One request's body as it arrives: its size so far and its deadline."""

    def __init__(self, limits: BodyLimits, limit: int, scope: Scope, receive: Receive) -> None:
        self._limits = limits
        self._limit = limit
        self._receive = receive
        self._deadline = asyncio.get_running_loop().time() + limits.timeout_seconds
        self._size = 0
        self._complete = False
        declared = dict(scope["headers"]).get(b"content-length", b"")
        self._declared = int(declared) if declared.isdigit() else None

    async def receive(self) -> Message:
        """Hand the application the next part of the body, or refuse the body if it breaks a limit."""
        if self._complete:  # only a disconnect can come now; it may take as long as the answer does
            return await self._receive()
        if self._declared is not None and self._declared > self._limit:
            raise self._limits.too_large(self._limit, self._declared)
        try:
            async with asyncio.timeout_at(self._deadline):
                message = await self._receive()
        except TimeoutError:
            raise self._limits.too_slow() from None
        if message["type"] == "http.request":
            self._size += len(message.get("body", b""))
            if self._size > self._limit:
                raise self._limits.too_large(self._limit)
            self._complete = not message.get("more_body", False)
        return message
