from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from ficarchive.notifications.models import Notification


def inbox(request: HttpRequest) -> dict[str, object]:
    """Return the number of unread notifications for the header's "Inbox" link: one cheap
    query (a partial index on unread rows), made only for logged-in users and only when a
    template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "inbox_unread": SimpleLazyObject(
            lambda: Notification.objects.filter(recipient_id=user.pk).unread().count()
        )
    }
