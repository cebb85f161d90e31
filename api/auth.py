"""Who is calling: a bearer token (or a JWT, where configured), or a browser session; then what it may do.

Every route but ``/healthz``, the sign-in page and the static files depends on ``Authenticated``; the
permission each route needs is declared beside it with one of the aliases below, and checked against
``lsc_engine.access.policy.POLICY``. A session cookie authenticates reads anywhere and the pages' own forms
(which carry an anti-forgery value); writes to the JSON API need the bearer token itself.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.base import SecurityBase
from starlette.datastructures import FormData

from lsc_engine.access.jwts import JwtVerifier
from lsc_engine.access.policy import Permission, Principal, require
from lsc_engine.access.redaction import Redactor
from lsc_engine.access.sessions import csrf_token
from lsc_engine.access.tokens import looks_like_token
from lsc_engine.errors import Forbidden, Unauthenticated
from lsc_engine.services.ratelimit import RateLimiter
from lsc_engine.services.sessions import Sessions
from lsc_engine.services.tokens import Tokens

SESSION_COOKIE = "lsc_session"
CSRF_FIELD = "csrf_token"
SAFE = {"GET", "HEAD", "OPTIONS"}
#: Where the request's scope keeps its caller once authenticated; only ``authenticate`` writes it. Not the request's
#: state, which starts as a copy of what the application's lifespan gave.
_AUTHENTICATED = "lsc.authenticated"

bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="lsc_…",
    description="A token made with `lsc tokens create --role ROLE --name NAME`",
)


async def authenticate(request: Request) -> Principal:
    """Return the caller, counted against its token's rate limit; refuse a request that names nobody.

    A request is authenticated once, however many of its dependencies ask. A token seen in the last few seconds
    and a rate-limit lease already held cost no database query and no thread; otherwise the query (or a JWT's
    signature check) runs in the thread pool. Refusals are counted by client address: past
    ``LSC_FAILED_AUTH_PER_MINUTE`` in a minute they answer 429, not 401.
    """
    known: Principal | None = request.scope.get(_AUTHENTICATED)
    if known is not None:
        return known
    credentials = await bearer(request)
    try:
        principal = await _identify(request, credentials)
    except Unauthenticated:
        refusals: RateLimiter = request.app.state.refusals
        await run_in_threadpool(refusals.check, address_key(request))
        raise
    limiter: RateLimiter = request.app.state.limiter
    if not limiter.spend_local(principal.token_id):
        await run_in_threadpool(limiter.check, principal.token_id)
    request.scope[_AUTHENTICATED] = request.state.principal = principal
    return principal


async def _identify(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """Return who the request's token, JWT or session speaks for, or refuse it as unauthenticated."""
    state = request.app.state
    principal: Principal | None
    if credentials is not None:
        secret = credentials.credentials
        verifier: JwtVerifier | None = state.jwt
        if verifier is not None and not looks_like_token(secret) and secret.count(".") == 2:
            return await run_in_threadpool(verifier.principal, secret)
        tokens: Tokens = state.tokens
        known, principal = tokens.remembered(secret)
        if not known:
            principal = await run_in_threadpool(tokens.resolve, secret)
        if principal is None:
            raise Unauthenticated("the bearer token is unknown or revoked")
        return principal
    if "authorization" in request.headers:
        raise Unauthenticated("the Authorization header must read: Bearer <token>")
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthenticated("sign in, or send Authorization: Bearer <token>")
    sessions: Sessions = state.sessions
    principal = await run_in_threadpool(sessions.resolve, cookie)
    if principal is None:
        raise Unauthenticated("the session has ended; sign in again")
    if request.method not in SAFE and request.url.path.startswith("/v1/"):
        raise Unauthenticated("writes to the API need Authorization: Bearer <token>, not a session cookie")
    request.state.csrf_token = csrf_token(cookie)
    return principal


def address_key(request: Request) -> str:
    """Return the key refused requests from the client's address are counted under (the address itself is not kept)."""
    address = request.client.host if request.client is not None else "unknown"
    return "addr-" + hashlib.sha256(address.encode()).hexdigest()[:27]


class Authenticated(SecurityBase):
    """The caller, as one dependency that the OpenAPI document shows as the bearer scheme; with a permission, checked.

    One dependency rather than a chain of three (scheme, caller, permission).
    """

    def __init__(self, permission: Permission | None = None) -> None:
        self.model = bearer.model
        self.scheme_name = bearer.scheme_name
        self.permission = permission

    async def __call__(self, request: Request) -> Principal:
        """Return the request's caller, refused unless its role holds this dependency's permission."""
        principal = await authenticate(request)
        if self.permission is not None:
            require(principal, self.permission)
        return principal


Caller = Annotated[Principal, Depends(Authenticated())]


Reader = Annotated[Principal, Depends(Authenticated(Permission.READ))]
Submitter = Annotated[Principal, Depends(Authenticated(Permission.SUBMIT))]
SelfChecker = Annotated[Principal, Depends(Authenticated(Permission.SELF_CHECK))]
Reviser = Annotated[Principal, Depends(Authenticated(Permission.RE_EVALUATE))]
Assessor = Annotated[Principal, Depends(Authenticated(Permission.ASSESS))]
Revoker = Annotated[Principal, Depends(Authenticated(Permission.REVOKE))]
ConditionAdder = Annotated[Principal, Depends(Authenticated(Permission.ADD_CONDITION))]
ConditionActor = Annotated[Principal, Depends(Authenticated(Permission.ACT_ON_CONDITION))]
DecisionMaker = Annotated[Principal, Depends(Authenticated(Permission.DECIDE))]
TokenAdmin = Annotated[Principal, Depends(Authenticated(Permission.MANAGE_TOKENS))]


def check_csrf(request: Request, form: FormData) -> None:
    """Refuse a form posted with a session cookie unless it carries the session's anti-forgery value."""
    expected = getattr(request.state, "csrf_token", None)
    if expected is not None:
        sent = form.get(CSRF_FIELD)
        if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
            raise Forbidden("the form is missing its anti-forgery value; reload the page and try again")


async def check_form(request: Request, principal: Caller) -> Principal:
    """Check a posted form's anti-forgery value (forms whose body is read some other way call check_csrf)."""
    check_csrf(request, await request.form())
    return principal


FormCaller = Annotated[Principal, Depends(check_form)]


async def redactor(request: Request, _principal: Caller) -> Redactor:
    """Return the request's redactor for the caller (the pages find it again through ``redacting``)."""
    return redacting(request)


def redacting(request: Request) -> Redactor:
    """Return the redactor of an authenticated request."""
    made: Redactor | None = getattr(request.state, "redactor", None)
    if made is None:
        made = Redactor(request.state.principal, request.app.state.section_owners)
        request.state.redactor = made
    return made


RedactorDep = Annotated[Redactor, Depends(redactor)]


def disclose(request: Request, redacting: Redactor, submission_id: str | None) -> None:
    """Record the confidential items a response showed its caller (a read of them is audited)."""
    if redacting.disclosed:
        request.app.state.disclosures.record(
            redacting.principal,
            view=f"{request.method} {request.url.path}",
            items=redacting.disclosed,
            submission_id=submission_id,
        )
        redacting.disclosed.clear()
