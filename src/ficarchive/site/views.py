"""Pages of the site app: the Terms of Service and Privacy pages (and accepting them), the
invitation queue and a member's invitations, e-mail confirmation, and the staff area."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.accounts.views import client_address, safe_next
from ficarchive.core.forms import add_errors
from ficarchive.core.pagination import paginate
from ficarchive.moderation.limits import RateLimited, check_rate, rate_limited_response
from ficarchive.moderation.models import Report, ReportStatus, Sanction, TargetType
from ficarchive.site import actions, conf
from ficarchive.site.forms import (
    AcceptTermsForm,
    GiveInvitationsForm,
    InvitationRequestForm,
    RoleForm,
    SendInvitationsForm,
    SettingsForm,
    TermsForm,
    people_query,
)
from ficarchive.site.middleware import SESSION_KEY
from ficarchive.site.models import (
    Invitation,
    InvitationRequest,
    RequestStatus,
    SignupMode,
    TermsKind,
    TermsVersion,
)
from ficarchive.site.roles import ROLES, has_role, is_staff
from ficarchive.works.models import Work

View = Callable[..., HttpResponse]


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# Terms of Service and Privacy ---------------------------------------------------------------


def _terms(request: HttpRequest, kind: str) -> HttpResponse:
    ref = (
        conf.for_request(request).tos
        if kind == TermsKind.TOS
        else conf.for_request(request).privacy
    )
    current_id, _ = ref.in_force()
    ids = [i for i in (current_id, ref.next_id) if i is not None and i != current_id] + (
        [current_id] if current_id else []
    )
    found = {v.pk: v for v in TermsVersion.objects.filter(pk__in=ids)}
    upcoming = found.get(ref.next_id) if ref.next_id and ref.next_id != current_id else None
    return render(
        request,
        "site/terms.html",
        {
            "title": TermsKind(kind).label,
            "version": found.get(current_id) if current_id else None,
            "upcoming": upcoming,
        },
    )


def terms(request: HttpRequest) -> HttpResponse:
    return _terms(request, TermsKind.TOS)


def privacy(request: HttpRequest) -> HttpResponse:
    return _terms(request, TermsKind.PRIVACY)


@login_required
def accept_terms(request: HttpRequest) -> HttpResponse:
    """The page members are sent to when the Terms of Service changed: read, tick, accept."""
    user = _member(request)
    tos_id = conf.for_request(request).tos_id()
    target = safe_next(request, "/")
    version = TermsVersion.objects.filter(pk=tos_id).first() if tos_id else None
    if version is None:
        return redirect(target)
    accepted = actions.has_accepted(user, version.pk)
    form = AcceptTermsForm(request.POST or None, initial={"version": version.pk})
    status = 200
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data["version"] != str(version.pk):
            form = AcceptTermsForm(initial={"version": version.pk})
            messages.error(
                request,
                "The Terms of Service changed while you read them: read this version and "
                "accept it.",
            )
        elif form.is_valid():
            actions.accept_terms(user, version.pk)
            request.session[SESSION_KEY] = version.pk
            messages.success(request, "Thank you: you accepted the Terms of Service.")
            return redirect(target)
        status = 400
    return render(
        request,
        "site/accept_terms.html",
        {"version": version, "form": form, "next": target, "accepted": accepted},
        status=status,
    )


# Invitations --------------------------------------------------------------------------------


def request_invitation(request: HttpRequest) -> HttpResponse:
    """Ask for an invitation: the address joins the queue."""
    config = conf.for_request(request)
    if config.signup_mode != SignupMode.INVITE:
        return render(request, "site/invitation_request.html", {"form": None, "mode": config})
    form = InvitationRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                check_rate("invitation_request", user=None, address=client_address(request))
            except RateLimited as error:
                return rate_limited_response(request, error)
            try:
                item = actions.request_invitation(
                    form.cleaned_data["email"], address=client_address(request)
                )
            except ValidationError as error:
                form.add_error("email", error)
            else:
                place = actions.queue_position(item.pk)
                messages.success(
                    request,
                    f"You are in the queue (number {place}). The invitation comes by e-mail "
                    "to that address when it is your turn.",
                )
                return redirect("/invitations/request/")
        status = 400
    waiting = InvitationRequest.objects.filter(status=RequestStatus.PENDING).count()
    return render(
        request,
        "site/invitation_request.html",
        {"form": form, "mode": config, "waiting": waiting},
        status=status,
    )


@login_required
def my_invitations(request: HttpRequest) -> HttpResponse:
    """A member's invitations to share: the codes and links, and which were used."""
    user = _member(request)
    now = timezone.now()
    held = Invitation.objects.filter(owner=user).select_related("used_by").order_by("-pk")
    return render(
        request,
        "site/invitations.html",
        {
            "unused": [i for i in held if i.used_at is None and i.expires_at > now][:200],
            "used": [i for i in held if i.used_at is not None][:200],
            "expired": sum(1 for i in held if i.used_at is None and i.expires_at <= now),
            "signup_url": request.build_absolute_uri("/signup/"),
        },
    )


