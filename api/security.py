"""Browser-facing protections: security headers (no caching) on every response and a same-origin rule for writes."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Pages load scripts, styles and images only from this server; they cannot be framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
#: Paths whose answers are the same for everyone and may be kept by a browser; nothing else may be.
CACHEABLE = ("/static/",)


def cross_site(request: Request) -> bool:
    """Tell whether a browser sent this request from another site (the basis of the CSRF defence)."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.headers.get("host", "")


class SecurityMiddleware:
    """Refuse cross-site writes and add the security headers to every response (plain ASGI, no extra task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then decorate the response's headers as they go out."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def decorated(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                if not scope["path"].startswith(CACHEABLE):
                    headers.setdefault("Cache-Control", "no-store")  # answers may carry what only some may see
            await send(message)

        request = Request(scope)
        if request.method in UNSAFE and cross_site(request):
            refusal = JSONResponse(
                status_code=403,
                content={
                    "code": "cross_site_request",
                    "message": "writes must come from this site's own pages or from a non-browser client",
                    "details": {"origin": request.headers.get("origin")},
                },
            )
            await refusal(scope, receive, decorated)
            return
        await self.app(scope, receive, decorated)
