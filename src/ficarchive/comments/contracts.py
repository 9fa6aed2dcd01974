"""The other apps' contracts that comments and kudos call: the spam check (moderation) and
notifications, in one place so the names used are easy to find."""

from __future__ import annotations

from ficarchive.accounts.models import User
from ficarchive.moderation.spam import needs_review
from ficarchive.notifications.actions import notify as send_notification


def spam_reason(*, user: User | None, text: str) -> str | None:
    """Return why a comment must be held for review, or None."""
    reason = needs_review(user=user, text=text)
    return str(reason) if reason else None


def notify(
    recipient: User, *, kind: str, message: str, url: str, key: str, sender: User | None
) -> bool:
    """Notify `recipient` of what `sender` did (nothing if the recipient blocked the sender),
    in the caller's transaction. Returns True if created."""
    return send_notification(recipient, kind=kind, message=message, url=url, key=key, sender=sender)
