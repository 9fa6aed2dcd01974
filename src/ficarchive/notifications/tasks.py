"""Background tasks of the notifications app (run by `ficarchive worker`).

Email is sent **at most once**: the task claims the notification with one UPDATE ... WHERE
email_sent_at IS NULL, commits, and only then sends. Two runs of the task (a worker that
crashed and was restarted, or a duplicate enqueue) cannot both claim it. The price: a worker
killed between the claim and the SMTP handshake loses that one email (the notification is
still in the inbox). We chose that over at-least-once because a reader flooded with the same
email for every crash is worse than a missed email whose content is in the inbox anyway.
An email that fails with an error (SMTP down) is unclaimed again, so a later run may send it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ficarchive.notifications.models import Notification
from ficarchive.site import conf as site_conf

logger = logging.getLogger(__name__)


def _claim(notification_id: int) -> bool:
    with transaction.atomic():
        claimed = Notification.objects.filter(
            pk=notification_id, email_wanted=True, email_sent_at__isnull=True
        ).update(email_sent_at=timezone.now())
    return claimed == 1


@task()
def send_notification_email(notification_id: int) -> bool:
    """Send the email of one notification unless it was sent (or claimed) already. Returns
    True if this run sent it."""
    if not _claim(notification_id):
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    recipient = notification.recipient
    if not recipient.email or not recipient.is_active:
        return False
    site_url = getattr(settings, "SITE_URL", "").rstrip("/")
    link = f"{site_url}{notification.url}"
    first_line = notification.message.splitlines()[0] if notification.message else ""
    body = (
        f"{notification.message}\n\n{link}\n\n"
        f"You get this email because you asked for it in your notification settings "
        f"({site_url}/inbox/settings/).\n"
    )
    try:
        send_mail(
            f"[{site_conf.current().name}] {first_line[:120]}",
            body,
            None,
            [recipient.email],
        )
    except Exception:
        # Not sent: release the claim so a later run can try again, and fail the task.
        Notification.objects.filter(pk=notification_id).update(email_sent_at=None)
        raise
    logger.info("Sent notification email %s to user %s", notification_id, recipient.pk)
    return True
