"""What the site's settings allow a person to do: post and comment (sign-up mode "confirm"
asks for a confirmed e-mail address first), comment and leave kudos as a guest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError

from ficarchive.site import conf
from ficarchive.site.models import SignupMode

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ficarchive.accounts.models import User

CONFIRM_FIRST = (
    "Confirm your e-mail address before you post or comment: open the link we e-mailed to "
    "you when you signed up, or ask for a new one at /confirm-email/."
)


def needs_confirmation(user: User | AnonymousUser | None) -> bool:
    """Return True if the archive asks for confirmed addresses and this member's is not."""
    if user is None or not user.is_authenticated or user.is_staff:
        return False
    if getattr(user, "email_confirmed_at", None) is not None:
        return False
    return conf.current().signup_mode == SignupMode.CONFIRM


def check_may_post(user: User | AnonymousUser | None) -> None:
    """Raise PermissionDenied (saying how to confirm) if the member must confirm their e-mail
    address before posting works, chapters or comments."""
    if needs_confirmation(user):
        raise PermissionDenied(CONFIRM_FIRST)


def check_guest_comments() -> None:
    """Raise ValidationError if guests may not comment anywhere on the archive."""
    if not conf.current().guest_comments:
        raise ValidationError("Log in to comment: this archive takes comments from members only.")


def check_guest_kudos() -> None:
    """Raise ValidationError if guests may not leave kudos anywhere on the archive."""
    if not conf.current().guest_kudos:
        raise ValidationError("Log in to leave kudos: this archive takes kudos from members only.")


def guest_comments_allowed() -> bool:
    return conf.current().guest_comments


def guest_kudos_allowed() -> bool:
    return conf.current().guest_kudos
