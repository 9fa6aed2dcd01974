"""Whether an account may write: suspended and banned accounts may not post works, comments,
kudos or bookmarks.

Every action that writes on a member's behalf calls `check_active(user)` first, so no view,
API call or command can forget it; the 403 handler (`core.views.error_403`) shows the message
of an `AccountRestricted` that no view caught.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.formats import date_format

from ficarchive.moderation.models import Sanction, SanctionKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ficarchive.accounts.models import User


class AccountRestricted(PermissionDenied):
    """A banned or suspended account tried to write; str() is the message to show."""


def active_sanction(user: User | AnonymousUser | None) -> Sanction | None:
    """Return the ban or suspension in force for the user (a ban first, else the suspension
    that ends last), or None. Guests have none."""
    if user is None or not user.is_authenticated:
        return None
    sanctions = list(Sanction.objects.active().filter(user_id=user.pk))
    bans = [s for s in sanctions if s.kind == SanctionKind.BAN]
    if bans:
        return bans[0]
    return max(sanctions, key=lambda s: s.until or timezone.now(), default=None)


def sanction_message(sanction: Sanction) -> str:
    """Return what a sanctioned person is told when they try to write."""
    if sanction.kind == SanctionKind.BAN:
        return "Your account is banned: you cannot post works, comments, kudos or bookmarks."
    assert sanction.until is not None
    until = date_format(timezone.localtime(sanction.until), "j F Y, H:i T")
    return (
        f"Your account is suspended until {until}: until then you cannot post works, "
        "comments, kudos or bookmarks."
    )


def check_active(user: User | AnonymousUser | None) -> None:
    """Raise AccountRestricted, a PermissionDenied with the message to show, if the user is
    banned or suspended."""
    sanction = active_sanction(user)
    if sanction is not None:
        raise AccountRestricted(sanction_message(sanction))
