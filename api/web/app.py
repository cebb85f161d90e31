"""The web pages as their own application, mounted at the root beside the JSON API, with errors answered as pages."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Depends, FastAPI
from starlette._utils import get_route_path
from starlette.datastructures import State
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Scope

from api.deps import printable_address, utf8_form
from api.web import (
    assessments,
    conditions,
    dashboard,
    decisions,
    errors,
    history,
    letters,
    meeting,
    register,
    self_check,
    signin,
    submissions,
    timeline,
)

#: Every page, by the concept it shows.
ROUTERS = (
    signin,
    dashboard,
    submissions,
    history,
    self_check,
    conditions,
    assessments,
    decisions,
    letters,
    timeline,
    meeting,
    register,
)


def create_web_app(state: State) -> FastAPI:
    """Build the pages' application on the main application's state (its services, settings and limits)."""
    web = FastAPI(
        openapi_url=None, docs_url=None, redoc_url=None, dependencies=[Depends(printable_address), Depends(utf8_form)]
    )
    # Inside a mounted application ``request.app`` is that application: sharing the state object lets the
    # pages and the dependencies they share with the API find the same services.
    web.state = state
    errors.install(web)
    for module in ROUTERS:
        web.include_router(module.router)
    return web


class Pages(Mount):
    """Mount the pages at the root for every path outside the JSON API's, whose misses stay JSON.

    A path under one of ``api_paths`` never reaches the pages, so an unknown API path is a JSON 404 and a
    known one called with the wrong method a JSON 405.
    """

    def __init__(self, app: ASGIApp, *, api_paths: Sequence[str]) -> None:
        super().__init__("", app=app)
        self.api_paths = tuple(api_paths)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Match any path but the JSON API's."""
        if scope["type"] == "http":
            path = get_route_path(scope)
            if any(path == prefix or path.startswith(prefix + "/") for prefix in self.api_paths):
                return Match.NONE, {}
        return super().matches(scope)
