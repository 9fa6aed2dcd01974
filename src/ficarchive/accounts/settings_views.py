"""`/settings/`: members own their accounts. Profile, e-mail, username, pseuds, "download my
data" and deleting the account; orphaning a single work or series. The password page is
`/password/change/` and API tokens are at `/settings/tokens/` (api app); the settings menu
links to both."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ficarchive.accounts import actions
from ficarchive.accounts.forms import (
    DeleteAccountForm,
    EmailChangeForm,
    OrphanForm,
    ProfileForm,
    PseudEditForm,
    PseudForm,
    UsernameChangeForm,
)
from ficarchive.accounts.models import DataExport, DataExportStatus, Pseud, User
from ficarchive.core.forms import add_errors
from ficarchive.moderation.guards import refuse_write
from ficarchive.series.models import Series
from ficarchive.works.models import Status, Work


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], form: Form | None = None
) -> HttpResponse:
    """Render a settings page; a POST whose form has errors answers 400."""
    status = 400 if request.method == "POST" and form is not None and form.errors else 200
    response = render(request, f"accounts/settings/{template}", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    initial = {"display_name": user.display_name, "bio": user.bio}
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if refused := refuse_write(request, "profile"):
            return refused
        if form.is_valid():
            try:
                actions.update_profile(
                    user,
                    display_name=form.cleaned_data["display_name"],
                    bio=form.cleaned_data["bio"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, "Profile saved.")
                return redirect("/settings/")
    return _page(request, "profile.html", {"form": form, "section": "profile"}, form)


@login_required
def change_email(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = EmailChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.request_email_change(
                user,
                form.cleaned_data["email"],
                form.cleaned_data["password"],
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"We sent a link to {form.cleaned_data['email']}: open it to confirm the new "
                f"address. Until then your address stays {user.email or '(none)'}.",
            )
            return redirect("/settings/email/")
    return _page(request, "email.html", {"form": form, "section": "email"}, form)


@login_required
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link would do (mail scanners that open links change nothing);
    the button POSTs."""
    user = _user(request)
    try:
        new_email = actions.read_email_change_token(user, token)
    except ValidationError as error:
        return _bad_link(request, error)
    if request.method == "POST":
        try:
            actions.confirm_email_change(user, token)
        except ValidationError as error:
            return _bad_link(request, error)
        messages.success(request, f"Your e-mail address is now {new_email}.")
        return redirect("/settings/email/")
    return _page(request, "email_link.html", {"new_email": new_email, "section": "email"})


