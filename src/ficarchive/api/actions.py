"""Writes on API tokens: create one (the token is returned once) and revoke one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.api.models import READ_ONLY, SCOPES, TOKEN_NAME_MAX, ApiToken
from ficarchive.api.tokens import PREFIX_SHOWN, hash_token, new_token
from ficarchive.moderation.sanctions import check_active

MAX_TOKENS = 50  # active tokens per account
MAX_LIFETIME = dt.timedelta(days=5 * 366)  # the furthest expiry date a token may have


def clean_token_name(raw: str) -> str:
    """Return the name with whitespace collapsed and control characters removed, or raise
    ValidationError when it is empty or too long."""
    name = " ".join("".join(ch for ch in raw if ch.isprintable() or ch == " ").split())
    if not name:
        raise ValidationError("Name is empty: say what the token is for (“e-reader sync”).")
    if len(name) > TOKEN_NAME_MAX:
        raise ValidationError(f"Name is longer than {TOKEN_NAME_MAX} characters: shorten it.")
    return name


def clean_scopes(raw: Iterable[str]) -> str:
    """Return the scopes as stored (space-separated, in a fixed order; "" for a token that may
    do everything), or raise ValidationError naming what is wrong."""
    given = {word.strip().lower() for item in raw for word in str(item).replace(",", " ").split()}
    known = [READ_ONLY, *SCOPES]
    unknown = sorted(given - set(known))
    if unknown:
        shown = ", ".join(f"“{word[:30]}”" for word in unknown[:5])
        raise ValidationError(
            f"No such scope: {shown}. Scopes are {', '.join(known)} (or none for everything)."
        )
    if READ_ONLY in given and len(given) > 1:
        raise ValidationError(
            "“read” means read-only, so it cannot go with write scopes: choose one or the other."
        )
    return " ".join(word for word in known if word in given)


def clean_expiry(expires_at: dt.datetime | None) -> dt.datetime | None:
    """Return the expiry date, or raise ValidationError if it is past or too far away."""
    if expires_at is None:
        return None
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError("The expiry date has passed: choose a day in the future.")
    if expires_at > now + MAX_LIFETIME:
        raise ValidationError("The expiry date is more than five years away: choose a sooner one.")
    return expires_at


@transaction.atomic
def create_token(
    user: User,
    name: str,
    *,
    scopes: Iterable[str] = (),
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for the user, limited to `scopes` (none: everything its account may
    do) until `expires_at` (None: until revoked). Returns the stored row and the token
    itself, which is not stored and cannot be shown again."""
    check_active(user)
    name = clean_token_name(name)
    stored_scopes = clean_scopes(scopes)
    expires_at = clean_expiry(expires_at)
    # Lock the user's row so two requests at once cannot both pass the count.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.active().filter(user=user).count() >= MAX_TOKENS:
        raise ValidationError(
            f"You have {MAX_TOKENS} tokens already: revoke one you no longer use first."
        )
    token = new_token()
    row = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_token(token),
        prefix=token[:PREFIX_SHOWN],
        scopes=stored_scopes,
        expires_at=expires_at,
    )
    return row, token


@transaction.atomic
def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of the user's tokens. Returns False when there was no such active token."""
    changed = (
        ApiToken.objects.active().filter(pk=token_id, user=user).update(revoked_at=timezone.now())
    )
    return changed > 0
