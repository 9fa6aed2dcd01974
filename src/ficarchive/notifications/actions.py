"""Writes of the notifications app: create a notification (the contract other apps call),
mark read, delete, change email choices. Each runs in one transaction."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from ficarchive.core.outbox import enqueue_with_transaction
from ficarchive.notifications.models import (
    KEY_MAX,
    KIND_MAX,
    MESSAGE_MAX,
    URL_MAX,
    Notification,
    NotificationQuerySet,
    NotificationSettings,
)

if TYPE_CHECKING:
    from ficarchive.accounts.models import User

# A site-relative path: one leading slash (not "//host", not "/\host"), no whitespace or
# control characters, nothing a browser would read as another site.
_SITE_PATH = re.compile(r"/(?![/\\])[^\s\x00-\x1f\x7f\\]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def is_site_path(url: str) -> bool:
    """Return whether url is a path on this site ("/works/3/"), not an address elsewhere."""
    return len(url) <= URL_MAX and _SITE_PATH.fullmatch(url) is not None


def clean_message(message: str) -> str:
    """Return the message as stored: control characters removed, at most MESSAGE_MAX
    characters (an ellipsis marks a cut)."""
    text = _CONTROL.sub("", message).strip()
    if len(text) > MESSAGE_MAX:
        text = text[: MESSAGE_MAX - 1] + "…"
    return text


def notify(
    recipient: User, *, kind: str, message: str, url: str, key: str, sender: User | None = None
) -> bool:
    """Create one in-site notification for recipient, and queue an email (after commit) when
    they opted in to email for this kind. `key` is unique per recipient: a second call with
    the same key creates nothing. `sender` is the account whose act it tells of: nothing is
    created when the recipient blocked it. Runs inside the caller's transaction (a savepoint
    of its own). Returns True if a notification was created. Raises ValueError for a url that
    is not a path on this site, or an empty or overlong kind or key (a caller's mistake)."""
    if sender is not None and _blocked(recipient, sender):
        return False
    wants = NotificationSettings.objects.filter(user_id=recipient.pk).first()
    return create_notification(
        recipient.pk,
        kind=kind,
        message=message,
        url=url,
        key=key,
        email=wants is not None and wants.wants_email(kind),
    )


def _blocked(recipient: User, sender: User) -> bool:
    try:
        from ficarchive.blocking.models import Block
    except ImportError:  # pragma: no cover (blocking is an optional app)
        return False
    return Block._default_manager.filter(blocker_id=recipient.pk, blocked_id=sender.pk).exists()


def create_notification(
    recipient_id: int, *, kind: str, message: str, url: str, key: str, email: bool
) -> bool:
    """notify() with the email choice already known (the fan-out reads every subscriber's
    settings in one query). Returns True if a notification was created."""
    if not is_site_path(url):
        raise ValueError(f"Notification url must be a path on this site, not {url[:80]!r}.")
    if not 0 < len(kind) <= KIND_MAX or not 0 < len(key) <= KEY_MAX:
        raise ValueError("Notification kind and key must be 1 to 40 and 1 to 200 characters.")
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient_id=recipient_id,
                kind=kind,
                message=clean_message(message),
                url=url,
                key=key,
                email_wanted=email,
            )
    except IntegrityError:
        return False
    if email:
        queue_email(notification.pk)
    return True


def queue_email(notification_id: int) -> None:
    """Enqueue the email of one notification in the current transaction (an outbox: the
    notification and its email are saved together or not at all)."""
    from ficarchive.notifications.tasks import send_notification_email

    enqueue_with_transaction(send_notification_email, notification_id)


def _mine(user: User, ids: list[int] | None) -> NotificationQuerySet:
    notifications = Notification.objects.filter(recipient=user)
    return notifications if ids is None else notifications.filter(pk__in=ids)


@transaction.atomic
def mark_read(user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read: those with the given ids, or all of them when ids
    is None. Returns how many changed."""
    return _mine(user, ids).unread().update(read_at=timezone.now())


@transaction.atomic
def mark_unread(user: User, ids: list[int]) -> int:
    """Mark some of the user's notifications unread again. Returns how many changed."""
    return _mine(user, ids).filter(read_at__isnull=False).update(read_at=None)


@transaction.atomic
def delete_notifications(user: User, ids: list[int] | None = None) -> int:
    """Delete the user's notifications with the given ids (all when None). Returns how many."""
    deleted, _ = _mine(user, ids).delete()
    return deleted


@transaction.atomic
def save_settings(
    user: User, *, email_on_posted: bool, email_on_replies: bool, email_kudos_digest: bool = False
) -> None:
    """Store the user's email choices."""
    NotificationSettings.objects.update_or_create(
        user=user,
        defaults={
            "email_on_posted": email_on_posted,
            "email_on_replies": email_on_replies,
            "email_kudos_digest": email_kudos_digest,
        },
    )
