"""CORS for the read-only public endpoints: the API's GETs on works, chapters, tags, users and
search (and its OpenAPI document), the Atom feeds and the OPDS catalogue.

Any origin may read them (`Access-Control-Allow-Origin: *`), never with credentials: a browser
sends no cookie on such a request, and the answer does not say `Allow-Credentials`, so a page
elsewhere sees only what a guest (or the holder of a token it sends itself) would see. Writes
get no CORS headers at all: a preflight for POST, PATCH or DELETE is answered without them, so
browsers keep writes same-origin (and the API's writes need a token in any case).

An operator turns it off with FICARCHIVE_CORS=off (settings.CORS_READ_ONLY; docs/operations.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

READ_METHODS = frozenset({"GET", "HEAD"})
# The paths any origin may read.
READ_ONLY_PATHS = re.compile(
    r"^/(?:api/v1/(?:works/|search/|tags/|users/|openapi\.json$)"
    r"|opds/"
    r"|tags/[^/]+/feed\.atom$"
    r"|collections/[^/]+/feed\.atom$)"
)
ALLOW_HEADERS = "Accept, Accept-Language, Authorization, If-None-Match, If-Modified-Since"
EXPOSE_HEADERS = (
    "Link, ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)
MAX_AGE = "86400"


def is_read_only_path(path: str) -> bool:
    return READ_ONLY_PATHS.match(path) is not None


def _enabled() -> bool:
    return bool(getattr(settings, "CORS_READ_ONLY", True))


class ReadOnlyCorsMiddleware:
    """Answer CORS preflights for the read-only paths, and mark their GET answers readable
    from any origin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _enabled() or not is_read_only_path(request.path):
            return self.get_response(request)
        if (
            request.method == "OPTIONS"
            and "HTTP_ORIGIN" in request.META
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META
        ):
            return self._preflight(request)
        response = self.get_response(request)
        if request.method in READ_METHODS:
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
            response["Cross-Origin-Resource-Policy"] = "cross-origin"
            vary = response.get("Vary", "")
            if "origin" not in vary.lower():
                response["Vary"] = f"{vary}, Origin" if vary else "Origin"
        return response

    def _preflight(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(status=204)
        method = request.META["HTTP_ACCESS_CONTROL_REQUEST_METHOD"].strip().upper()
        response["Vary"] = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        if method not in READ_METHODS:
            # No CORS headers: the browser refuses to send the write from another origin.
            return response
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response["Access-Control-Max-Age"] = MAX_AGE
        return response