def _bad_link(request: HttpRequest, error: ValidationError) -> HttpResponse:
    response = render(
        request,
        "accounts/settings/email_link.html",
        {"problem": " ".join(error.messages), "section": "email"},
        status=400,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def change_username(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = UsernameChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if refused := refuse_write(request, "username"):
            return refused
        if form.is_valid():
            old = user.username
            try:
                user = actions.change_username(
                    user, form.cleaned_data["username"], form.cleaned_data["password"]
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                update_session_auth_hash(request, user)
                messages.success(
                    request,
                    f"Your username is now {user.username}. Links to /users/{old}/ lead here "
                    f"for {actions.username_hold().days} days.",
                )
                return redirect("/settings/username/")
    return _page(
        request,
        "username.html",
        {
            "form": form,
            "section": "username",
            "hold_days": actions.username_hold().days,
            "interval_days": actions.username_change_interval().days,
        },
        form,
    )


@login_required
def pseuds(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PseudForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if refused := refuse_write(request, "pseud"):
            return refused
        if form.is_valid():
            try:
                pseud = actions.add_pseud(
                    user, form.cleaned_data["name"], form.cleaned_data["description"]
                )
            except ValidationError as error:
                add_errors(form, error, "name")
            else:
                messages.success(request, f"Pseud “{pseud.name}” added.")
                return redirect("/settings/pseuds/")
    return _page(
        request,
        "pseuds.html",
        {"form": form, "pseuds": list(user.pseuds.all()), "section": "pseuds"},
        form,
    )


def _own_pseud(request: HttpRequest, pseud_id: int) -> Pseud:
    pseud = Pseud.objects.filter(pk=pseud_id, user=_user(request)).first()
    if pseud is None:
        raise Http404("No such pseud among yours.")
    return pseud


@login_required
def edit_pseud(request: HttpRequest, pseud_id: int) -> HttpResponse:
    pseud = _own_pseud(request, pseud_id)
    initial = {"name": pseud.name, "description": pseud.description}
    form = PseudEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if refused := refuse_write(request, "pseud"):
            return refused
        if form.is_valid():
            try:
                actions.rename_pseud(
                    _user(request),
                    pseud,
                    form.cleaned_data["name"],
                    form.cleaned_data["description"],
                )
            except ValidationError as error:
                add_errors(form, error, "name")
            else:
                messages.success(request, f"Pseud saved as “{pseud.name}”.")
                return redirect("/settings/pseuds/")
            pseud.refresh_from_db()
    works = pseud.creatorships.count()
    return _page(
        request,
        "pseud_edit.html",
        {"form": form, "pseud": pseud, "works": works, "section": "pseuds"},
        form,
    )


@login_required
@require_POST
def delete_pseud(request: HttpRequest, pseud_id: int) -> HttpResponse:
    pseud = _own_pseud(request, pseud_id)
    if refused := refuse_write(request, "pseud"):
        return refused
    try:
        moved = actions.delete_pseud(_user(request), pseud)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(f"/settings/pseuds/{pseud.pk}/")
    messages.success(
        request,
        f"Pseud “{pseud.name}” deleted; {moved} work{'s' if moved != 1 else ''} moved to your "
        "default pseud.",
    )
    return redirect("/settings/pseuds/")


@login_required
def data_export(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    actions.purge_expired_exports()
    if request.method == "POST":
        try:
            actions.request_data_export(user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                "Your data export is being built. Your inbox tells you when it is ready.",
            )
        return redirect("/settings/data/")
    exports = list(user.data_exports.all()[:10])
    return _page(
        request,
        "data.html",
        {"exports": exports, "section": "data", "days": actions.DATA_EXPORT_DAYS},
    )


@login_required
def download_export(request: HttpRequest, export_id: int) -> HttpResponseBase:
    """The export's ZIP, for its owner only, until it expires (someone else's is a 404)."""
    export = DataExport.objects.filter(pk=export_id, user=_user(request)).first()
    if export is None:
        raise Http404("No such export among yours.")
    if (
        export.status != DataExportStatus.READY
        or export.expires_at is None
        or export.expires_at <= timezone.now()
    ):
        response = render(
            request,
            "accounts/message_page.html",
            {
                "title": "Export not available",
                "message": "This export is not ready yet, or it has expired: ask for a new one "
                "on the “Download my data” page.",
            },
            status=410 if export.status == DataExportStatus.READY else 404,
        )
        return response
    path = actions.exports_dir() / export.file_name
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise Http404("The export's file is gone: ask for a new one.") from None
    stamp = export.created_at.strftime("%Y-%m-%d")
    download = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{export.user.username}-data-{stamp}.zip",
        content_type="application/zip",
    )
    download["Cache-Control"] = "private, no-store"
    return download


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = DeleteAccountForm(
        request.POST if request.method == "POST" else None,
        username=user.username,
        initial={"works": "orphan", "comments": "keep"},
    )
    if request.method == "POST" and form.is_valid():
        choices = actions.DeletionChoices(
            works=form.cleaned_data["works"],
            keep_pseud_names=form.cleaned_data["keep_pseud_names"],
            comments=form.cleaned_data["comments"],
        )
        try:
            actions.delete_account(user, form.cleaned_data["password"], choices)
        except ValidationError as error:
            add_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            logout(request)
            return render(
                request,
                "accounts/message_page.html",
                {
                    "title": "Account deleted",
                    "message": "Your account is deleted. Thank you for having been part of "
                    "the archive.",
                },
            )
    works = Work.objects.created_by(user).count()
    return _page(request, "delete.html", {"form": form, "works": works, "section": "delete"}, form)


@login_required
def orphan_work(request: HttpRequest, work_id: int) -> HttpResponse:
    user = _user(request)
    work = Work.objects.credited_to(user).filter(pk=work_id, status=Status.POSTED).first()
    if work is None:
        raise Http404("No such posted work among yours.")
    form = OrphanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if refused := refuse_write(request, "orphan"):
            return refused
        actions.orphan_works(user, [work], keep_pseud=form.cleaned_data["keep_pseud"])
        messages.success(request, f"“{work.title}” is orphaned: it is no longer yours.")
        return redirect(work.get_absolute_url())
    return _page(
        request,
        "orphan.html",
        {"form": form, "thing": "work", "title": work.title, "back": work.get_absolute_url()},
        form,
    )


@login_required
def orphan_series(request: HttpRequest, series_id: int) -> HttpResponse:
    user = _user(request)
    series = Series.objects.filter(pk=series_id, creator=user).first()
    if series is None:
        raise Http404("No such series among yours.")
    form = OrphanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if refused := refuse_write(request, "orphan"):
            return refused
        actions.orphan_series(user, series, keep_pseud=form.cleaned_data["keep_pseud"])
        messages.success(request, f"“{series.title}” and your works in it are orphaned.")
        return redirect(series.get_absolute_url())
    return _page(
        request,
        "orphan.html",
        {"form": form, "thing": "series", "title": series.title, "back": series.get_absolute_url()},
        form,
    )