# E-mail confirmation ------------------------------------------------------------------------


@login_required
def confirm_email(request: HttpRequest) -> HttpResponse:
    """Whether the address is confirmed, and a button that sends a new link."""
    user = _member(request)
    if request.method == "POST":
        try:
            check_rate("confirm_email", user=user, address=client_address(request))
        except RateLimited as error:
            return rate_limited_response(request, error)
        try:
            actions.send_confirmation(user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"We sent a new confirmation link to {user.email}.")
        return redirect("/confirm-email/")
    return render(
        request,
        "site/confirm_email.html",
        {"needed": conf.for_request(request).signup_mode == SignupMode.CONFIRM},
    )


def confirm_email_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail: a button that confirms (a POST, so that mail scanners that
    open links confirm nothing)."""
    if request.method == "POST":
        try:
            user = actions.confirm_email(token)
        except ValidationError as error:
            return render(
                request,
                "site/confirm_link.html",
                {"error": " ".join(error.messages), "token": token},
                status=400,
            )
        messages.success(request, f"Thank you: the address {user.email} is confirmed.")
        return redirect("/" if request.user.is_authenticated else "/login/")
    return render(request, "site/confirm_link.html", {"token": token})


# The staff area -----------------------------------------------------------------------------


def staff_required(view: View) -> View:
    """Send guests to log in; refuse everyone but active staff with a 403."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff(request.user):
            raise PermissionDenied("Only staff can see this page.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    counts = InvitationRequest.objects.aggregate(
        waiting=Count("pk", filter=Q(status=RequestStatus.PENDING))
    )
    return render(
        request,
        "site/staff_home.html",
        {
            "waiting": counts["waiting"],
            "open_reports": Report.objects.filter(status=ReportStatus.OPEN).count(),
            "modes": dict(SignupMode.choices),
        },
    )


@staff_required
def staff_settings(request: HttpRequest) -> HttpResponse:
    current = actions.settings_input()
    form = SettingsForm(request.POST or None, initial=vars(current))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = actions.save_settings(_member(request), form.settings_input())
            except ValidationError as error:
                add_errors(form, error)
            else:
                if changed:
                    messages.success(request, "Settings saved.")
                else:
                    messages.info(request, "Nothing changed.")
                return redirect("/staff/settings/")
        status = 400
    return render(request, "site/staff_settings.html", {"form": form}, status=status)


def _effective(day: Any) -> datetime | None:
    if day is None:
        return None
    if day <= timezone.localdate():
        return None  # today: now
    return timezone.make_aware(datetime.combine(day, time.min))


@staff_required
def staff_terms(request: HttpRequest) -> HttpResponse:
    """Publish new versions of the Terms of Service and the Privacy policy."""
    kind = request.POST.get("kind") if request.method == "POST" else None
    forms_by_kind: dict[str, TermsForm] = {}
    latest = {
        k: TermsVersion.objects.filter(kind=k).order_by("-number").first() for k in TermsKind.values
    }
    for k in TermsKind.values:
        bound = request.POST if kind == k else None
        found = latest[k]
        initial = {"text": found.text if found else ""}
        forms_by_kind[k] = TermsForm(bound, initial=initial, prefix=k)
    status = 200
    if request.method == "POST":
        if kind not in TermsKind.values:
            messages.error(request, "Choose which page to publish: Terms of Service or Privacy.")
            return redirect("/staff/terms/")
        form = forms_by_kind[kind]
        if form.is_valid():
            try:
                version = actions.publish_terms(
                    _member(request),
                    kind,
                    form.cleaned_data["text"],
                    effective_at=_effective(form.cleaned_data["effective_on"]),
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"Published {version}.")
                return redirect("/staff/terms/")
        status = 400
    history = TermsVersion.objects.select_related("created_by").order_by("kind", "-number")
    return render(
        request,
        "site/staff_terms.html",
        {
            "sections": [
                (k, TermsKind(k).label, forms_by_kind[k], latest[k]) for k in TermsKind.values
            ],
            "history": list(history[:100]),
        },
        status=status,
    )


