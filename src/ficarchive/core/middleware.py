"""Middleware: security headers beyond Django's own, and the reader's display preferences."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse

THEMES = ("light", "dark")
TEXT_SIZES = ("small", "medium", "large", "x-large")
THEME_COOKIE = "theme"
TEXT_SIZE_COOKIE = "text_size"


class SecurityHeadersMiddleware:
    """Add the headers Django does not set itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class ReaderPreferencesMiddleware:
    """Read the theme and text size cookies into request.reader_prefs (validated values only)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        theme = request.COOKIES.get(THEME_COOKIE, "")
        size = request.COOKIES.get(TEXT_SIZE_COOKIE, "")
        request.reader_prefs = {  # type: ignore[attr-defined]
            "theme": theme if theme in THEMES else "",
            "text_size": size if size in TEXT_SIZES else "medium",
        }
        return self.get_response(request)


class RejectNulBytesMiddleware:
    """Answer 400 to any request whose path, query string or form fields hold a NUL byte.

    No text a person types holds one, and PostgreSQL refuses them in text columns: without
    this, a lookup like /tags/%00/ would fail deep in a query with a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path
            or _has_nul(request.GET.lists())
            or (request.method == "POST" and _has_nul(request.POST.lists()))
        ):
            from django.shortcuts import render

            if request.path.startswith("/api/"):  # the API answers JSON, errors too
                from django.http import JsonResponse

                return JsonResponse({"error": "The request held a NUL character."}, status=400)
            return render(
                request,
                "400.html",
                {
                    "reason": "The request held a NUL character, which no page here accepts. "
                    "Remove it and try again."
                },
                status=400,
            )
        return self.get_response(request)


def _has_nul(items: Iterable[tuple[str, list[str]]]) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in items)
