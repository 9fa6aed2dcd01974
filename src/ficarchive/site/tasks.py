"""Background tasks of the site app (run by `ficarchive worker`): invitation and confirmation
e-mail. An invitation's e-mail is claimed before it is sent (at most once, like notification
e-mail); a confirmation e-mail may be asked for again from /confirm-email/."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ficarchive.accounts.models import User
from ficarchive.site import conf
from ficarchive.site.models import Invitation, SiteSettings

logger = logging.getLogger(__name__)


def _site_url() -> str:
    return str(getattr(settings, "SITE_URL", "") or "").rstrip("/")


@task()
def send_invitation_email(invitation_id: int) -> bool:
    """E-mail an invitation to the address it was made for. Returns True if this run sent it."""
    with transaction.atomic():
        claimed = (
            Invitation.objects.filter(
                pk=invitation_id, email_sent_at__isnull=True, used_at__isnull=True
            )
            .exclude(email="")
            .update(email_sent_at=timezone.now())
        )
    if not claimed:
        return False
    invitation = Invitation.objects.get(pk=invitation_id)
    name = conf.current().name
    link = f"{_site_url()}/signup/?invitation={invitation.code}"
    expires = timezone.localtime(invitation.expires_at).strftime("%d %B %Y")
    body = (
        f"You asked for an invitation to {name}. Here it is: create your account at\n\n"
        f"{link}\n\nor type this invitation code on the sign-up page: {invitation.code}\n\n"
        f"The invitation works once, until {expires}.\n"
    )
    try:
        send_mail(f"[{name}] Your invitation", body, None, [invitation.email])
    except Exception:
        Invitation.objects.filter(pk=invitation_id).update(email_sent_at=None)
        raise
    logger.info("Sent invitation %s", invitation_id)
    return True


@task()
def send_confirmation_email(user_id: int) -> bool:
    """E-mail a user the link that confirms their address. Returns True if sent."""
    from ficarchive.site.actions import CONFIRM_DAYS, confirmation_token

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or user.email_confirmed_at is not None:
        return False
    name = conf.current().name
    link = f"{_site_url()}/confirm-email/{confirmation_token(user)}/"
    body = (
        f"Hello {user.username},\n\nconfirm your e-mail address on {name} by opening this "
        f"link:\n\n{link}\n\nThe link works for {CONFIRM_DAYS} days. If you did not sign up, "
        "ignore this e-mail.\n"
    )
    send_mail(f"[{name}] Confirm your e-mail address", body, None, [user.email])
    logger.info("Sent a confirmation link to user %s", user_id)
    return True


DAY = timedelta(days=1)


@task()
def send_daily_invitations(chain: str) -> int:
    """Send the day's invitations from the queue (the number staff set per day), then run
    again a day later. A chain stops when staff change the number (a new chain starts).
    Returns how many invitations this run sent."""
    from ficarchive.site.actions import MAX_SEND, send_invitations

    now = timezone.now()
    with transaction.atomic():
        row = SiteSettings.objects.select_for_update().filter(pk=1).first()
        if row is None or not chain or row.daily_chain != chain or not row.invitations_per_day:
            return 0
        due = row.daily_sent_at is None or row.daily_sent_at <= now - DAY + timedelta(minutes=5)
        sent = 0
        if due:
            count = min(row.invitations_per_day, MAX_SEND)
            sent = len(send_invitations(None, count, "daily, by the worker"))
            row.daily_sent_at = now
            row.save(update_fields=["daily_sent_at"])
        next_run = (row.daily_sent_at or now) + DAY
        send_daily_invitations.using(run_after=next_run).enqueue(chain)
    logger.info("Daily invitations: sent %d", sent)
    return sent
