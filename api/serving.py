"""How ``lsc serve`` runs the service under uvicorn: the worker's app factory and its guarded HTTP protocol."""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
from typing import TYPE_CHECKING, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

if TYPE_CHECKING:
    from fastapi import FastAPI

#: How long a thread may hold the interpreter's lock while another waits for it (see ``worker_app``).
SWITCH_INTERVAL_SECONDS = 0.001

#: What uvicorn imports in each worker process to build the app.
APP_FACTORY = "api.serving:worker_app"


class HeadTooLarge(Exception):
    """A request line and headers over the limit (raised inside the parser's callbacks to stop it)."""


class GuardedHttp(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, with bounded request heads and each response sent at once.

    A request's line and headers together may be at most ``max_head_bytes`` (431 otherwise), and must arrive
    within ``head_timeout_seconds`` of the connection opening or of the previous response (else the connection
    is closed): neither oversized headers nor a client trickling them can hold a worker's attention. The
    limits are set in each worker from the settings (``worker_app``) before it serves.

    TCP_NODELAY is set on every accepted connection: with ``--workers`` above 1, uvicorn binds the listening
    socket itself and hands it to the workers, and asyncio then leaves Nagle's algorithm on for the connections
    it accepts, so a keep-alive response waited for the client's delayed ACK of the previous one, about 40 ms a
    request (uvicorn issue 3149).
    """

    max_head_bytes: ClassVar[int] = 32 * 1024
    head_timeout_seconds: ClassVar[float] = 10.0

    _head_bytes = 0
    _head_timer: asyncio.TimerHandle | None = None
    _head_refused = False
    _in_head = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Switch Nagle's algorithm off for a TCP connection, take it as usual, and start the head's clock."""
        connection = transport.get_extra_info("socket")
        if connection is not None and connection.family in (socket.AF_INET, socket.AF_INET6):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
        self._start_head_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the head's clock with the connection."""
        self._stop_head_clock()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Feed the parser; answer 431 and close if the request's head grew over the limit."""
        super().data_received(data)
        if self._head_refused and not self.transport.is_closing():
            self._refuse(b"431 Request Header Fields Too Large", b"the request line and headers are too large")

    def send_400_response(self, msg: str) -> None:
        """Answer a malformed request with 400, unless it was refused for the size of its head."""
        if not self._head_refused:
            super().send_400_response(msg)

    def on_message_begin(self) -> None:
        """Start counting a new request's head."""
        self._head_bytes = 0
        self._in_head = True
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        """Count the request line."""
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Count each header."""
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """The head is in: stop its clock."""
        self._in_head = False
        self._stop_head_clock()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        """A response went out: the next request's head has its own time to arrive."""
        super().on_response_complete()
        if not self.transport.is_closing():
            self._start_head_clock()

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_head_bytes:
            self._head_refused = True
            raise HeadTooLarge

    def _start_head_clock(self) -> None:
        self._stop_head_clock()
        self._head_timer = asyncio.get_running_loop().call_later(self.head_timeout_seconds, self._head_too_slow)

    def _stop_head_clock(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._in_head:
            self._refuse(b"408 Request Timeout", b"the request headers took too long to arrive")
        elif self.cycle is None or self.cycle.response_complete:
            self.transport.close()  # an idle connection that never began another request

    def _refuse(self, status: bytes, message: bytes) -> None:
        self.transport.write(
            b"HTTP/1.1 "
            + status
            + b"\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: "
            + str(len(message)).encode()
            + b"\r\nconnection: close\r\n\r\n"
            + message
        )
        self.transport.close()


def worker_app() -> FastAPI:
    """Build the service in one worker process, then set what it built aside from the cycle collector.

    The modules, the app and its ruleset are most of a worker's objects (some 140,000) and live as long as it
    does. Frozen (``gc.freeze``), they are no longer walked by the full collections that handling requests
    sets off now and then, each of which took 40-50 ms and showed in the tail of latencies under load.
    """
    from api.app import create_app
    from lsc_engine.settings import Settings

    settings = Settings()
    GuardedHttp.max_head_bytes = settings.max_header_bytes
    GuardedHttp.head_timeout_seconds = settings.header_timeout_seconds
    built = create_app(settings)
    gc.collect()
    gc.freeze()
    # A thread back from the database waits for the interpreter's lock until a thread evaluating gives it up,
    # after 5 ms by default: a write makes several round trips while it holds the audit chain's head, and every
    # other write waits for it. Evaluation loses little by switching every millisecond.
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    return built
