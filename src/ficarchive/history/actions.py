"""Writes on reading history: recording a visit, pausing, clearing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ficarchive.history.models import HistorySettings, Reading

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ficarchive.accounts.models import User
    from ficarchive.works.models import Chapter, Work


def is_paused(user: User) -> bool:
    """Return whether the user has paused their history."""
    return HistorySettings.objects.filter(user=user, paused=True).exists()


def record_reading(request: HttpRequest, work: Work, chapter: Chapter | None) -> None:
    """Record that the logged-in reader opened `work` (at `chapter`, or the whole work when
    None: the last chapter read is then left as it was). Guests and paused histories record
    nothing. Two queries on a repeat visit, three on the first; a concurrent first visit
    (double request) turns into an update instead of failing."""
    user = request.user
    if not user.is_authenticated or request.method not in ("GET", "HEAD"):
        return
    if HistorySettings.objects.filter(user_id=user.pk, paused=True).exists():
        return
    now = timezone.now()
    changes: dict[str, object] = {"last_read_at": now, "visits": F("visits") + 1}
    if chapter is not None:
        changes["last_chapter_id"] = chapter.pk
    readings = Reading.objects.filter(user_id=user.pk, work_id=work.pk)
    if readings.update(**changes):
        return
    try:
        with transaction.atomic():
            Reading.objects.create(
                user_id=user.pk,
                work_id=work.pk,
                last_chapter_id=chapter.pk if chapter is not None else None,
                last_read_at=now,
            )
    except IntegrityError:
        # Another request for the same reader and work inserted first.
        readings.update(**changes)


def set_paused(user: User, paused: bool) -> None:
    """Pause or resume recording the user's history."""
    with transaction.atomic():
        HistorySettings.objects.update_or_create(user=user, defaults={"paused": paused})


def clear_history(user: User) -> int:
    """Delete the user's whole history; return how many works it held."""
    with transaction.atomic():
        deleted, _ = Reading.objects.filter(user=user).delete()
    return deleted


def forget_work(user: User, work_id: int) -> bool:
    """Remove one work from the user's history; return whether it was there."""
    with transaction.atomic():
        deleted, _ = Reading.objects.filter(user=user, work_id=work_id).delete()
    return deleted > 0
