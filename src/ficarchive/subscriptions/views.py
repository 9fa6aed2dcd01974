"""Subscribe, unsubscribe, and the list of one's subscriptions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ficarchive.accounts.models import User
from ficarchive.core.pagination import paginate
from ficarchive.moderation.guards import refused_response
from ficarchive.moderation.sanctions import AccountRestricted
from ficarchive.series.models import Series
from ficarchive.subscriptions import actions
from ficarchive.subscriptions.forms import SubscribeForm
from ficarchive.subscriptions.models import Subscription
from ficarchive.works.models import Work


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Redirect to the form's `next` when it is a path on this site, else to fallback."""
    target = request.POST.get("next", "")
    if (
        not target
        or "\x00" in target
        or not target.startswith("/")
        or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        target = fallback
    return redirect(target)


@login_required
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "That subscription could not be made: choose a work, series or user."
        )
        return _back(request, "/subscriptions/")
    data = form.cleaned_data
    try:
        if data["work"]:
            work = Work.objects.visible_to(request.user).filter(pk=data["work"]).first()
            if work is None:
                raise Http404("No such work.")
            actions.subscribe_to_work(request.user, work)
            fallback, label = f"/works/{work.pk}/", work.title
        elif data["series"]:
            series = Series.objects.filter(pk=data["series"]).first()
            if series is None:
                raise Http404("No such series.")
            actions.subscribe_to_series(request.user, series)
            fallback, label = f"/series/{series.pk}/", series.title
        else:
            creator = User.objects.filter(username=data["user"], is_active=True).first()
            if creator is None:
                raise Http404("No such user.")
            actions.subscribe_to_creator(request.user, creator)
            fallback, label = f"/users/{creator.username}/", creator.username
    except AccountRestricted as error:
        return refused_response(request, error)
    except (ValidationError, PermissionDenied) as error:
        text = error.messages[0] if isinstance(error, ValidationError) else str(error)
        messages.error(request, text or "You cannot subscribe to that.")
        return _back(request, "/subscriptions/")
    messages.success(request, f"You are subscribed to {label}.")
    return _back(request, fallback)


@login_required
@require_POST
def unsubscribe(request: HttpRequest, subscription_id: int) -> HttpResponse:
    assert isinstance(request.user, User)
    if actions.unsubscribe(request.user, subscription_id):
        messages.success(request, "You are unsubscribed.")
    else:
        messages.error(request, "You had no such subscription.")
    return _back(request, "/subscriptions/")


@login_required
def subscription_list(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    subscriptions = Subscription.objects.filter(user=request.user).select_related(
        "work", "series", "creator"
    )
    page, page_message = paginate(request, subscriptions, per_page=50)
    return render(
        request,
        "subscriptions/list.html",
        {"page": page, "subscriptions": page.object_list, "page_message": page_message},
    )
