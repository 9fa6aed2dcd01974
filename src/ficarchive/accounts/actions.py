"""Writes on accounts and pseuds, and the log-in throttle."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ficarchive.accounts.models import LoginFailure, Pseud, User
from ficarchive.moderation.sanctions import check_active

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,40}$")
PSEUD_RE = re.compile(r"^[\w .\-]{1,40}$")
RESERVED_NAMES = {
    "admin",
    "administrator",
    "root",
    "system",
    "moderator",
    "staff",
    "api",
    "anonymous",
}


def validate_username(username: str) -> None:
    """Raise ValidationError unless the name is 3-40 letters, digits or underscores and free."""
    if not USERNAME_RE.match(username):
        raise ValidationError(
            "Usernames are 3 to 40 characters: letters, digits and underscores only."
        )
    if username.lower() in RESERVED_NAMES:
        raise ValidationError("That username is reserved: choose another.")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError("That username is taken: choose another.")


@transaction.atomic
def sign_up(username: str, email: str, password: str) -> User:
    """Create an account with its default pseud (named like the account). Returns the user."""
    validate_username(username)
    candidate = User(username=username, email=email)
    validate_password(password, candidate)
    try:
        user = User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError:
        raise ValidationError("That username is taken: choose another.") from None
    Pseud.objects.create(user=user, name=username, is_default=True)
    return user


def validate_pseud_name(user: User, name: str) -> str:
    """Return the cleaned pseud name, or raise ValidationError."""
    name = " ".join(name.split())
    if not PSEUD_RE.match(name):
        raise ValidationError(
            "Pseuds are 1 to 40 characters: letters, digits, spaces, dots, dashes, underscores."
        )
    if user.pseuds.filter(name__iexact=name).exists():
        raise ValidationError(f"You already have a pseud named “{name}”.")
    return name


@transaction.atomic
def add_pseud(user: User, name: str, description: str = "") -> Pseud:
    """Add a pen name to the user. Returns the new pseud."""
    check_active(user)
    name = validate_pseud_name(user, name)
    return Pseud.objects.create(user=user, name=name, description=description[:500])


def login_blocked(username: str, address: str) -> bool:
    """Return True when the account or the address has failed too often recently."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW)
    recent = LoginFailure.objects.filter(created_at__gte=since)
    if recent.filter(username=username.lower()).count() >= settings.LOGIN_THROTTLE_PER_ACCOUNT:
        return True
    return recent.filter(address=address).count() >= settings.LOGIN_THROTTLE_PER_ADDRESS


def record_login_failure(username: str, address: str) -> None:
    """Remember one failed log-in (and forget ones older than a day)."""
    LoginFailure.objects.create(username=username.lower()[:150], address=address)
    LoginFailure.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()


def clear_login_failures(username: str) -> None:
    """Forget the account's failures after a successful log-in."""
    LoginFailure.objects.filter(username=username.lower()).delete()
