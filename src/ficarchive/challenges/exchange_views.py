"""Gift exchange pages: the settings and summary, sign-ups, the moderators' sign-up list and
matching page, and each giver's assignments."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ficarchive.accounts.models import Pseud, User
from ficarchive.challenges import exchange as actions
from ficarchive.challenges.forms import ExchangeForm, PinchHitForm, SignUpForm
from ficarchive.challenges.models import (
    Assignment,
    ExchangePrompt,
    ExchangeSignUp,
    GiftExchange,
    MatchingRun,
    PromptKind,
    RunStatus,
)
from ficarchive.collections.models import Collection
from ficarchive.collections.views import _collection, _header
from ficarchive.core.forms import add_errors
from ficarchive.core.numbers import parse_whole_number
from ficarchive.gifts.models import Gift, pseud_form_name
from ficarchive.works.models import Work

REFRESH_SECONDS = 3
MAX_LISTED = 2000  # sign-ups or assignments one moderator page lists


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _exchange(collection: Collection) -> GiftExchange | None:
    return GiftExchange.objects.filter(collection=collection).select_related("tag_set").first()


def _context(request: HttpRequest, collection: Collection, page: str) -> dict[str, Any]:
    context = _header(request, collection, page)
    context["exchange"] = _exchange(collection)
    return context


def _moderated(request: HttpRequest, name: str, page: str) -> dict[str, Any]:
    """Return the page context if the user moderates the collection and it has an
    exchange; else raise Http404."""
    context = _context(request, _collection(name), page)
    if not context["is_moderator"] or context["exchange"] is None:
        raise Http404("No such gift exchange among yours.")
    return context


def exchange_detail(request: HttpRequest, name: str) -> HttpResponse:
    """The exchange's summary for everyone; its settings form for owners and moderators."""
    collection = _collection(name)
    context = _context(request, collection, "exchange")
    exchange: GiftExchange | None = context["exchange"]
    if exchange is None and not context["is_moderator"]:
        raise Http404("This collection has no gift exchange.")
    form = None
    if context["is_moderator"]:
        form = ExchangeForm(
            request.POST if request.method == "POST" else None,
            initial=ExchangeForm.initial_for(exchange),
        )
        if request.method == "POST" and form.is_valid():
            try:
                actions.save_exchange(_user(request), collection, form.exchange_input())
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, "Gift exchange settings saved.")
                return redirect(f"/collections/{collection.name}/exchange/")
    elif request.method == "POST":
        raise PermissionDenied("Only the collection's owners and moderators can change this.")
    mine = None
    if exchange is not None and request.user.is_authenticated:
        mine = ExchangeSignUp.objects.filter(exchange=exchange, user_id=request.user.pk).first()
    context.update(
        form=form,
        mine=mine,
        now=timezone.now(),
        is_open=exchange is not None and exchange.is_open(timezone.now()),
        signup_count=exchange.signups.count() if exchange is not None else 0,
        limits=_limits(exchange) if exchange is not None else [],
    )
    return render(request, "challenges/exchange_detail.html", context)


def _limits(exchange: GiftExchange) -> list[tuple[str, tuple[int, int], tuple[int, int], int]]:
    rows = []
    for tag_type, label in actions.TYPE_LABELS.items():
        rows.append(
            (
                label,
                exchange.limit("request", tag_type),
                exchange.limit("offer", tag_type),
                int(exchange.match_counts.get(tag_type, 0)),
            )
        )
    return rows


