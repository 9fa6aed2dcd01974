"""Writes on accounts and pseuds, and the log-in throttle."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
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


def login_key(username: str) -> str:
    """Return the name the throttle counts under: as the log-in form reads it (NFKC, no
    surrounding whitespace), case-folded, so " Bob\t" and "BOB" are the same account."""
    return unicodedata.normalize("NFKC", username).strip().casefold()[:150]


def _recent_failures() -> QuerySet[LoginFailure]:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW)
    return LoginFailure.objects.filter(created_at__gte=since)


def login_blocked(username: str, address: str) -> bool:
    """Return True when this account has failed too often recently from this address: then
    even the right password is refused there (the owner elsewhere is not locked out)."""
    pair = _recent_failures().filter(username=login_key(username), address=address)
    return pair.count() >= settings.LOGIN_THROTTLE_PER_ACCOUNT


def address_over_limit(address: str) -> bool:
    """Return True when the address has failed too often recently, whatever the accounts.
    Its wrong passwords are then answered 429; a right one still logs in, since behind a
    proxy many readers share one address."""
    failures = _recent_failures().filter(address=address)
    return failures.count() >= settings.LOGIN_THROTTLE_PER_ADDRESS


def record_login_failure(username: str, address: str) -> None:
    """Remember one failed log-in (and forget ones older than a day)."""
    LoginFailure.objects.create(username=login_key(username), address=address)
    LoginFailure.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()


def clear_login_failures(username: str, address: str) -> None:
    """Forget the account's failures from this address after a successful log-in there."""
    LoginFailure.objects.filter(username=login_key(username), address=address).delete()
