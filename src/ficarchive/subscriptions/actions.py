"""Writes of the subscriptions app: subscribe, unsubscribe, and `on_posted`, which the
posting actions call when a work or chapter becomes visible to readers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from ficarchive.core.outbox import enqueue_with_transaction
from ficarchive.moderation.sanctions import check_active
from ficarchive.subscriptions.models import Subscription
from ficarchive.works.models import Creatorship, Status, Work

if TYPE_CHECKING:
    from ficarchive.accounts.models import User
    from ficarchive.series.models import Series
    from ficarchive.works.models import Chapter


def _blocked(owner_ids: list[int], user: User) -> bool:
    try:
        from ficarchive.blocking.queries import blocked_by
    except ImportError:  # pragma: no cover (blocking is an optional app)
        return False
    return blocked_by(owner_ids, user)


def _work_creator_ids(work: Work) -> list[int]:
    return list(
        Creatorship.objects.filter(work=work).values_list("pseud__user_id", flat=True).distinct()
    )


def _create(user: User, **target: object) -> Subscription:
    existing = Subscription.objects.filter(user=user, **target).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Subscription.objects.create(user=user, **target)
    except IntegrityError:
        # Subscribed at the same moment in another request: the constraint kept one row.
        return Subscription.objects.get(user=user, **target)


@transaction.atomic
def subscribe_to_work(user: User, work: Work) -> Subscription:
    """Subscribe the user to new chapters of a work they can read. Subscribing twice keeps
    one subscription. Returns it. Raises PermissionDenied for a work the user cannot read
    (or whose creator blocked them) and ValidationError for the user's own work."""
    check_active(user)
    if not Work.objects.visible_to(user).filter(pk=work.pk, status=Status.POSTED).exists():
        raise PermissionDenied("You can only subscribe to posted works you can read.")
    creators = _work_creator_ids(work)
    if user.pk in creators:
        raise ValidationError("This is your own work: you hear about it already.")
    if _blocked(creators, user):
        raise PermissionDenied("You cannot subscribe to this work.")
    return _create(user, work=work)


@transaction.atomic
def subscribe_to_series(user: User, series: Series) -> Subscription:
    """Subscribe the user to new works and chapters in a series. Returns the subscription.
    Raises ValidationError for the user's own series, PermissionDenied when its creator
    blocked the user."""
    check_active(user)
    if series.creator_id == user.pk:
        raise ValidationError("This is your own series: you hear about it already.")
    if _blocked([series.creator_id], user):
        raise PermissionDenied("You cannot subscribe to this series.")
    return _create(user, series=series)


@transaction.atomic
def subscribe_to_creator(user: User, creator: User) -> Subscription:
    """Subscribe the user to everything a creator posts. Returns the subscription. Raises
    ValidationError for oneself, PermissionDenied when the creator blocked the user."""
    check_active(user)
    if creator.pk == user.pk:
        raise ValidationError("You cannot subscribe to yourself.")
    if not creator.is_active:
        raise PermissionDenied("This account is closed.")
    if _blocked([creator.pk], user):
        raise PermissionDenied("You cannot subscribe to this user.")
    return _create(user, creator=creator)


@transaction.atomic
def unsubscribe(user: User, subscription_id: int) -> bool:
    """Remove one of the user's subscriptions. Returns False if they had none with that id."""
    deleted, _ = Subscription.objects.filter(user=user, pk=subscription_id).delete()
    return deleted > 0


def on_posted(work: Work, chapter: Chapter) -> None:
    """Tell subscribers that a chapter (or, for the first chapter, a whole work) was posted:
    enqueues the fan-out task in the caller's transaction (the task queue is a table of the
    same database: a transactional outbox), so the post and its fan-out are one fact. A
    rolled-back post notifies nobody; a queue that refuses the task rolls the post back, so a
    client never sees an error for a post that was in fact saved. Drafts, hidden works and
    works nobody subscribed to (through the work, a series or a creator) enqueue nothing."""
    if work.status != Status.POSTED or work.hidden or not chapter.posted:
        return
    from ficarchive.subscriptions.tasks import notify_subscribers, subscription_targets

    # One query here spares the queue a task per post on archives (or imports, or demo
    # data) where nobody follows this work, its series or its creators.
    creator_ids = _work_creator_ids(work)
    if not Subscription.objects.filter(subscription_targets(work, creator_ids)).exists():
        return

    enqueue_with_transaction(notify_subscribers, work.pk, chapter.pk)
