"""The reader's history page and its buttons (pause, resume, clear, remove one)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ficarchive.accounts.models import User
from ficarchive.core.pagination import paginate
from ficarchive.history import actions
from ficarchive.history.models import Reading
from ficarchive.works.models import Work, visible_q


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def history(request: HttpRequest) -> HttpResponse:
    """The works the reader opened, newest first; works they may no longer read are left
    out (they come back if the work does)."""
    user = _user(request)
    readings = (
        Reading.objects.filter(visible_q(user, "work"), user=user)
        .select_related("last_chapter")
        .only(
            "pk",
            "work_id",
            "last_read_at",
            "visits",
            "last_chapter__id",
            "last_chapter__position",
            "last_chapter__title",
        )
        .prefetch_related(Prefetch("work", queryset=Work.objects.for_listing()))
        .order_by("-last_read_at", "-pk")
    )
    page, problem = paginate(request, readings)
    return render(
        request,
        "history/history.html",
        {"page": page, "problem": problem, "paused": actions.is_paused(user)},
    )


@login_required
@require_POST
def pause(request: HttpRequest) -> HttpResponse:
    paused = request.POST.get("paused") != "0"
    actions.set_paused(_user(request), paused)
    if paused:
        messages.success(request, "History paused: works you read now are not recorded.")
    else:
        messages.success(request, "History resumed: works you read are recorded again.")
    return redirect("/history/")


@login_required
@require_POST
def clear(request: HttpRequest) -> HttpResponse:
    count = actions.clear_history(_user(request))
    messages.success(request, f"History cleared ({count} work{'s' if count != 1 else ''}).")
    return redirect("/history/")


@login_required
@require_POST
def remove(request: HttpRequest, work_id: int) -> HttpResponse:
    if actions.forget_work(_user(request), work_id):
        messages.success(request, "Removed from your history.")
    else:
        messages.info(request, "That work was not in your history.")
    return redirect("/history/")
