"""Reporting (anyone who can see the target) and the moderators' pages (staff only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ficarchive.accounts.models import User
from ficarchive.accounts.views import safe_next
from ficarchive.core.forms import add_errors
from ficarchive.core.numbers import parse_whole_number
from ficarchive.core.pagination import paginate
from ficarchive.moderation import actions
from ficarchive.moderation.forms import BanForm, ModeratorReasonForm, ReportForm, SuspendForm
from ficarchive.moderation.guards import client_address
from ficarchive.moderation.limits import RateLimited, check_rate, rate_limited_response
from ficarchive.moderation.models import (
    ModerationLog,
    Report,
    ReportStatus,
    Sanction,
    TargetType,
)
from ficarchive.works.models import Work, visible_q

View = Callable[..., HttpResponse]


def _comment_model() -> type[Model] | None:
    """Return the comments app's Comment model, or None while that app is not installed."""
    try:
        return apps.get_model("comments", "Comment")
    except LookupError:
        return None


def _visible_comment(request: HttpRequest, comment_id: int) -> Model:
    """Return a published comment on a work the user can read, or raise Http404."""
    model = _comment_model()
    if model is None:
        raise Http404("No such comment.")
    comment = (
        model._default_manager.filter(pk=comment_id, status="published")
        .filter(visible_q(request.user, "work"))
        .first()
    )
    if comment is None:
        raise Http404("No such comment.")
    return comment


def _comment_author_id(comment: Model) -> int | None:
    for name in ("user_id", "author_id"):
        value = getattr(comment, name, None)
        if value is not None:
            return int(value)
    return None


# Reporting


def _report(
    request: HttpRequest, target_type: str, target: Model, back: str, own: bool
) -> HttpResponse:
    label = actions.target_label(target_type, target)
    if own:
        return render(
            request,
            "moderation/refused.html",
            {"message": "You cannot report yourself or what you posted."},
            status=403,
        )
    user = request.user if request.user.is_authenticated else None
    form = ReportForm(request.POST or None, guest=user is None)
    if request.method == "POST" and form.is_valid():
        try:
            check_rate("report", user=user, address=client_address(request))
        except RateLimited as error:
            return rate_limited_response(request, error)
        try:
            _report_obj, created = actions.file_report(
                user,
                target_type=target_type,
                target=target,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
                email=form.cleaned_data.get("email", ""),
                address=client_address(request),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if created:
                messages.success(request, "Thank you: your report was sent to the moderators.")
            else:
                messages.info(
                    request, "You reported this already; the moderators have your report."
                )
            return redirect(back)
    return render(
        request,
        "moderation/report_form.html",
        {"form": form, "label": label, "back": back, "target_type": target_type},
        status=400 if request.method == "POST" else 200,
    )


def report_work(request: HttpRequest, work_id: int) -> HttpResponse:
    work = Work.objects.visible_to(request.user).filter(pk=work_id).first()
    if work is None:
        raise Http404("No such work.")
    own = request.user.is_authenticated and work.is_created_by(request.user)
    return _report(request, TargetType.WORK, work, f"/works/{work.pk}/", own)


def report_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _visible_comment(request, comment_id)
    own = request.user.is_authenticated and _comment_author_id(comment) == request.user.pk
    back = actions.target_url(TargetType.COMMENT, comment) or "/"
    return _report(request, TargetType.COMMENT, comment, back, own)


def report_user(request: HttpRequest, username: str) -> HttpResponse:
    target = User.objects.filter(username__iexact=username[:150], is_active=True).first()
    if target is None:
        raise Http404("No such user.")
    own = request.user.is_authenticated and request.user.pk == target.pk
    return _report(request, TargetType.USER, target, f"/users/{target.username}/", own)


# Moderators' pages


def moderator_required(view: View) -> View:
    """Send guests to log in; refuse everyone who is not active staff with a 403."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not actions.is_moderator(request.user):
            raise PermissionDenied("Only moderators can see this page.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _moderator(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


STATUS_FILTERS = {"open": "Open", "resolved": "Resolved", "dismissed": "Dismissed"}


@moderator_required
def queue(request: HttpRequest) -> HttpResponse:
    """Reports, newest first (open ones unless ?status= says otherwise), with what they
    point at, in a fixed number of queries."""
    status = request.GET.get("status", "open")
    if status not in STATUS_FILTERS:
        status = "open"
    reports = Report.objects.filter(status=status).select_related("reporter", "handled_by")
    page, page_message = paginate(request, reports.order_by("-created_at", "-pk"))
    items = list(page.object_list)
    ids: dict[str, set[int]] = {t: set() for t in TargetType.values}
    for report in items:
        ids[report.target_type].add(report.target_id)
    works = {w.pk: w for w in Work.objects.filter(pk__in=ids["work"])} if ids["work"] else {}
    users = {u.pk: u for u in User.objects.filter(pk__in=ids["user"])} if ids["user"] else {}
    comments: dict[int, Any] = {}
    model = _comment_model()
    if model is not None and ids["comment"]:
        comments = {c.pk: c for c in model._default_manager.filter(pk__in=ids["comment"])}
    targets: dict[str, dict[int, Any]] = {"work": works, "user": users, "comment": comments}
    rows = [
        {"report": report, "target": targets[report.target_type].get(report.target_id)}
        for report in items
    ]
    return render(
        request,
        "moderation/queue.html",
        {
            "page": page,
            "page_message": page_message,
            "rows": rows,
            "status": status,
            "statuses": STATUS_FILTERS,
        },
    )


@moderator_required
def log(request: HttpRequest) -> HttpResponse:
    """Every moderator action, newest first."""
    entries = ModerationLog.objects.select_related("moderator").order_by("-created_at", "-pk")
    page, page_message = paginate(request, entries, per_page=50)
    return render(request, "moderation/log.html", {"page": page, "page_message": page_message})


def _back(request: HttpRequest) -> HttpResponse:
    """Redirect to `next` when it is a page of this site (never an outside address), else to
    the queue."""
    return redirect(safe_next(request, "/moderation/"))


def _done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return _back(request)


def _refused(request: HttpRequest, error: ValidationError) -> HttpResponse:
    for message in error.messages:
        messages.error(request, message)
    return _back(request)


@moderator_required
def moderate_work(request: HttpRequest, work_id: int) -> HttpResponse:
    """A work's moderation panel: hide it from everyone but its creators, or show it again."""
    work = Work.objects.filter(pk=work_id).first()
    if work is None:
        raise Http404("No such work.")
    form = ModeratorReasonForm(request.POST or None)
    if request.method == "POST":
        intent = request.POST.get("intent")
        if intent not in ("hide", "unhide"):
            return _refused(request, ValidationError("Choose to hide or to show the work."))
        if form.is_valid():
            actions.set_work_hidden(
                _moderator(request), work, intent == "hide", form.cleaned_data["reason"]
            )
            done = "hidden: only its creators see it now" if intent == "hide" else "visible again"
            return _done(request, f"“{work.title}” is {done}.")
    reports = Report.objects.filter(target_type=TargetType.WORK, target_id=work.pk)
    return render(
        request,
        "moderation/work.html",
        {"work": work, "form": form, "reports": list(reports[:50])},
        status=400 if request.method == "POST" else 200,
    )


@moderator_required
@require_POST
def moderate_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Delete a comment."""
    model = _comment_model()
    comment = model._default_manager.filter(pk=comment_id).first() if model else None
    if comment is None:
        raise Http404("No such comment.")
    form = ModeratorReasonForm(request.POST)
    if not form.is_valid():
        return _refused(request, ValidationError("The reason is too long."))
    try:
        actions.delete_comment(_moderator(request), comment, form.cleaned_data["reason"])
    except ValidationError as error:
        return _refused(request, error)
    return _done(request, f"Comment #{comment_id} deleted.")


@moderator_required
def moderate_user(request: HttpRequest, username: str) -> HttpResponse:
    """An account's moderation panel: its sanctions and reports; suspend, ban or lift."""
    target = User.objects.filter(username__iexact=username[:150]).first()
    if target is None:
        raise Http404("No such user.")
    moderator = _moderator(request)
    intent = request.POST.get("intent") if request.method == "POST" else None
    suspend_form = SuspendForm(request.POST if intent == "suspend" else None, prefix="suspend")
    ban_form = BanForm(request.POST if intent == "ban" else None, prefix="ban")
    status = 200
    if request.method == "POST":
        try:
            if intent == "suspend":
                if suspend_form.is_valid():
                    actions.suspend_user(
                        moderator,
                        target,
                        suspend_form.until_datetime(),
                        suspend_form.cleaned_data["reason"],
                    )
                    return _done(request, f"{target.username} is suspended.")
            elif intent == "ban":
                if ban_form.is_valid():
                    actions.ban_user(moderator, target, ban_form.cleaned_data["reason"])
                    return _done(request, f"{target.username} is banned.")
            elif intent == "lift":
                sanction = Sanction.objects.filter(
                    pk=_int(request.POST.get("sanction")), user=target
                ).first()
                if sanction is None:
                    raise Http404("No such sanction.")
                reason = ModeratorReasonForm(request.POST)
                actions.lift_sanction(
                    moderator,
                    sanction,
                    reason.cleaned_data["reason"] if reason.is_valid() else "",
                )
                return _done(request, f"The {sanction.get_kind_display().lower()} is lifted.")
            else:
                messages.error(request, "Choose an action: suspend, ban or lift.")
        except ValidationError as error:
            form = suspend_form if intent == "suspend" else ban_form
            add_errors(form, error)
        status = 400
    sanctions = Sanction.objects.filter(user=target).select_related("by")
    reports = Report.objects.filter(target_type=TargetType.USER, target_id=target.pk)
    return render(
        request,
        "moderation/user.html",
        {
            "target": target,
            "suspend_form": suspend_form,
            "ban_form": ban_form,
            "sanctions": list(sanctions[:50]),
            "active": [s for s in Sanction.objects.active().filter(user=target)],
            "reports": list(reports[:50]),
        },
        status=status,
    )


def _int(value: Any) -> int:
    number = parse_whole_number(value)
    return number if number is not None and 0 < number < 2**62 else 0


@moderator_required
@require_POST
def close_report(request: HttpRequest, report_id: int) -> HttpResponse:
    """Resolve or dismiss a report."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        raise Http404("No such report.")
    status = request.POST.get("status", "")
    form = ModeratorReasonForm(request.POST)
    if not form.is_valid():
        return _refused(request, ValidationError("The note is too long."))
    try:
        actions.close_report(_moderator(request), report, status, form.cleaned_data["reason"])
    except ValidationError as error:
        return _refused(request, error)
    word = "resolved" if status == ReportStatus.RESOLVED else "dismissed"
    return _done(request, f"Report #{report.pk} {word}.")
