"""Sign up, log in with throttling, user and pseud pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from ficarchive.accounts import actions
from ficarchive.accounts.forms import LoginForm, PseudForm, SignUpForm
from ficarchive.accounts.models import Pseud, User
from ficarchive.core.forms import add_errors
from ficarchive.moderation.limits import RateLimited, check_rate, rate_limited_response
from ficarchive.site import actions as site_actions
from ficarchive.site import conf as site_conf
from ficarchive.works.models import Work


def client_address(request: HttpRequest) -> str:
    """Return the client's IP address, trusting X-Forwarded-For only behind known proxies."""
    if settings.TRUSTED_PROXIES > 0:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= settings.TRUSTED_PROXIES:
            return str(forwarded[-settings.TRUSTED_PROXIES])
    return str(request.META.get("REMOTE_ADDR") or "0.0.0.0")  # noqa: S104


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("/")
    config = site_conf.for_request(request)  # sign-up mode, invitations, Terms of Service
    if config.signup_mode == "closed":
        return render(request, "accounts/signup.html", {"closed": True})
    form = SignUpForm(
        request.POST or None,
        invitation=config.signup_mode == "invite",
        terms=config.tos_id(),
        initial={"invitation": str(request.GET.get("invitation", ""))[:64]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            check_rate("signup", user=None, address=client_address(request))
        except RateLimited as error:
            return rate_limited_response(request, error)
        try:
            user = site_actions.register(
                form.cleaned_data["username"],
                form.cleaned_data["email"],
                form.cleaned_data["password"],
                invitation_code=form.cleaned_data.get("invitation", ""),
                accepted_terms=form.accepted_terms(),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.username}! Your account is ready.")
            if config.signup_mode == "confirm" and user.email_confirmed_at is None:
                messages.info(request, f"We e-mailed a confirmation link to {user.email}.")
            return redirect("/")
    return render(request, "accounts/signup.html", {"form": form, "mode": config.signup_mode})


class ThrottledLoginView(LoginView):
    """Log-in that refuses after too many recent failures for the account from this address
    (even the right password), and wrong passwords after too many from the address."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", ""))[:150]
        address = client_address(request)
        # The attempt is counted (as a failure) before the password is checked: see
        # reserve_login_attempt.
        if actions.reserve_login_attempt(username, address) is None:
            return self._refused(
                "Too many failed log-ins for this account from this address. Wait 15 minutes "
                "and try again, or reset your password."
            )
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            actions.clear_login_failures(username, address)
            return response
        actions.forget_old_login_failures()
        if actions.address_over_limit(address):
            return self._refused(
                "Too many failed log-ins from this address. Wait 15 minutes before trying "
                "again; the right password still logs you in."
            )
        return response

    def _refused(self, message: str) -> HttpResponse:
        form = self.get_form()
        form.errors.clear()
        form.add_error(None, message)
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = 429
        return response


def _owner(username: str) -> User:
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise Http404("No such user.")
    return user


def user_page(request: HttpRequest, username: str) -> HttpResponse:
    owner = _owner(username)
    works = Work.objects.visible_to(request.user).filter(
        pk__in=Work.objects.created_by(owner).values("pk")
    )
    is_self = request.user.is_authenticated and request.user.pk == owner.pk
    if not is_self:
        works = works.exclude(anonymous=True)  # an anonymous work never names its creator
    posted = works.posted().for_listing().order_by("-updated_at", "-pk")
    drafts = works.filter(status="draft").for_listing().order_by("-created_at") if is_self else []
    return render(
        request,
        "accounts/user.html",
        {
            "owner": owner,
            "pseuds": list(owner.pseuds.all()),
            "works": list(posted[:100]),
            "drafts": list(drafts),
            "is_self": is_self,
        },
    )


def pseud_page(request: HttpRequest, username: str, pseud: str) -> HttpResponse:
    owner = _owner(username)
    found = Pseud.objects.filter(user=owner, name__iexact=pseud).first()
    if found is None:
        raise Http404("No such pseud.")
    works = (
        Work.objects.visible_to(request.user)
        .posted()
        .filter(creatorships__pseud=found)
        .exclude(anonymous=request.user.pk != owner.pk)
        .for_listing()
        .order_by("-updated_at", "-pk")
    )
    return render(
        request, "accounts/pseud.html", {"owner": owner, "pseud": found, "works": list(works[:100])}
    )


@login_required
def manage_pseuds(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = PseudForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pseud = actions.add_pseud(
                user, form.cleaned_data["name"], form.cleaned_data["description"]
            )
        except ValidationError as error:
            add_errors(form, error, "name")
        else:
            messages.success(request, f"Pseud “{pseud.name}” added.")
            return redirect("/pseuds/")
    return render(
        request, "accounts/pseuds.html", {"form": form, "pseuds": list(user.pseuds.all())}
    )


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    """Return the `next` parameter if it points at this site, else fallback."""
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback
