"""Old user links keep working after a username change."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

USER_PATH = re.compile(r"^/users/(?P<name>[^/]{1,150})/(?P<rest>.*)$")


class RenamedUserRedirectMiddleware:
    """Answer a 404 under `/users/<old name>/...` with a redirect to the same page under the
    account's current name, while the old name is held (accounts.actions.USERNAME_HOLD_DAYS).
    Only 404s are looked at, so a normal page costs nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in {"GET", "HEAD"}:
            return response
        match = USER_PATH.match(request.path)
        if match is None:
            return response
        from ficarchive.accounts.actions import renamed_user

        user = renamed_user(match["name"])
        if user is None or user.username.lower() == match["name"].lower():
            return response
        target = f"/users/{quote(user.username)}/{quote(match['rest'])}"
        query = request.META.get("QUERY_STRING", "")
        if query:
            target += f"?{query}"
        return HttpResponseRedirect(target)
