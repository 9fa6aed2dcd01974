"""POST /works/<id>/kudos/: leave kudos, then go back (or answer JSON to the script)."""

from __future__ import annotations

import re
import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from ficarchive.accounts.models import User
from ficarchive.accounts.views import client_address
from ficarchive.kudos.actions import guest_key, leave_kudos
from ficarchive.kudos.summary import kudos_summary
from ficarchive.moderation.guards import refuse_write
from ficarchive.works.views import NeedsLogin, readable_work

GUEST_COOKIE = "guest_id"
_GUEST_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
ONE_YEAR = 365 * 24 * 3600


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _answer(
    request: HttpRequest, work_id: int, message: str, level: int, status: int = 200
) -> HttpResponse:
    if _wants_json(request):
        payload: dict[str, object] = {"message": message, "ok": status == 200}
        if status == 200:
            work = readable_work(request, work_id)
            summary = kudos_summary(work)
            payload["count"] = summary.count
            payload["html"] = render_to_string(
                "kudos/list.html", {"summary": summary, "work": work}, request=request
            )
        return JsonResponse(payload, status=status)
    if status == 403:
        return render(request, "kudos/refused.html", {"message": message}, status=403)
    messages.add_message(request, level, message)
    # The box at the end of the work sends "at=end": the reader comes back to it.
    anchor = "kudos-end" if request.POST.get("at") == "end" else "kudos"
    return redirect(f"/works/{work_id}/#{anchor}")


@require_POST
def kudos(request: HttpRequest, work_id: int) -> HttpResponse:
    try:
        work = readable_work(request, work_id)
    except NeedsLogin:
        return redirect(f"/login/?next=/works/{work_id}/")
    user = request.user if isinstance(request.user, User) else None
    browser_id = request.COOKIES.get(GUEST_COOKIE, "")
    new_cookie = ""
    if user is None and not _GUEST_ID.fullmatch(browser_id):
        browser_id = new_cookie = secrets.token_urlsafe(24)
    address = client_address(request)
    refused = refuse_write(request, "kudos")
    if refused is not None:
        return refused
    try:
        created = leave_kudos(work, user=user, guest=guest_key(browser_id, address))
    except PermissionDenied as error:
        return _answer(request, work_id, str(error), messages.ERROR, status=403)
    except ValidationError as error:
        return _answer(request, work_id, " ".join(error.messages), messages.ERROR, status=400)
    if created:
        response = _answer(request, work_id, "Thank you for leaving kudos!", messages.SUCCESS)
    else:
        response = _answer(request, work_id, "You already left kudos here. :)", messages.INFO)
    if new_cookie:
        response.set_cookie(
            GUEST_COOKIE, new_cookie, max_age=ONE_YEAR, samesite="Lax", httponly=True
        )
    return response
