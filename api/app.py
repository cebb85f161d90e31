"""The FastAPI application: the JSON API, the static files and the pages' own mounted application.

Built once per process, ruleset loaded at start-up; the API's errors are mapped in ``api.errors``.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from anyio import CapacityLimiter
from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from api import errors
from api.deps import printable_address
from api.limits import BodyLimits
from api.on_loop import OnLoop, RequestsInFlight
from api.read_once import EvaluationsReadOnce
from api.routes import catalogue, committee, health, letters, register, submissions
from api.routes import tokens as token_routes
from api.security import SecurityMiddleware
from api.web.app import Pages, create_web_app
from api.web.errors import not_found_page
from api.web.self_check import PAGE_CHECKS_AT_ONCE
from lsc_engine.access.jwts import JwtVerifier
from lsc_engine.committee.letterhead import load_letterhead
from lsc_engine.core.evidence import EvidencePack
from lsc_engine.core.ruleset import load_ruleset
from lsc_engine.services.committee import Committee
from lsc_engine.services.disclosures import Disclosures
from lsc_engine.services.letters import Letters
from lsc_engine.services.ratelimit import RateLimiter
from lsc_engine.services.sessions import Sessions
from lsc_engine.services.submissions import Service
from lsc_engine.services.tokens import Tokens
from lsc_engine.settings import Settings
from lsc_engine.store.db import make_engine

REFUSED_TOO_OFTEN = "too many refused requests from this address: {limit} a minute at most; retry in {retry} s"

#: Packs a worker process parses and evaluates at once. Evaluating is Python holding the interpreter's lock, so
#: more at once take turns on one core and finish no sooner; waiting their turn, they leave the lock to a request
#: that is writing under the audit chain's head, which needs it back after every round trip to the database.
EVALUATIONS_AT_ONCE = 1

STATIC = Path(__file__).resolve().parent / "static"
#: Where the JSON API answers, found or not; every other path belongs to the pages.
API_PATHS = ("/v1", "/healthz", "/readyz", "/openapi.json")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for the given settings (default: from the environment)."""
    settings = settings or Settings()
    database = make_engine(settings)
    ruleset = load_ruleset(settings.rules_dir)
    service = Service(database, ruleset, max_items=settings.max_pack_items, evaluations=EVALUATIONS_AT_ONCE)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        service.database.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="lsc-engine",
        version="1",
        summary="Readiness decisions against the Live Services Criteria",
        responses={400: errors.RESPONSES[400]},
        dependencies=[Depends(printable_address)],
        # The interactive docs pages load their scripts from a CDN; nothing here may, so only the
        # OpenAPI document itself is served.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.notice_key = secrets.token_bytes(32)  # signs the pages' confirmations where no session does
    app.state.service = service
    app.state.on_loop = on_loop = OnLoop()
    app.state.page_checks = CapacityLimiter(PAGE_CHECKS_AT_ONCE)
    app.state.committee = Committee(database, ruleset)
    app.state.letters = Letters(database, ruleset, load_letterhead(settings.letterhead))
    tokens = Tokens(database, cache_seconds=settings.token_cache_seconds)
    app.state.tokens = tokens
    app.state.sessions = Sessions(
        database, tokens, lifetime=timedelta(hours=settings.session_hours), cache_seconds=settings.token_cache_seconds
    )
    app.state.limiter = RateLimiter(database, settings.rate_limit_per_minute)
    app.state.refusals = RateLimiter(database, settings.failed_auth_per_minute, refusal=REFUSED_TOO_OFTEN)
    app.state.disclosures = Disclosures(database)
    app.state.section_owners = ruleset.catalogue.section_owners()
    app.state.jwt = (
        JwtVerifier(
            settings.jwt_jwks_file,
            issuer=settings.jwt_issuer or "",
            audience=settings.jwt_audience or "",
            role_claim=settings.jwt_role_claim,
            max_lifetime_seconds=settings.jwt_max_lifetime_seconds,
        )
        if settings.jwt_jwks_file is not None
        else None
    )
    errors.install(app, not_found_page)
    app.add_middleware(
        BodyLimits,
        max_bytes=settings.max_request_bytes,
        max_other_bytes=settings.max_form_bytes,
        timeout_seconds=settings.body_timeout_seconds,
    )
    app.add_middleware(SecurityMiddleware)
    app.add_middleware(EvaluationsReadOnce)
    app.add_middleware(RequestsInFlight, on_loop=on_loop)  # outermost of these: counted from the start
    app.include_router(health.router)
    app.include_router(submissions.router)
    app.include_router(committee.router)
    app.include_router(letters.router)
    app.include_router(register.router)
    app.include_router(catalogue.router)
    app.include_router(token_routes.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.router.routes.append(Pages(create_web_app(app.state), api_paths=API_PATHS))  # last: it takes the rest
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """Generate the OpenAPI document once, with the evidence pack schema among its components."""
    if app.openapi_schema is None:
        document = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        pack = EvidencePack.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in pack.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas["EvidencePack"] = pack
        app.openapi_schema = document
    return app.openapi_schema
