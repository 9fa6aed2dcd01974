"""Site-wide views: reader preferences and error pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ficarchive.accounts.views import safe_next
from ficarchive.core.middleware import TEXT_SIZE_COOKIE, TEXT_SIZES, THEME_COOKIE, THEMES

ONE_YEAR = 365 * 24 * 3600


@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Store the reader's theme and text size in long-lived cookies, then go back."""
    response = redirect(safe_next(request))
    theme = request.POST.get("theme", "")
    size = request.POST.get("text_size", "")
    if theme in THEMES:
        response.set_cookie(THEME_COOKIE, theme, max_age=ONE_YEAR, samesite="Lax", httponly=False)
    elif theme == "auto":
        response.delete_cookie(THEME_COOKIE)
    if size in TEXT_SIZES:
        response.set_cookie(
            TEXT_SIZE_COOKIE, size, max_age=ONE_YEAR, samesite="Lax", httponly=False
        )
    return response


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    from ficarchive.moderation.guards import refused_response
    from ficarchive.moderation.sanctions import AccountRestricted

    if isinstance(exception, AccountRestricted):
        # A sanctioned account's write that the view did not catch: say why it was refused.
        return refused_response(request, exception)
    # PermissionDenied raised with a message (an action saying why) shows that message.
    reason = str(exception) if isinstance(exception, PermissionDenied) else ""
    return render(request, "403.html", {"reason": reason}, status=403)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def error_500(request: HttpRequest) -> HttpResponse:
    # No context processors or database here: whatever broke must not break this page too.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
