"""Browser-facing protections: security headers on every response and a same-origin rule for writes."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

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


def cross_site(request: Request) -> bool:
    """Tell whether a browser sent this request from another site (the basis of the CSRF defence)."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.headers.get("host", "")


class SecurityMiddleware(BaseHTTPMiddleware):
    """Refuse cross-site writes and add the security headers to every response."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Check the request, then decorate the response."""
        if request.method in UNSAFE and cross_site(request):
            response: Response = JSONResponse(
                status_code=403,
                content={
                    "code": "cross_site_request",
                    "message": "writes must come from this site's own pages or from a non-browser client",
                    "details": {"origin": request.headers.get("origin")},
                },
            )
        else:
            response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
