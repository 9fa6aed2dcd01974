"""Apply the reader's preferences to each page: the time zone dates are shown in, and what
blurbs and work pages hide (`core.display`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ficarchive.core.display import Display, activate_display, reset_display
from ficarchive.preferences.reader import prefs_for, zone_of


def shared_output(path: str) -> bool:
    """True for answers that are the same for everyone and may be cached as such (the API,
    feeds, the OPDS catalog, downloads): no reader's preferences may shape them."""
    return (
        path.startswith(("/api/", "/opds/", "/static/"))
        or path.endswith(".atom")
        or "/download/" in path
    )


class ReadingPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if shared_output(request.path):
            return self.get_response(request)
        prefs = prefs_for(request)
        zone = zone_of(prefs.time_zone)
        if zone is not None:
            timezone.activate(zone)
        token = activate_display(Display(prefs.hide_warnings, prefs.hide_freeforms))
        try:
            return self.get_response(request)
        finally:
            reset_display(token)
            timezone.deactivate()
