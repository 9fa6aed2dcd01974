"""The inbox: notifications newest first, marked read or deleted; and email choices."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ficarchive.accounts.models import User
from ficarchive.core.numbers import parse_whole_number
from ficarchive.core.pagination import paginate
from ficarchive.notifications import actions
from ficarchive.notifications.forms import InboxActionForm, NotificationSettingsForm
from ficarchive.notifications.models import Notification, NotificationSettings

PER_PAGE = 50


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient_id=request.user.pk).only(
        "kind", "message", "url", "created_at", "read_at"
    )
    page, page_message = paginate(request, notifications, per_page=PER_PAGE)
    items = list(page.object_list)
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "notifications": items,
            "page_message": page_message,
            "any_unread": any(n.read_at is None for n in items),
        },
    )


@login_required
@require_POST
def update(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    form = InboxActionForm(request.POST)
    page = parse_whole_number(request.POST.get("page", ""), max_digits=8)
    back = f"/inbox/?page={page}" if page is not None else "/inbox/"
    if not form.is_valid():
        messages.error(request, "That did not work: choose a notification and an action.")
        return redirect(back)
    action, ident = form.cleaned_data["action"], form.cleaned_data["id"]
    if action == "read-all":
        count = actions.mark_read(request.user)
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    elif action == "read":
        actions.mark_read(request.user, [ident])
    elif action == "unread":
        actions.mark_unread(request.user, [ident])
    elif actions.delete_notifications(request.user, [ident]):
        messages.success(request, "Notification deleted.")
    return redirect(back)


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    current = NotificationSettings.objects.filter(user=request.user).first()
    initial = {
        "email_on_posted": current.email_on_posted if current else False,
        "email_on_replies": current.email_on_replies if current else False,
        "email_kudos_digest": current.email_kudos_digest if current else False,
    }
    form = NotificationSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.save_settings(
            request.user,
            email_on_posted=form.cleaned_data["email_on_posted"],
            email_on_replies=form.cleaned_data["email_on_replies"],
            email_kudos_digest=form.cleaned_data["email_kudos_digest"],
        )
        messages.success(request, "Your notification settings are saved.")
        return redirect("/inbox/settings/")
    return render(request, "notifications/settings.html", {"form": form})