@login_required
def signup_form(request: HttpRequest, name: str) -> HttpResponse:
    collection = _collection(name)
    context = _context(request, collection, "exchange")
    exchange: GiftExchange | None = context["exchange"]
    if exchange is None:
        raise Http404("This collection has no gift exchange.")
    user = _user(request)
    pseuds = list(Pseud.objects.filter(user=user))
    signup = ExchangeSignUp.objects.filter(exchange=exchange, user=user).first()
    initial = SignUpForm.initial_for(signup) if signup else {}
    form = SignUpForm(
        request.POST if request.method == "POST" else None,
        exchange=exchange,
        pseuds=pseuds,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_signup(
                user,
                exchange,
                form.cleaned_data["pseud"],
                form.prompts("request"),
                form.prompts("offer"),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Your sign-up was saved.")
            return redirect(f"/collections/{collection.name}/exchange/")
    context.update(
        form=form,
        signup=signup,
        is_open=exchange.is_open(timezone.now()),
    )
    return render(request, "challenges/exchange_signup.html", context)


@login_required
def delete_signup(request: HttpRequest, name: str) -> HttpResponse:
    collection = _collection(name)
    exchange = _exchange(collection)
    if exchange is None:
        raise Http404("This collection has no gift exchange.")
    if request.method == "POST":
        try:
            actions.delete_signup(_user(request), exchange)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Your sign-up was deleted.")
    return redirect(f"/collections/{collection.name}/exchange/")


def _prompts_prefetch() -> Prefetch[Any]:
    return Prefetch(
        "prompts",
        queryset=ExchangePrompt.objects.prefetch_related("tags").order_by("kind", "position"),
    )


@login_required
def signup_list(request: HttpRequest, name: str) -> HttpResponse:
    context = _moderated(request, name, "exchange")
    exchange: GiftExchange = context["exchange"]
    signups = list(
        ExchangeSignUp.objects.filter(exchange=exchange)
        .select_related("pseud", "user")
        .prefetch_related(_prompts_prefetch())
        .order_by("pseud__name", "pk")[:MAX_LISTED]
    )
    context.update(signups=signups, total=exchange.signups.count())
    return render(request, "challenges/exchange_signups.html", context)


def _matching_post(request: HttpRequest, exchange: GiftExchange) -> PinchHitForm | None:
    """Carry out one moderator's verb; return the pinch-hit form when it has errors."""
    user = _user(request)
    verb = request.POST.get("verb", "")
    number = parse_whole_number(request.POST.get("id", ""))
    other = parse_whole_number(request.POST.get("other", ""))
    try:
        if verb == "run":
            actions.start_matching(user, exchange)
            messages.success(request, "The matching is queued: this page shows its progress.")
        elif verb == "swap" and number is not None and other is not None:
            actions.swap_givers(user, exchange, number, other)
            messages.success(request, "The two givers were swapped.")
        elif verb == "swap":
            raise ValidationError("Choose two assignments whose givers to swap.")
        elif verb == "remove" and number is not None:
            actions.remove_participant(user, exchange, number)
            messages.success(request, "The participant was taken out of the matching.")
        elif verb == "restore" and number is not None:
            actions.restore_participant(user, exchange, number)
            messages.success(request, "The participant is back in the matching: run it again.")
        elif verb == "send":
            sent = actions.send_assignments(user, exchange)
            messages.success(request, f"{sent} assignments were sent.")
        elif verb == "pinch":
            form = PinchHitForm(request.POST)
            if not form.is_valid():
                return form
            try:
                actions.assign_pinch_hitter(
                    user, exchange, form.cleaned_data["assignment"], form.cleaned_data["pseud"]
                )
            except ValidationError as error:
                add_errors(form, error, "pseud")
                return form
            messages.success(request, "The pinch hitter was assigned and told.")
        else:
            raise ValidationError("Unknown request: use the page's buttons.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return None


@login_required
def matching_page(request: HttpRequest, name: str) -> HttpResponse:
    context = _moderated(request, name, "exchange")
    exchange: GiftExchange = context["exchange"]
    pinch_form = None
    if request.method == "POST":
        pinch_form = _matching_post(request, exchange)
        if pinch_form is None:
            return redirect(f"/collections/{exchange.collection.name}/exchange/matching/")
    run = MatchingRun.objects.filter(exchange=exchange).order_by("-pk").first()
    assignments = list(
        Assignment.objects.filter(exchange=exchange)
        .select_related(
            "giver__pseud__user", "recipient__pseud__user", "pinch_hitter__user", "work"
        )
        .order_by("recipient__pseud__name", "pk")[:MAX_LISTED]
    )
    counts = exchange.signups.aggregate(
        total=Count("pk"), excluded=Count("pk", filter=Q(excluded=True))
    )
    context.update(
        run=run,
        refresh=run is not None and run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
        refresh_seconds=REFRESH_SECONDS,
        assignments=assignments,
        excluded=list(exchange.signups.filter(excluded=True).select_related("pseud")),
        counts=counts,
        sent=exchange.assignments_sent_at is not None,
        pinch_form=pinch_form,
    )
    return render(request, "challenges/exchange_matching.html", context)


@login_required
def my_assignments(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "challenges/assignments.html",
        {"assignments": actions.assignments_of(_user(request))},
    )


@login_required
def assignment_detail(request: HttpRequest, assignment_id: int) -> HttpResponse:
    user = _user(request)
    try:
        assignment = actions._mine(user, assignment_id)
    except PermissionDenied:
        raise Http404("No such assignment among yours.") from None
    if request.method == "POST":
        verb = request.POST.get("verb", "")
        try:
            if verb == "fulfil":
                work_id = parse_whole_number(request.POST.get("work", ""))
                work = (
                    Work.objects.filter(pk=work_id, creatorships__pseud__user=user).first()
                    if work_id is not None
                    else None
                )
                if work is None:
                    raise ValidationError("Choose one of your posted works.")
                actions.fulfil_assignment(user, assignment.pk, work)
                messages.success(
                    request, f"“{work.title}” fulfils your assignment and is a gift now."
                )
                return redirect(f"/assignments/{assignment.pk}/")
            if verb == "default":
                actions.default_assignment(user, assignment.pk)
                messages.success(
                    request, "You dropped out of this assignment; the moderators were told."
                )
                return redirect("/assignments/")
            raise ValidationError("Unknown request: use the page's buttons.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(f"/assignments/{assignment.pk}/")
    requests = list(
        ExchangePrompt.objects.filter(signup=assignment.recipient, kind=PromptKind.REQUEST)
        .prefetch_related("tags")
        .order_by("position")
    )
    works = list(
        Work.objects.filter(creatorships__pseud__user=user)
        .exclude(status="draft")
        .order_by("-pk")
        .distinct()[:200]
    )
    # A work already given to the recipient (posted from the prefilled form) comes first.
    given = set(
        Gift.objects.filter(
            work__in=[w.pk for w in works], pseud_id=assignment.recipient.pseud_id
        ).values_list("work_id", flat=True)
    )
    works.sort(key=lambda w: w.pk not in given)
    recipient_name = pseud_form_name(assignment.recipient.pseud)
    new_work_url = "/works/new/?" + urlencode(
        {"collections": assignment.exchange.collection.name, "gifts": recipient_name}
    )
    return render(
        request,
        "challenges/assignment_detail.html",
        {
            "assignment": assignment,
            "requests": requests,
            "works": works,
            "new_work_url": new_work_url,
        },
    )
