"""The one place where errors become HTTP responses: ``{code, message, details}`` with the right status.

The pages answer the same errors as pages (``api.web.errors``), taking their status from ``status_of``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match

from api.limits import BodyRefused
from lsc_engine.core.loading import json_path
from lsc_engine.errors import (
    Conflict,
    EngineFailure,
    Forbidden,
    InvalidAction,
    InvalidLetterhead,
    InvalidPack,
    InvalidRequest,
    InvalidRuleset,
    LscError,
    MalformedPack,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    RequestTimeout,
    StoreUnavailable,
    Unauthenticated,
    Unavailable,
)

log = logging.getLogger("lsc.api")

#: What the database driver raises when it cannot connect outside any session: both applications answer it
#: with 503, and this is the only name either takes from the driver.
DatabaseDown = OperationalError

STATUS: dict[type[LscError], int] = {
    MalformedPack: 400,
    InvalidRequest: 400,
    InvalidPack: 422,
    InvalidAction: 422,
    NotFound: 404,
    Unauthenticated: 401,
    Forbidden: 403,
    Conflict: 409,
    RequestTimeout: 408,
    PayloadTooLarge: 413,
    RateLimited: 429,
    StoreUnavailable: 503,
    Unavailable: 503,
    InvalidRuleset: 500,
    InvalidLetterhead: 500,
    EngineFailure: 500,
}


class ErrorBody(BaseModel):
    """What every error response carries."""

    code: str = Field(description="Stable machine-readable code")
    message: str = Field(description="What went wrong, for people")
    details: dict[str, object] = Field(default_factory=dict)


def status_of(error: LscError) -> int:
    """Return the HTTP status for a domain error (the most specific class wins)."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def _respond(
    status: int,
    code: str,
    message: str,
    details: dict[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(code=code, message=message, details=details or {})
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"), headers=headers)


def _domain(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, LscError)
    details: dict[str, object] = dict(error.details)
    if error.problems:
        details["problems"] = [problem.as_dict() for problem in error.problems]
    status = status_of(error)
    headers: dict[str, str] = {}
    if status == 503:
        headers["Retry-After"] = "5"
    elif status == 429:
        headers["Retry-After"] = str(error.details.get("retry_after_seconds", 60))
    elif status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="lsc-engine"'
    return _respond(status, error.code, error.message, details, headers=headers)


def _validation(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    malformed = next((detail for detail in error.errors() if detail["type"] == "json_invalid"), None)
    if malformed is not None:  # not JSON at all: 400, as for a pack, rather than a field to correct
        reason = (malformed.get("ctx") or {}).get("error", "not JSON")
        where = f"{reason} at character {malformed['loc'][-1]}"
        return _respond(
            400,
            InvalidRequest.code,
            "the body is not well-formed JSON",
            {"problems": [{"path": "body", "message": where}]},
        )
    problems = [
        {"path": json_path([str(part) for part in detail["loc"]]), "message": str(detail["msg"])}
        for detail in error.errors()
    ]
    return _respond(422, "invalid_request", f"{len(problems)} invalid parameter(s)", {"problems": problems})


def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    codes = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
    code = codes.get(error.status_code, "http_error")
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return _respond(error.status_code, code, str(error.detail), headers=headers)


def allowed_methods(request: Request) -> str:
    """List every method any route serves at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in _routes(request.app.router.routes):
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


def _routes(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """Yield the routes of a router, those of the routers included in it too (FastAPI keeps them apart)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def _database(_request: Request, error: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", type(error).__name__)
    return _respond(503, StoreUnavailable.code, "the database is unavailable", headers={"Retry-After": "5"})


def _unexpected(_request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=error)
    return _respond(500, "internal_error", "an unexpected error occurred; it has been logged")


def _body_refused(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, BodyRefused)
    return _domain(request, error.error)


def wants_html(request: Request) -> bool:
    """Tell whether the caller is a browser: it names HTML among what it accepts."""
    return "text/html" in request.headers.get("accept", "").lower()


def wants_json(request: Request) -> bool:
    """Tell whether the caller is an API client asking for JSON and not for HTML."""
    return "json" in request.headers.get("accept", "").lower() and not wants_html(request)


def not_found() -> JSONResponse:
    """Answer an address nothing serves in JSON."""
    return _respond(404, "not_found", "Not Found")


def install(app: FastAPI, not_found_page: Callable[[Request], Response] | None = None) -> None:
    """Register every error handler on the app; an address nothing serves is ``not_found_page`` to a browser.

    Only an address no route matches reaches the 404 here (a route's missing record is a domain error), so a
    browser that follows a stale or mistyped link sees a page, while API clients keep the JSON body.
    """

    def http(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code == 404 and not_found_page is not None and wants_html(request):
            return not_found_page(request)
        return _http(request, error)

    app.add_exception_handler(LscError, _domain)
    app.add_exception_handler(BodyRefused, _body_refused)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, http)
    app.add_exception_handler(DatabaseDown, _database)
    app.add_exception_handler(Exception, _unexpected)


#: The documented error responses, shared by every route.
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Malformed request (e.g. the body is not JSON)"},
    401: {"model": ErrorBody, "description": "No token, or an unknown or revoked one"},
    403: {"model": ErrorBody, "description": "The token's role may not do this, or not for this group"},
    404: {"model": ErrorBody, "description": "Not found"},
    408: {"model": ErrorBody, "description": "The request body arrived too slowly"},
    409: {"model": ErrorBody, "description": "Conflicts with what is stored"},
    413: {"model": ErrorBody, "description": "Request body too large"},
    422: {"model": ErrorBody, "description": "Invalid pack or parameters; details.problems lists each by path"},
    429: {"model": ErrorBody, "description": "The token's requests for this minute are used up; see Retry-After"},
    503: {"model": ErrorBody, "description": "Database unavailable"},
}


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Return the documented error responses for these status codes."""
    return {code: RESPONSES[code] for code in codes}
