"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.auth import Caller
from api.deps import ServiceDep
from api.errors import RESPONSES
from api.schemas import Health
from lsc_engine.store.db import ping

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Answer while the process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={401: RESPONSES[401], 503: RESPONSES[503]})
async def readyz(_caller: Caller, service: ServiceDep) -> Health:
    """Answer when the database is reachable and the ruleset is loaded; any token may ask (it tells nothing else)."""
    await run_in_threadpool(ping, service.database)
    return Health(status="ready", ruleset_digest=service.ruleset.digest)
