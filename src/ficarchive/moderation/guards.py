"""One call for views that write: refuse sanctioned accounts (403) and rate-limited ones (429)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ficarchive.moderation.limits import RateLimited, check_rate, rate_limited_response
from ficarchive.moderation.sanctions import check_active


def client_address(request: HttpRequest) -> str:
    """Return the client's address as the log-in throttle sees it."""
    from ficarchive.accounts.views import client_address as address_of

    return address_of(request)


def refused_response(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    """Return the 403 page that says why (a ban or a suspension)."""
    message = str(error) or "You cannot do that."
    return render(request, "moderation/refused.html", {"message": message}, status=403)


def refuse_write(request: HttpRequest, action: str) -> HttpResponse | None:
    """Return a 403 page if the account is banned or suspended, a 429 page if `action` is over
    its rate limit (else record it), or None when the write may go ahead."""
    try:
        check_active(request.user)
        check_rate(action, user=request.user, address=client_address(request))
    except PermissionDenied as error:
        return refused_response(request, error)
    except RateLimited as error:
        return rate_limited_response(request, error)
    return None


def refuse_over_limit(request: HttpRequest, action: str) -> HttpResponse | None:
    """Return a 429 page if `action` is over its rate limit (else record it), or None: for
    what costs the server but writes nothing, such as a preview, which a suspended member
    may still make."""
    try:
        check_rate(action, user=request.user, address=client_address(request))
    except RateLimited as error:
        return rate_limited_response(request, error)
    return None
