"""Request dependencies: the services, the settings, a size-limited request body, and printable addresses.

The trivial ones are coroutines, so that FastAPI runs them on the event loop instead of handing each to
the thread pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lsc_engine.core.text import unprintable
from lsc_engine.errors import InvalidRequest, Problem
from lsc_engine.services.committee import Committee
from lsc_engine.services.letters import Letters
from lsc_engine.services.submissions import Service
from lsc_engine.settings import Settings


async def printable_address(request: Request) -> None:
    """Refuse a request whose address holds a control or direction-changing character, before any route reads it.

    Such a value names nothing that could be stored (PostgreSQL cannot even compare a text holding NUL), so every
    route of both applications refuses it here, naming the parameter, rather than each in its own way.
    """
    given = [("path", request.path_params.items()), ("query", request.query_params.multi_items())]
    problems = [
        Problem(f"{where}.{name}", f"must be printable text; it holds {found}")
        for where, values in given
        for name, value in values
        if (found := unprintable(str(value), multiline=True)) is not None
    ]
    if problems:
        raise InvalidRequest("the address holds a character no name or id may hold", problems=problems)


async def get_service(request: Request) -> Service:
    """Return the process's service."""
    service: Service = request.app.state.service
    return service


async def get_committee(request: Request) -> Committee:
    """Return the process's committee service."""
    committee: Committee = request.app.state.committee
    return committee


async def get_letters(request: Request) -> Letters:
    """Return the process's letters service."""
    letters: Letters = request.app.state.letters
    return letters


async def get_settings(request: Request) -> Settings:
    """Return the process's settings."""
    settings: Settings = request.app.state.settings
    return settings


ServiceDep = Annotated[Service, Depends(get_service)]
CommitteeDep = Annotated[Committee, Depends(get_committee)]
LettersDep = Annotated[Letters, Depends(get_letters)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def read_body(request: Request) -> bytes:
    """Read the request body whole (``limits.BodyLimits`` holds it to the size and time limits as it arrives)."""
    return await request.body()


BodyDep = Annotated[bytes, Depends(read_body)]
