"""Block, unblock, mute and unmute another user (POST from their page); list your own."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ficarchive.accounts.models import User
from ficarchive.blocking import actions
from ficarchive.blocking.models import Block, Mute

MESSAGES = {
    "block": (
        "You blocked {name}: they can no longer comment on, reply in or leave kudos on your works.",
        "You had already blocked {name}.",
    ),
    "unblock": ("You unblocked {name}.", "{name} was not blocked."),
    "mute": (
        "You muted {name}: their works and comments are hidden from you.",
        "You had already muted {name}.",
    ),
    "unmute": ("You unmuted {name}.", "{name} was not muted."),
}
ACTIONS = {
    "block": actions.block_user,
    "unblock": actions.unblock_user,
    "mute": actions.mute_user,
    "unmute": actions.unmute_user,
}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _back(request: HttpRequest, other: User) -> str:
    if request.POST.get("next") == "/blocked/":
        return "/blocked/"
    return f"/users/{other.username}/"


@login_required
@require_POST
def change(request: HttpRequest, username: str, verb: str) -> HttpResponse:
    if verb not in ACTIONS:
        raise Http404("No such action.")
    other = User.objects.filter(username__iexact=username[:150]).first()
    if other is None:
        raise Http404("No such user.")
    try:
        changed = ACTIONS[verb](_user(request), other)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        done, unchanged = MESSAGES[verb]
        text = (done if changed else unchanged).format(name=other.username)
        (messages.success if changed else messages.info)(request, text)
    return redirect(_back(request, other))


@login_required
def blocked_and_muted(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    blocks = Block.objects.filter(blocker=user).select_related("blocked").order_by("-created_at")
    mutes = Mute.objects.filter(muter=user).select_related("muted").order_by("-created_at")
    return render(
        request, "blocking/list.html", {"blocks": list(blocks[:1000]), "mutes": list(mutes[:1000])}
    )
