"""Signing in and out of the pages with a token; the browser keeps only a session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import SESSION_COOKIE, FormCaller
from api.deps import SettingsDep
from api.web.templating import page
from lsc_engine.errors import Unauthenticated
from lsc_engine.services.sessions import Sessions

router = APIRouter(include_in_schema=False)


def _local(target: str) -> str:
    """Keep a post-sign-in redirect on this site."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    """Show the sign-in form."""
    return page(request, "login.html", next=_local(next))


@router.post("/login", response_model=None)
def login(
    request: Request,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Exchange a token for a session cookie (HttpOnly, SameSite=Strict, Secure)."""
    sessions: Sessions = request.app.state.sessions
    try:
        secret, _principal = sessions.start(token)
    except Unauthenticated as error:
        return page(request, "login.html", status_code=401, next=_local(next), error=error.message)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
        path="/",
    )
    return response


@router.post("/logout", response_model=None)
def logout(request: Request, caller: FormCaller) -> Response:
    """End the session for good and forget the cookie."""
    sessions: Sessions = request.app.state.sessions
    sessions.end(request.cookies.get(SESSION_COOKIE, ""), caller)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
