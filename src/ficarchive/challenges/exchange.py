"""Writes on gift exchanges: settings, sign-ups, matching runs, assignments. Each function
runs in one transaction (imported into ``actions`` for the views, the CLI and the tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ficarchive.accounts.models import Pseud, User
from ficarchive.challenges.models import (
    EXCHANGE_TYPES,
    MAX_PROMPTS,
    MAX_TAGS_PER_PROMPT,
    PROMPT_DESCRIPTION_MAX,
    PROMPT_URL_MAX,
    Assignment,
    ExchangePrompt,
    ExchangeSignUp,
    GiftExchange,
    MatchingRun,
    PromptKind,
    RunStatus,
    TagSet,
)
from ficarchive.collections.models import Collection, CollectionMember
from ficarchive.collections.queries import is_moderator
from ficarchive.core.outbox import enqueue_with_transaction
from ficarchive.moderation.sanctions import check_active
from ficarchive.notifications.actions import notify
from ficarchive.tags.actions import clean_tag_name, find_or_create_tags
from ficarchive.works.models import Creatorship, Rating, Work

KIND_SENT = "exchange-assignment"
KIND_DEFAULT = "exchange-default"
KIND_PINCH = "exchange-pinch-hit"
TYPE_LABELS = {
    "fandom": "fandom",
    "character": "character",
    "relationship": "relationship",
    "rating": "rating",
    "freeform": "additional",
}


def _check_moderator(user: User, collection: Collection) -> None:
    if not is_moderator(user, collection):
        raise PermissionDenied("Only the collection's owners and moderators can do that.")


# --- settings -------------------------------------------------------------------------------


@dataclass
class ExchangeInput:
    signup_open_at: datetime | None
    signup_close_at: datetime | None
    assignments_due_at: datetime | None = None
    requests_required: int = 1
    requests_allowed: int = 1
    offers_required: int = 1
    offers_allowed: int = 1
    # {"request"|"offer": {tag type: (min, max)}}
    limits: Mapping[str, Mapping[str, tuple[int, int]]] = field(default_factory=dict)
    url_enabled: bool = False
    description_enabled: bool = True
    tag_set_id: int | None = None
    match_counts: Mapping[str, int] = field(default_factory=lambda: {"fandom": 1})
    prompts_required: int = 1


def _check_settings(data: ExchangeInput) -> None:
    if data.signup_open_at is None or data.signup_close_at is None:
        raise ValidationError("Give both the sign-up opening and closing times.")
    if data.signup_close_at <= data.signup_open_at:
        raise ValidationError(
            "Sign-ups must close after they open: the closing time is before (or at) the "
            "opening time. Swap or correct them."
        )
    if data.assignments_due_at is not None and data.assignments_due_at <= data.signup_close_at:
        raise ValidationError(
            "Assignments must be due after sign-ups close: move the due date later."
        )
    for kind, required, allowed in (
        ("requests", data.requests_required, data.requests_allowed),
        ("offers", data.offers_required, data.offers_allowed),
    ):
        if not 1 <= allowed <= MAX_PROMPTS:
            raise ValidationError(f"The number of {kind} allowed must be from 1 to {MAX_PROMPTS}.")
        if not 1 <= required <= allowed:
            raise ValidationError(
                f"The number of {kind} required must be at least 1 and no more than the "
                f"number allowed ({allowed})."
            )
    for kind in ("request", "offer"):
        for tag_type, (low, high) in (data.limits.get(kind) or {}).items():
            if tag_type not in EXCHANGE_TYPES:
                raise ValidationError(f"Gift exchanges have no {tag_type} tags.")
            if not 0 <= low <= MAX_TAGS_PER_PROMPT or not 0 <= high <= MAX_TAGS_PER_PROMPT:
                raise ValidationError(
                    f"Tag limits must be from 0 to {MAX_TAGS_PER_PROMPT} "
                    f"({TYPE_LABELS[tag_type]} tags of a {kind})."
                )
            if low > high:
                raise ValidationError(
                    f"The minimum of {TYPE_LABELS[tag_type]} tags in a {kind} ({low}) is more "
                    f"than its maximum ({high}): raise the maximum or lower the minimum."
                )
    for tag_type, count in data.match_counts.items():
        if tag_type not in EXCHANGE_TYPES:
            raise ValidationError(f"Gift exchanges have no {tag_type} tags to match.")
        if not -1 <= count <= MAX_TAGS_PER_PROMPT:
            raise ValidationError(
                f"The {TYPE_LABELS[tag_type]} tags to match must be from 0 to "
                f"{MAX_TAGS_PER_PROMPT}, or all."
            )
    if not (data.prompts_required == -1 or 1 <= data.prompts_required <= MAX_PROMPTS):
        raise ValidationError(f"Prompts to match must be from 1 to {MAX_PROMPTS}, or all.")


def save_exchange(user: User, collection: Collection, data: ExchangeInput) -> GiftExchange:
    """Create or change the collection's gift exchange. Raises ValidationError (nothing
    saved) for settings that cannot work, PermissionDenied for a non-moderator."""
    check_active(user)
    _check_moderator(user, collection)
    _check_settings(data)
    tag_set = None
    if data.tag_set_id is not None:
        tag_set = TagSet.objects.filter(pk=data.tag_set_id).first()
        if tag_set is None:
            raise ValidationError("No tag set has that number: pick one from /tag_sets/.")
    with transaction.atomic():
        exchange = GiftExchange.objects.select_for_update().filter(
            collection=collection
        ).first() or GiftExchange(collection=collection)
        exchange.signup_open_at = data.signup_open_at
        exchange.signup_close_at = data.signup_close_at
        exchange.assignments_due_at = data.assignments_due_at
        exchange.requests_required = data.requests_required
        exchange.requests_allowed = data.requests_allowed
        exchange.offers_required = data.offers_required
        exchange.offers_allowed = data.offers_allowed
        exchange.limits = {
            kind: {t: [int(lo), int(hi)] for t, (lo, hi) in (data.limits.get(kind) or {}).items()}
            for kind in ("request", "offer")
        }
        exchange.url_enabled = data.url_enabled
        exchange.description_enabled = data.description_enabled
        exchange.tag_set = tag_set
        exchange.match_counts = {t: int(c) for t, c in data.match_counts.items() if c != 0}
        exchange.prompts_required = data.prompts_required
        try:
            with transaction.atomic():
                exchange.save()
        except IntegrityError:  # made by another moderator at the same moment
            raise ValidationError(
                "Another moderator saved this exchange at the same time: reload and try again."
            ) from None
    return exchange


# --- sign-ups -------------------------------------------------------------------------------


@dataclass
class PromptInput:
    tags: Mapping[str, Sequence[str]] = field(default_factory=dict)  # not ratings
    ratings: Sequence[str] = ()
    url: str = ""
    description: str = ""

    def is_blank(self) -> bool:
        return (
            not any(n.strip() for names in self.tags.values() for n in names)
            and not self.ratings
            and not self.url.strip()
            and not self.description.strip()
        )


def _check_open(exchange: GiftExchange) -> None:
    now = timezone.now()
    if exchange.signup_open_at is None or now < exchange.signup_open_at:
        raise ValidationError("Sign-ups for this exchange are not open yet.")
    if exchange.signup_close_at is None or now >= exchange.signup_close_at:
        raise ValidationError("Sign-ups for this exchange are closed: they can't be changed.")


def _clean_prompts(
    exchange: GiftExchange, kind: str, prompts: Sequence[PromptInput]
) -> list[tuple[PromptInput, dict[str, list[str]]]]:
    """Return the filled prompts with their cleaned tag names, or raise ValidationError
    naming the prompt and what is wrong."""
    filled = [p for p in prompts if not p.is_blank()]
    plural = f"{kind}s"
    required = exchange.requests_required if kind == "request" else exchange.offers_required
    allowed = exchange.requests_allowed if kind == "request" else exchange.offers_allowed
    if len(filled) < required:
        raise ValidationError(
            f"This exchange needs at least {required} {plural}; you gave {len(filled)}. "
            f"Fill in more."
        )
    if len(filled) > allowed:
        raise ValidationError(
            f"This exchange allows at most {allowed} {plural}; you gave {len(filled)}."
        )
    in_set: set[str] | None = None
    if exchange.tag_set_id is not None:
        in_set = {
            name.lower()
            for name in exchange.tag_set.tags.values_list("name", flat=True)  # type: ignore[union-attr]
        }
    cleaned: list[tuple[PromptInput, dict[str, list[str]]]] = []
    for number, prompt in enumerate(filled, start=1):
        where = f"{kind.capitalize()} {number}"
        names: dict[str, list[str]] = {}
        for tag_type in EXCHANGE_TYPES:
            if tag_type == "rating":
                bad = [r for r in prompt.ratings if r not in Rating.values]
                if bad:
                    raise ValidationError(f"{where}: “{bad[0][:40]}” is not a rating.")
                values = list(dict.fromkeys(prompt.ratings))
            else:
                values = []
                seen: set[str] = set()
                for raw in prompt.tags.get(tag_type, ()):
                    try:
                        name = clean_tag_name(raw)
                    except ValidationError as error:
                        raise ValidationError(f"{where}: {error.messages[0]}") from None
                    if name and name.lower() not in seen:
                        seen.add(name.lower())
                        values.append(name)
                if in_set is not None:
                    outside = [n for n in values if n.lower() not in in_set]
                    if outside:
                        raise ValidationError(
                            f"{where}: “{outside[0]}” is not in this exchange's tag set; "
                            "choose tags from the set."
                        )
            low, high = exchange.limit(kind, tag_type)
            label = TYPE_LABELS[tag_type]
            if len(values) < low:
                raise ValidationError(
                    f"{where}: name at least {low} {label} tag(s); you named {len(values)}."
                )
            if len(values) > high:
                raise ValidationError(
                    f"{where}: name at most {high} {label} tag(s); you named {len(values)}."
                    if high
                    else f"{where}: this exchange asks for no {label} tags; remove them."
                )
            names[tag_type] = values
        url = prompt.url.strip()
        if url and not exchange.url_enabled:
            raise ValidationError(f"{where}: this exchange takes no prompt URLs; remove it.")
        if url and (
            len(url) > PROMPT_URL_MAX or not url.lower().startswith(("http://", "https://"))
        ):
            raise ValidationError(
                f"{where}: the URL must start with http:// or https:// and be at most "
                f"{PROMPT_URL_MAX} characters."
            )
        description = prompt.description.replace("\x00", "").strip()
        if description and not exchange.description_enabled:
            raise ValidationError(f"{where}: this exchange takes no descriptions; remove it.")
        if len(description) > PROMPT_DESCRIPTION_MAX:
            raise ValidationError(
                f"{where}: the description is longer than {PROMPT_DESCRIPTION_MAX:,} "
                "characters: shorten it."
            )
        cleaned.append((PromptInput(names, names["rating"], url, description), names))
    return cleaned


def save_signup(
    user: User,
    exchange: GiftExchange,
    pseud: Pseud,
    requests: Sequence[PromptInput],
    offers: Sequence[PromptInput],
) -> ExchangeSignUp:
    """Create or replace the user's sign-up (one per member and exchange) while sign-ups are
    open. Raises ValidationError, nothing saved, for anything the exchange does not allow."""
    check_active(user)
    if pseud.user_id != user.pk:
        raise PermissionDenied("Sign up under one of your own pseuds.")
    _check_open(exchange)
    cleaned = [
        (PromptKind.REQUEST, _clean_prompts(exchange, "request", requests)),
        (PromptKind.OFFER, _clean_prompts(exchange, "offer", offers)),
    ]
    with transaction.atomic():
        signup = (
            ExchangeSignUp.objects.select_for_update().filter(exchange=exchange, user=user).first()
        )
        if signup is None:
            try:
                with transaction.atomic():
                    signup = ExchangeSignUp.objects.create(
                        exchange=exchange, user=user, pseud=pseud
                    )
            except IntegrityError:  # a double submit: the other request made it
                signup = ExchangeSignUp.objects.select_for_update().get(
                    exchange=exchange, user=user
                )
        signup.pseud = pseud
        signup.save(update_fields=["pseud", "updated_at"])
        signup.prompts.all().delete()
        for kind, prompts in cleaned:
            for position, (prompt, names) in enumerate(prompts, start=1):
                row = ExchangePrompt.objects.create(
                    signup=signup,
                    kind=kind,
                    position=position,
                    ratings=list(prompt.ratings),
                    url=prompt.url,
                    description=prompt.description,
                )
                tags = []
                for tag_type in EXCHANGE_TYPES:
                    if tag_type != "rating" and names[tag_type]:
                        tags.extend(find_or_create_tags(tag_type, names[tag_type]))
                row.tags.set(tags)
    return signup


def delete_signup(user: User, exchange: GiftExchange) -> None:
    check_active(user)
    _check_open(exchange)
    if exchange.assignments_sent_at is not None:
        raise ValidationError(
            "Assignments were sent already: ask the moderators to take you out instead."
        )
    with transaction.atomic():
        deleted, _ = ExchangeSignUp.objects.filter(exchange=exchange, user=user).delete()
    if not deleted:
        raise ValidationError("You have no sign-up in this exchange.")


# --- matching -------------------------------------------------------------------------------


def _check_not_sent(exchange: GiftExchange) -> None:
    if exchange.assignments_sent_at is not None:
        raise ValidationError("Assignments were sent already: the matching can't change now.")


def start_matching(user: User, exchange: GiftExchange) -> MatchingRun:
    """Queue a matching run for the worker (in this transaction). Raises ValidationError
    when fewer than two people signed up, a run is under way, or assignments were sent."""
    check_active(user)
    _check_moderator(user, exchange.collection)
    with transaction.atomic():
        GiftExchange.objects.select_for_update().filter(pk=exchange.pk).first()
        exchange.refresh_from_db()
        _check_not_sent(exchange)
        if exchange.signup_close_at is None or timezone.now() < exchange.signup_close_at:
            raise ValidationError(
                "Sign-ups are still open: match once they close (or move the closing time "
                "in the exchange's settings)."
            )
        count = exchange.signups.filter(excluded=False).count()
        if count < 2:
            raise ValidationError(
                f"A gift exchange needs at least two sign-ups to match; it has {count}."
            )
        if exchange.runs.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists():
            raise ValidationError("A matching is under way already: wait for it to finish.")
        run = MatchingRun.objects.create(exchange=exchange, started_by=user)
        from ficarchive.challenges.tasks import run_matching

        enqueue_with_transaction(run_matching, run.pk)
    return run


def _proposed(exchange: GiftExchange, assignment_id: int) -> Assignment:
    assignment = Assignment.objects.filter(
        exchange=exchange, pk=assignment_id, sent_at__isnull=True
    ).first()
    if assignment is None:
        raise ValidationError("No proposed assignment has that number: reload the page.")
    return assignment


def swap_givers(user: User, exchange: GiftExchange, first_id: int, second_id: int) -> None:
    """Swap the givers of two proposed assignments."""
    check_active(user)
    _check_moderator(user, exchange.collection)
    _check_not_sent(exchange)
    if first_id == second_id:
        raise ValidationError("Choose two different assignments to swap their givers.")
    with transaction.atomic():
        first = _proposed(exchange, first_id)
        second = _proposed(exchange, second_id)
        if first.giver_id == second.recipient_id or second.giver_id == first.recipient_id:
            raise ValidationError("That swap would have someone write for themselves.")
        first.giver_id, second.giver_id = second.giver_id, first.giver_id
        first.score = second.score = 0  # no longer the matcher's pairing
        first.save(update_fields=["giver", "score"])
        second.save(update_fields=["giver", "score"])


def remove_participant(user: User, exchange: GiftExchange, signup_id: int) -> None:
    """Take a sign-up out of the matching: they neither give nor receive; the person they
    were to write for is left without a giver (for a re-run or a pinch hit)."""
    check_active(user)
    _check_moderator(user, exchange.collection)
    _check_not_sent(exchange)
    with transaction.atomic():
        signup = ExchangeSignUp.objects.filter(exchange=exchange, pk=signup_id).first()
        if signup is None:
            raise ValidationError("No sign-up has that number: reload the page.")
        signup.excluded = True
        signup.save(update_fields=["excluded", "updated_at"])
        Assignment.objects.filter(exchange=exchange, recipient=signup).delete()
        Assignment.objects.filter(exchange=exchange, giver=signup).update(giver=None, score=0)


def restore_participant(user: User, exchange: GiftExchange, signup_id: int) -> None:
    check_active(user)
    _check_moderator(user, exchange.collection)
    _check_not_sent(exchange)
    with transaction.atomic():
        ExchangeSignUp.objects.filter(exchange=exchange, pk=signup_id).update(excluded=False)


def _giver_pseud(assignment: Assignment) -> Pseud | None:
    if assignment.pinch_hitter is not None:
        return assignment.pinch_hitter
    if assignment.giver is not None and assignment.defaulted_at is None:
        return assignment.giver.pseud
    return None


def _due(exchange: GiftExchange) -> str:
    if exchange.assignments_due_at is None:
        return ""
    return f" It is due {timezone.localtime(exchange.assignments_due_at):%d %B %Y, %H:%M %Z}."


def _assignment_message(exchange: GiftExchange) -> str:
    return (
        f"You have an assignment in the gift exchange “{exchange.collection.title}”."
        f"{_due(exchange)}"
    )


def send_assignments(user: User, exchange: GiftExchange) -> int:
    """Send the proposed assignments: each giver is told, once. Returns how many were sent."""
    check_active(user)
    _check_moderator(user, exchange.collection)
    with transaction.atomic():
        GiftExchange.objects.select_for_update().filter(pk=exchange.pk).first()
        exchange.refresh_from_db()
        _check_not_sent(exchange)
        proposed = list(
            Assignment.objects.filter(exchange=exchange, sent_at__isnull=True).select_related(
                "giver__pseud__user"
            )
        )
        if not proposed:
            raise ValidationError("There are no assignments to send: run the matching first.")
        now = timezone.now()
        exchange.assignments_sent_at = now
        exchange.save(update_fields=["assignments_sent_at", "updated_at"])
        Assignment.objects.filter(pk__in=[a.pk for a in proposed]).update(sent_at=now)
        message = _assignment_message(exchange)
        for assignment in proposed:
            if assignment.giver is not None:
                notify(
                    assignment.giver.pseud.user,
                    kind=KIND_SENT,
                    message=message,
                    url=f"/assignments/{assignment.pk}/",
                    key=f"{KIND_SENT}:{assignment.pk}:{assignment.giver.user_id}",
                )
    return len(proposed)


# --- after sending --------------------------------------------------------------------------


def assignments_of(user: User) -> list[Assignment]:
    """Return the sent assignments the user is to write now (theirs, or pinch hits)."""
    mine = Q(pinch_hitter__user=user) | Q(
        giver__user=user, pinch_hitter__isnull=True, defaulted_at__isnull=True
    )
    return list(
        Assignment.objects.filter(mine, sent_at__isnull=False)
        .select_related("exchange__collection", "recipient__pseud__user", "work")
        .order_by("-sent_at", "pk")
    )


def current_giver_user_id(assignment: Assignment) -> int | None:
    pseud = _giver_pseud(assignment)
    return pseud.user_id if pseud is not None else None


def _mine(user: User, assignment_id: int) -> Assignment:
    assignment = (
        Assignment.objects.select_related(
            "exchange__collection", "giver__pseud", "pinch_hitter", "recipient__pseud__user"
        )
        .filter(pk=assignment_id, sent_at__isnull=False)
        .first()
    )
    if assignment is None or current_giver_user_id(assignment) != user.pk:
        raise PermissionDenied("That is not one of your assignments.")
    return assignment


def fulfil_assignment(user: User, assignment_id: int, work: Work) -> Assignment:
    """Post one of the user's works for their assignment: it joins the exchange's
    collection, becomes a gift to the recipient, and the assignment is fulfilled."""
    from ficarchive.collections.actions import add_work
    from ficarchive.gifts.actions import set_gifts
    from ficarchive.gifts.models import Gift, pseud_form_name

    check_active(user)
    with transaction.atomic():
        assignment = _mine(user, assignment_id)
        if assignment.fulfilled_at is not None:
            raise ValidationError("This assignment is fulfilled already.")
        if not Creatorship.objects.filter(work=work, pseud__user=user).exists():
            raise PermissionDenied("Choose one of your own works.")
        if work.is_draft:
            raise ValidationError("Post the work first: a draft can't fulfil an assignment.")
        add_work(user, assignment.exchange.collection, work)
        names = [g.form_name for g in Gift.objects.accepted().for_work(work)]
        recipient = pseud_form_name(assignment.recipient.pseud)
        if recipient.lower() not in {n.lower() for n in names}:
            set_gifts(user, work, [*names, recipient])
        assignment.fulfilled_at = timezone.now()
        assignment.work = work
        assignment.save(update_fields=["fulfilled_at", "work"])
    return assignment


def _moderators(collection: Collection) -> list[User]:
    return [
        m.user
        for m in CollectionMember.objects.filter(collection=collection).select_related("user")
    ]


def default_assignment(user: User, assignment_id: int) -> Assignment:
    """The giver drops out: the assignment waits for a pinch hitter; moderators are told."""
    check_active(user)
    with transaction.atomic():
        assignment = _mine(user, assignment_id)
        if assignment.fulfilled_at is not None:
            raise ValidationError("This assignment is fulfilled: there is nothing to drop.")
        now = timezone.now()
        Assignment.objects.filter(pk=assignment.pk).update(defaulted_at=now, pinch_hitter=None)
        assignment.refresh_from_db()
        collection = assignment.exchange.collection
        for moderator in _moderators(collection):
            notify(
                moderator,
                kind=KIND_DEFAULT,
                message=(
                    f"A giver dropped out of an assignment in “{collection.title}”: "
                    "it needs a pinch hitter."
                ),
                url=f"/collections/{collection.name}/exchange/matching/",
                key=f"{KIND_DEFAULT}:{assignment.pk}:{user.pk}:{moderator.pk}",
            )
    return assignment


def assign_pinch_hitter(
    user: User, exchange: GiftExchange, assignment_id: int, pseud_name: str
) -> Assignment:
    """Give an open (defaulted or giverless) sent assignment to a volunteer, who is told."""
    from ficarchive.gifts.actions import find_pseud

    check_active(user)
    _check_moderator(user, exchange.collection)
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update()
            .select_related("recipient")
            .filter(exchange=exchange, pk=assignment_id, sent_at__isnull=False)
            .first()
        )
        if assignment is None:
            raise ValidationError("No sent assignment has that number: reload the page.")
        if not assignment.is_open:
            raise ValidationError("That assignment has a giver: only open ones take pinch hits.")
        pseud = find_pseud(pseud_name.strip()[:200]) if pseud_name.strip() else None
        if pseud is None:
            raise ValidationError(
                f"No member's pseud is called “{pseud_name.strip()[:60]}”: check the name."
            )
        if pseud.user_id == assignment.recipient.user_id:
            raise ValidationError("The pinch hitter can't be the assignment's recipient.")
        assignment.pinch_hitter = pseud
        assignment.save(update_fields=["pinch_hitter"])
        notify(
            pseud.user,
            kind=KIND_PINCH,
            message=(
                f"You are a pinch hitter in the gift exchange “{exchange.collection.title}”."
                f"{_due(exchange)}"
            ),
            url=f"/assignments/{assignment.pk}/",
            key=f"{KIND_PINCH}:{assignment.pk}:{pseud.user_id}",
        )
    return assignment
