"""Gifts pages (a member's gifts; refuse or take back a refusal), co-creator invitations
(list, accept, decline), leaving a work as co-creator, and the credit preferences."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ficarchive.accounts.models import User
from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.core.pagination import paginate
from ficarchive.gifts import actions
from ficarchive.gifts.models import CreatorInvitation, CreditPreferences, Gift
from ficarchive.gifts.queries import gifts_for
from ficarchive.works.blurbs import render_blurbs
from ficarchive.works.models import Work


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _owner(username: str) -> User:
    owner = User.objects.filter(username__iexact=username[:150], is_active=True).first()
    if owner is None:
        raise Http404("No such user.")
    return owner


def user_gifts(request: HttpRequest, username: str) -> HttpResponse:
    """The works given to a member, as the reader may see them; the member also sees the
    gifts they refused (`?refused=1`), each with a button to refuse or take back."""
    owner = _owner(username)
    is_self = request.user.is_authenticated and request.user.pk == owner.pk
    refused = is_self and request.GET.get("refused") == "1"
    page, problem = paginate(request, gifts_for(owner, request.user, refused=refused))
    works: list[Work] = list(page.object_list)
    own_gifts: dict[int, int] = {}
    if is_self:
        # The gift row of each shown work (the owner's pseud), for its refuse button.
        own_gifts = dict(
            Gift.objects.filter(work__in=works, pseud__user=owner).values_list("work_id", "pk")
        )
    blurbs = render_blurbs(works)
    return render(
        request,
        "gifts/user_gifts.html",
        {
            "owner": owner,
            "page": page,
            "problem": problem,
            "items": [(w, b, own_gifts.get(w.pk)) for w, b in zip(works, blurbs, strict=True)],
            "is_self": is_self,
            "refused": refused,
        },
    )


@login_required
@require_POST
def change_gift(request: HttpRequest, gift_id: int, verb: str) -> HttpResponse:
    user = _user(request)
    try:
        if verb == "refuse":
            actions.refuse_gift(user, gift_id)
            messages.success(request, "This work will no longer be listed among your gifts.")
        else:
            actions.accept_gift(user, gift_id)
            messages.success(request, "This work will now be listed among your gifts.")
    except PermissionDenied:
        raise Http404("No such gift among yours.") from None
    return redirect(f"/users/{user.username}/gifts/")


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    """The user's pending co-creator invitations (works they are not credited on yet)."""
    user = _user(request)
    pending = CreatorInvitation.objects.filter(pseud__user=user).select_related(
        "work", "pseud", "inviter"
    )
    page, problem = paginate(request, pending)
    return render(request, "gifts/invitations.html", {"page": page, "problem": problem})


@login_required
@require_POST
def answer_invitation(request: HttpRequest, invitation_id: int, verb: str) -> HttpResponse:
    user = _user(request)
    try:
        if verb == "accept":
            work = actions.accept_invitation(user, invitation_id)
            messages.success(request, f"You are now credited as a co-creator of “{work.title}”.")
            return redirect(work.get_absolute_url())
        actions.decline_invitation(user, invitation_id)
    except PermissionDenied:
        raise Http404("No such invitation among yours.") from None
    messages.success(request, "Invitation declined: you are not credited on that work.")
    return redirect(actions.INVITATIONS_PAGE)


@login_required
def leave_work(request: HttpRequest, work_id: int) -> HttpResponse:
    """ "Remove me as co-creator": asks, then removes only the user's own credit."""
    user = _user(request)
    work = Work.objects.credited_to(user).filter(pk=work_id).first()
    if work is None:
        raise Http404("No such work among yours.")
    error = ""
    if request.method == "POST":
        try:
            actions.leave_work(user, work)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, f"You are no longer credited on “{work.title}”.")
            return redirect(f"/users/{user.username}/")
    return render(request, "gifts/leave.html", {"work": work, "error": error})


class CreditPreferencesForm(PlainLabelsMixin, forms.Form):
    allow_gifts = forms.BooleanField(
        label="Allow others to give me works as gifts",
        required=False,
        help_text="When off, nobody can name your pseuds as a gift's recipient (gifts you "
        "already have stay until you refuse them).",
    )
    allow_co_creator_invitations = forms.BooleanField(
        label="Allow others to invite me as co-creator",
        required=False,
        help_text="When off, nobody can invite your pseuds to be credited on their works.",
    )


@login_required
def credit_preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        form = CreditPreferencesForm(request.POST)
        if form.is_valid():
            actions.save_credit_preferences(user, **form.cleaned_data)
            messages.success(request, "Your gift and co-creator choices were saved.")
            return redirect("/preferences/gifts/")
    else:
        prefs = CreditPreferences.objects.filter(user=user).first() or CreditPreferences()
        form = CreditPreferencesForm(
            initial={
                "allow_gifts": prefs.allow_gifts,
                "allow_co_creator_invitations": prefs.allow_co_creator_invitations,
            }
        )
    return render(request, "gifts/preferences.html", {"form": form})
