"""The fan-out task: one notification per subscriber for each posted chapter or work.

Exactly once: each notification's key is "posted:<work>:<chapter>", unique per recipient in
the database, so a task that runs again (a worker killed mid-batch and restarted, or the same
chapter enqueued twice) only creates what is missing. Subscribers are handled in batches of
BATCH_SIZE, one transaction each, so a crash loses at most the batch in flight, which the
next run redoes.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django_tasks import task

from ficarchive.accounts.models import User
from ficarchive.notifications.actions import create_notification, queue_email
from ficarchive.notifications.models import Kind, Notification, NotificationSettings
from ficarchive.series.models import SeriesWork
from ficarchive.subscriptions.models import Subscription
from ficarchive.works.models import Chapter, Creatorship, Status, Work

logger = logging.getLogger(__name__)

BATCH_SIZE = 50


def subscription_targets(work: Work, creator_ids: list[int]) -> Q:
    """Return the condition on Subscription for those that follow a work: the work itself,
    a series holding it, or one of its creators. The series are a subquery, not a join, so
    that each of the three is answered from its own index (a join over the OR makes SQLite
    read every subscription)."""
    in_series = SeriesWork.objects.filter(work=work).values("series_id")
    return Q(work=work) | Q(creator_id__in=creator_ids) | Q(series_id__in=in_series)


def subscriber_ids(work: Work, chapter: Chapter, creator_ids: list[int]) -> list[int]:
    """Return the ids of the users to notify about a chapter: those subscribed, when it was
    posted, to the work, to a series holding it, or to one of its creators; active accounts
    only; never the creators themselves, users a creator blocked, or users who blocked or
    muted a creator. Sorted. While the work is anonymous only the work's own subscribers
    hear of it (a creator's or a series' subscribers would learn who wrote it); the reveal
    queues the task again for the others."""
    if work.anonymous:
        subscriptions = Subscription.objects.filter(work=work)
    else:
        subscriptions = Subscription.objects.filter(subscription_targets(work, creator_ids))
    if chapter.published_at is not None:
        # A queue that ran late must not tell later subscribers of a "new" work.
        subscriptions = subscriptions.filter(created_at__lte=chapter.published_at)
    users = User.objects.filter(pk__in=subscriptions.values("user_id"), is_active=True).exclude(
        pk__in=creator_ids
    )
    try:
        from ficarchive.blocking.models import Block, Mute
    except ImportError:  # pragma: no cover (blocking is an optional app)
        pass
    else:
        blocks = Block._default_manager
        users = (
            users.exclude(pk__in=blocks.filter(blocker_id__in=creator_ids).values("blocked_id"))
            .exclude(pk__in=blocks.filter(blocked_id__in=creator_ids).values("blocker_id"))
            .exclude(
                pk__in=Mute._default_manager.filter(muted_id__in=creator_ids).values("muter_id")
            )
        )
    return list(users.order_by("pk").values_list("pk", flat=True))


def describe(work: Work, chapter: Chapter, is_new_work: bool) -> tuple[str, str]:
    """Return the notification's plain-text message and its site path."""
    names = "Anonymous" if work.anonymous else ", ".join(p.name for p in work.creator_pseuds())
    names = names or "Someone"
    if is_new_work:
        return f"{names} posted a new work: {work.title}", f"/works/{work.pk}/"
    return (
        f"New chapter of {work.title} by {names}: {chapter.display_title}",
        f"/works/{work.pk}/chapters/{chapter.position}/",
    )


@task()
def notify_subscribers(work_id: int, chapter_id: int) -> int:
    """Notify every subscriber of a posted chapter (of a new work, when it is the work's first
    posted chapter). Returns how many notifications this run created."""
    work = Work.objects.for_listing().filter(pk=work_id).first()
    chapter = Chapter.objects.filter(pk=chapter_id, work_id=work_id).first()
    if work is None or chapter is None:
        return 0  # deleted since
    # Checked when the task runs, not when it was queued: a work hidden or turned back
    # into a draft meanwhile notifies nobody.
    if work.status != Status.POSTED or work.hidden or not chapter.posted:
        return 0
    if work.unrevealed:
        return 0  # the collection's reveal queues this again (`collections.actions._reveal`)
    first = Chapter.objects.filter(work=work, posted=True).order_by("position").first()
    message, url = describe(work, chapter, first is not None and first.pk == chapter.pk)
    key = f"{Kind.POSTED}:{work.pk}:{chapter.pk}"
    creator_ids = list(
        Creatorship.objects.filter(work=work).values_list("pseud__user_id", flat=True).distinct()
    )
    # A run after a crash: emails of notifications made before it may not have been queued
    # (or were queued and lost with their task); queue them again. Sending claims each one,
    # so a duplicate task sends nothing.
    for pending in Notification.objects.filter(
        key=key, email_wanted=True, email_sent_at__isnull=True
    ).values_list("pk", flat=True):
        with transaction.atomic():
            queue_email(pending)

    ids = subscriber_ids(work, chapter, creator_ids)
    created = 0
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        with transaction.atomic():
            email = set(
                NotificationSettings.objects.filter(
                    user_id__in=batch, email_on_posted=True
                ).values_list("user_id", flat=True)
            )
            for user_id in batch:
                created += create_notification(
                    user_id,
                    kind=Kind.POSTED,
                    message=message,
                    url=url,
                    key=key,
                    email=user_id in email,
                )
    logger.info(
        "Work %s chapter %s: %s subscribers, %s new notifications",
        work.pk,
        chapter.pk,
        len(ids),
        created,
    )
    return created
