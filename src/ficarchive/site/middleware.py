"""Ask members to accept a changed Terms of Service (and, in sign-up mode "confirm", to
confirm their address) before they write.

Cheap on purpose: nothing happens for guests, for reads other than the pages that hold a
writing form, or once the session remembers that the member accepted the version in force
(one indexed query the first time, then none)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from ficarchive.site.access import needs_confirmation
from ficarchive.site.actions import has_accepted
from ficarchive.site.conf import for_request

SESSION_KEY = "site_terms_accepted"
# Pages a member may always reach: reading the terms, accepting them, leaving.
EXEMPT_PREFIXES = (
    "/terms/",
    "/privacy/",
    "/confirm-email/",
    "/login/",
    "/logout/",
    "/signup/",
    "/password/",
    "/preferences/",
    "/static/",
    "/api/",
    "/admin/",
    "/staff/",
)
# Reads that show a writing form (posting, importing, editing, replying).
WRITING_PAGES = re.compile(r"^/works/(new|import)/$|/(new|edit|reply)/$")


def _back(request: HttpRequest) -> str:
    """Where to go once accepted: the page itself for a read, the page the form was on for a
    POST (from the Referer, when it is this site), else the front page."""
    if request.method == "GET":
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


class SiteAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        path = request.path
        if (
            user is not None
            and user.is_authenticated
            and (request.method == "POST" or WRITING_PAGES.search(path))
            and not path.startswith(EXEMPT_PREFIXES)
        ):
            tos_id = for_request(request).tos_id()
            if tos_id is not None and request.session.get(SESSION_KEY) != tos_id:
                if not has_accepted(user, tos_id):
                    return HttpResponseRedirect(
                        f"/terms/accept/?next={quote(_back(request))}", status=303
                    )
                request.session[SESSION_KEY] = tos_id
            if request.method == "GET" and needs_confirmation(user):
                return HttpResponseRedirect(f"/confirm-email/?next={quote(_back(request))}")
        return self.get_response(request)
