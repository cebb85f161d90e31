"""The pages' errors, answered as pages: sign in for 401, the refused page for 403, a page saying what went wrong.

The JSON API keeps its own handlers (``api.errors``); both take the status of a domain error from the same table.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import DatabaseDown, allowed_methods, not_found, status_of, wants_json
from api.limits import BodyRefused
from api.web.templating import render, sentence
from lsc_engine.errors import LscError

log = logging.getLogger("lsc.web")

#: The heading of an error page, by status.
TITLES = {
    400: "Not understood",
    404: "Not found",
    405: "Not possible here",
    408: "Too slow",
    409: "Not recorded",
    413: "Too large",
    422: "Not accepted",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Unavailable",
}
#: What a page says when the error itself carries no words for people.
MESSAGES = {
    404: "There is no page at this address.",
    405: "This page cannot be used that way.",
    500: "An unexpected error occurred; it has been logged.",
    503: "The database is unavailable; try again in a moment.",
}
SAFE = {"GET", "HEAD"}


def error_page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    """Show an error as a page: what went wrong, in words, with the right status."""
    response = render(
        request, "error.html", status_code=status, title=TITLES.get(status, "Not possible"), message=message
    )
    response.headers.update(headers or {})
    return response


def not_found_page(request: Request) -> HTMLResponse:
    """Answer a browser asking for an address nothing serves, the JSON API's included, with the not-found page."""
    return error_page(request, 404, MESSAGES[404])


def sign_in(request: Request) -> RedirectResponse:
    """Send a person to the sign-in page, to come back to the page they asked for (or the one they were on)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method not in SAFE:  # a form's address takes only posts: come back to the page it was on
        referrer = urlsplit(request.headers.get("referer", ""))
        same_site = referrer.netloc == request.headers.get("host") and referrer.path.startswith("/")
        target = referrer.path + (f"?{referrer.query}" if referrer.query else "") if same_site else "/"
    return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)


def _domain(request: Request, error: Exception) -> Response:
    assert isinstance(error, LscError)
    status = status_of(error)
    if status == 401:
        return sign_in(request)
    if status == 403:
        return render(request, "refused.html", status_code=403, message=sentence(error.message))
    headers: dict[str, str] = {}
    if status == 503:
        headers["Retry-After"] = "5"
    elif status == 429:
        headers["Retry-After"] = str(error.details.get("retry_after_seconds", 60))
    return error_page(request, status, sentence(error.message), headers)


def _body_refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, BodyRefused)
    return _domain(request, error.error)


def _validation(request: Request, error: Exception) -> HTMLResponse:
    assert isinstance(error, RequestValidationError)
    problems = [f"{detail['loc'][-1]}: {detail['msg']}" for detail in error.errors()]
    return error_page(request, 422, sentence("Check what was sent. " + "; ".join(problems)))


def _http(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 404 and wants_json(request):  # an API client off its paths: it still reads JSON
        return not_found()
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    message = MESSAGES.get(error.status_code) or sentence(str(error.detail))
    return error_page(request, error.status_code, message, headers)


def _database(request: Request, error: Exception) -> HTMLResponse:
    log.warning("database unavailable: %s", type(error).__name__)
    return error_page(request, 503, MESSAGES[503], {"Retry-After": "5"})


class UnexpectedErrorPage:
    """Answer an unexpected failure with the error page, never a traceback, and log it once, here.

    The failure goes no further: re-raised, the main application and the server would each log it again.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the pages, catching what nothing else handled."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            if started:  # part of a page has gone: nothing can replace it, so let the server close the connection
                raise
            log.exception("unexpected error on %s %s", scope["method"], scope["path"])
            await error_page(Request(scope), 500, MESSAGES[500])(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register the pages' error handlers on their application."""
    app.add_exception_handler(LscError, _domain)
    app.add_exception_handler(BodyRefused, _body_refused)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(DatabaseDown, _database)
    app.add_middleware(UnexpectedErrorPage)
