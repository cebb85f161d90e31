"""Request dependencies: the services, the settings, and a size-limited request body.

The trivial ones are coroutines, so that FastAPI runs them on the event loop instead of handing each to
the thread pool.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Request

from lsc_engine.errors import PayloadTooLarge, RequestTimeout
from lsc_engine.services.committee import Committee
from lsc_engine.services.submissions import Service
from lsc_engine.settings import Settings


async def get_service(request: Request) -> Service:
    """Return the process's service."""
    service: Service = request.app.state.service
    return service


async def get_committee(request: Request) -> Committee:
    """Return the process's committee service."""
    committee: Committee = request.app.state.committee
    return committee


async def get_settings(request: Request) -> Settings:
    """Return the process's settings."""
    settings: Settings = request.app.state.settings
    return settings


ServiceDep = Annotated[Service, Depends(get_service)]
CommitteeDep = Annotated[Committee, Depends(get_committee)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def read_body(request: Request, settings: SettingsDep) -> bytes:
    """Read the request body, refusing it as soon as it passes the size limit or takes too long to arrive."""
    limit = settings.max_request_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is {declared} bytes; the limit is {limit}", details={"limit": limit})
    chunks: list[bytes] = []
    size = 0
    seconds = settings.body_timeout_seconds
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"the body is over the limit of {limit} bytes", details={"limit": limit})
                chunks.append(chunk)
    except TimeoutError:
        raise RequestTimeout(
            f"the body took longer than {seconds:g} s to arrive", details={"timeout_seconds": seconds}
        ) from None
    return b"".join(chunks)


BodyDep = Annotated[bytes, Depends(read_body)]