@staff_required
def staff_invitations(request: HttpRequest) -> HttpResponse:
    """The invitation queue (oldest first) and a button that sends the next N."""
    form = SendInvitationsForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                made = actions.send_invitations(_member(request), form.cleaned_data["count"])
            except ValidationError as error:
                add_errors(form, error)
            else:
                if made:
                    messages.success(request, f"Sent {len(made)} invitation(s).")
                else:
                    messages.info(request, "Nobody is waiting in the queue.")
                return redirect("/staff/invitations/")
        status = 400
    waiting = InvitationRequest.objects.filter(status=RequestStatus.PENDING).order_by(
        "created_at", "pk"
    )
    page, page_message = paginate(request, waiting, per_page=50)
    recent = Invitation.objects.select_related("owner", "used_by").order_by("-pk")[:50]
    return render(
        request,
        "site/staff_invitations.html",
        {
            "form": form,
            "page": page,
            "page_message": page_message,
            "recent": list(recent),
            "now": timezone.now(),
        },
        status=status,
    )


@staff_required
def staff_people(request: HttpRequest) -> HttpResponse:
    """Find people by name, e-mail address or pseud."""
    query = people_query(request.GET.get("q"))
    results: list[User] = []
    if query:
        found = (
            User.objects.filter(
                Q(username__icontains=query)
                | Q(email__iexact=query)
                | Q(pk__in=User.objects.filter(pseuds__name__icontains=query).values("pk"))
            )
            .prefetch_related("groups")
            .order_by("username")
        )
        results = list(found[:50])
    return render(request, "site/staff_people.html", {"query": query, "results": results})


@staff_required
def staff_person(request: HttpRequest, username: str) -> HttpResponse:
    """One person: works, reports, sanctions, roles and invitations to share."""
    person = User.objects.filter(username__iexact=username[:150]).first()
    if person is None:
        raise Http404("No such user.")
    staff = _member(request)
    give_form = GiveInvitationsForm(request.POST if request.POST.get("intent") == "give" else None)
    status = 200
    if request.method == "POST":
        intent = request.POST.get("intent")
        try:
            if intent == "give":
                if give_form.is_valid():
                    made = actions.give_invitations(staff, person, give_form.cleaned_data["count"])
                    messages.success(
                        request, f"{person.username} has {len(made)} more invitation(s) to share."
                    )
                    return redirect(f"/staff/people/{person.username}/")
            else:
                role_form = RoleForm(request.POST)
                if not role_form.is_valid():
                    raise ValidationError("Choose a role (moderator, wrangler or staff).")
                role = role_form.cleaned_data["role"]
                if role_form.cleaned_data["intent"] == "grant":
                    done = actions.grant_role(staff, person, role)
                    word = "is now" if done else "was already"
                else:
                    done = actions.revoke_role(staff, person, role)
                    word = "is no longer" if done else "was not"
                messages.success(request, f"{person.username} {word} {ROLES[role].lower()}.")
                return redirect(f"/staff/people/{person.username}/")
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        status = 400
    works = Work.objects.created_by(person).order_by("-created_at").only("pk", "title", "status")
    reports = Report.objects.filter(
        Q(target_type=TargetType.USER, target_id=person.pk)
        | Q(target_type=TargetType.WORK, target_id__in=works.values("pk"))
    ).order_by("-created_at")
    sanctions = Sanction.objects.filter(user=person).select_related("by")
    invitations = Invitation.objects.filter(owner=person).aggregate(
        unused=Count("pk", filter=Q(used_at__isnull=True, expires_at__gt=timezone.now())),
        used=Count("pk", filter=Q(used_at__isnull=False)),
    )
    return render(
        request,
        "site/staff_person.html",
        {
            "person": person,
            "works": list(works[:100]),
            "reports": list(reports[:50]),
            "sanctions": list(sanctions[:50]),
            "roles": [(role, name, has_role(person, role)) for role, name in ROLES.items()],
            "give_form": give_form,
            "invitations": invitations,
            "pseuds": list(person.pseuds.all()),
        },
        status=status,
    )
