"""Request dependencies: the services, the settings, a size-limited request body, and printable addresses.

The trivial ones are coroutines, so that FastAPI runs them on the event loop instead of handing each to
the thread pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from python_multipart.multipart import parse_options_header

from lsc_engine.core.text import unprintable
from lsc_engine.errors import InvalidRequest, Problem
from lsc_engine.services.committee import Committee
from lsc_engine.services.letters import Letters
from lsc_engine.services.submissions import Service
from lsc_engine.settings import Settings


async def printable_address(request: Request) -> None:
    """Refuse a request whose address holds a control, invisible or direction-changing character, before any route.

    Such a value names nothing that could be stored (PostgreSQL cannot even compare a text holding NUL), so every
    route of both applications refuses it here, naming the parameter, rather than each in its own way.
    """
    given = [("path", request.path_params.items()), ("query", request.query_params.multi_items())]
    problems = [
        problem for where, values in given for name, value in values if (problem := _unprintable(where, name, value))
    ]
    if problems:
        raise InvalidRequest("the address holds a character no name or id may hold", problems=problems)


def _unprintable(where: str, name: str, value: object) -> Problem | None:
    if (found := unprintable(name)) is not None:  # not named back: the name is what cannot be shown
        return Problem(where, f"a parameter's name must be printable text on one line; it holds {found}")
    if (found := unprintable(str(value))) is not None:
        return Problem(f"{where}.{name}", f"must be printable text on one line; it holds {found}")
    return None


async def utf8_form(request: Request) -> None:
    """Refuse a form sent in another character set than UTF-8, which every page's form is sent in.

    Read in another (a client may name any, such as ``unicode_escape``), a field could hold text that cannot even be
    shown back beside it.
    """
    # Read as the form parser reads it: the content type lowered, parameters unquoted.
    kind, parameters = parse_options_header(request.headers.get("content-type", ""))
    named = parameters.get(b"charset")
    if kind != b"multipart/form-data" or named is None:
        return
    charset = named.decode("latin-1").lower()
    if charset not in ("utf-8", "utf8"):
        raise InvalidRequest(
            "a form must be sent in UTF-8",
            problems=[Problem("body", f"it was sent as {charset or 'an unnamed character set'}")],
        )


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
