"""The reading preferences page, `/preferences/`: members' choices are stored on the account,
guests' in the `reading` cookie. The header's theme and text-size form posts here too."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ficarchive.accounts.models import User
from ficarchive.core import views as core_views
from ficarchive.core.forms import add_errors
from ficarchive.core.numbers import parse_whole_number
from ficarchive.preferences import actions
from ficarchive.preferences.forms import MuteTagForm, ReadingPreferencesForm
from ficarchive.preferences.models import MutedTag
from ficarchive.preferences.reader import (
    GUEST_COOKIE,
    ReaderPrefs,
    cookie_value,
    prefs_for,
)

ONE_YEAR = 365 * 24 * 3600
PAGE = "/preferences/"


def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        kind = request.POST.get("form", "")
        if kind == "reading":
            return _save_reading(request)
        if kind == "mute":
            return _mute(request)
        if kind == "unmute":
            return _unmute(request)
        # The header's display form (theme, text size).
        return core_views.preferences(request)
    return _page(
        request,
        ReadingPreferencesForm(initial=ReadingPreferencesForm.initial_for(prefs_for(request))),
        MuteTagForm(),
    )


def _page(
    request: HttpRequest,
    reading_form: ReadingPreferencesForm,
    mute_form: MuteTagForm,
    status: int = 200,
) -> HttpResponse:
    muted: list[MutedTag] = []
    if request.user.is_authenticated:
        muted = list(
            MutedTag.objects.filter(user_id=request.user.pk)
            .select_related("tag")
            .order_by("tag__name")
        )
    return render(
        request,
        "preferences/preferences.html",
        {"reading_form": reading_form, "mute_form": mute_form, "muted": muted},
        status=status,
    )


def _save_reading(request: HttpRequest) -> HttpResponse:
    form = ReadingPreferencesForm(request.POST)
    if not form.is_valid():
        return _page(request, form, MuteTagForm(), status=400)
    choices = form.choices()
    if isinstance(request.user, User):
        try:
            actions.save_reading_preferences(request.user, choices)
        except ValidationError as error:
            add_errors(form, error)
            return _page(request, form, MuteTagForm(), status=400)
        messages.success(request, "Your reading preferences were saved.")
        return redirect(PAGE)
    messages.success(request, "Your reading preferences were saved in this browser (a cookie).")
    response = redirect(PAGE)
    value = cookie_value(ReaderPrefs(**asdict(choices)))
    if value:
        response.set_cookie(GUEST_COOKIE, value, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(GUEST_COOKIE)
    return response


def _member(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _mute(request: HttpRequest) -> HttpResponse:
    user = _member(request)
    if user is None:
        messages.error(request, "Log in to mute tags: muted tags are kept on your account.")
        return redirect("/login/?next=/preferences/")
    form = MuteTagForm(request.POST)
    if form.is_valid():
        try:
            tag, added = actions.mute_tag(user, form.cleaned_data["tag"])
        except ValidationError as error:
            add_errors(form, error, "tag")
        else:
            if added:
                messages.success(request, f"You muted “{tag.name}”: works carrying it are hidden.")
            else:
                messages.info(request, f"You had already muted “{tag.name}”.")
            return redirect(PAGE)
    reading = ReadingPreferencesForm(initial=ReadingPreferencesForm.initial_for(prefs_for(request)))
    return _page(request, reading, form, status=400)


def _unmute(request: HttpRequest) -> HttpResponse:
    user = _member(request)
    if user is None:
        return redirect("/login/?next=/preferences/")
    tag_id = parse_whole_number(request.POST.get("tag", "")[:30])
    tag = actions.unmute_tag(user, tag_id) if tag_id is not None else None
    if tag is None:
        messages.error(request, "That tag was not muted, so nothing changed.")
    else:
        messages.success(request, f"You unmuted “{tag.name}”.")
    return redirect(PAGE)
