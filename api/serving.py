"""How ``lsc serve`` runs the service under uvicorn: the worker's app factory and its HTTP protocol."""

from __future__ import annotations

import asyncio
import gc
import socket
from typing import TYPE_CHECKING

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

if TYPE_CHECKING:
    from fastapi import FastAPI

#: What uvicorn imports in each worker process to build the app.
APP_FACTORY = "api.serving:worker_app"


class NoDelayHttp(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, sending each response at once (TCP_NODELAY on every accepted connection).

    With ``--workers`` above 1, uvicorn binds the listening socket itself and hands it to the workers, and
    asyncio then leaves Nagle's algorithm on for the connections it accepts (it switches it off only for a
    socket that says it is TCP, and that one says protocol 0). A keep-alive response then waits for the
    client's delayed ACK of the previous one: about 40 ms a request (uvicorn issue 3149).
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Switch Nagle's algorithm off for a TCP connection, then take it as usual."""
        connection = transport.get_extra_info("socket")
        if connection is not None and connection.family in (socket.AF_INET, socket.AF_INET6):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def worker_app() -> FastAPI:
    """Build the service in one worker process, then set what it built aside from the cycle collector.

    The modules, the app and its ruleset are most of a worker's objects (some 140,000) and live as long as it
    does. Frozen (``gc.freeze``), they are no longer walked by the full collections that handling requests
    sets off now and then, each of which took 40-50 ms and showed in the tail of latencies under load.
    """
    from api.app import create_app

    built = create_app()
    gc.collect()
    gc.freeze()
    return built
