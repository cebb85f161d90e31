"""Every route the application serves, the mounted pages' included, so that a test walking them misses none."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount

from api.web.app import Pages


@dataclass(frozen=True)
class Served:
    """One method at one path, and whether the pages' application serves it."""

    method: str
    path: str
    page: bool


def served(app: Any) -> set[Served]:
    """Return every method and path an application serves, looking inside included routers and mounts."""
    return set(_walk(app.routes, prefix="", page=False))


def _walk(routes: Sequence[BaseRoute], *, prefix: str, page: bool) -> Iterator[Served]:
    for route in routes:
        if isinstance(route, APIRoute):
            for method in route.methods or ():
                yield Served(method, prefix + route.path, page)
        elif hasattr(route, "original_router"):  # an included router keeps its routes there
            yield from _walk(route.original_router.routes, prefix=prefix, page=page)
        elif isinstance(route, Mount):
            yield from _walk(route.routes, prefix=prefix + route.path, page=page or isinstance(route, Pages))
