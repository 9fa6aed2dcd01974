"""Writes on API tokens: create one (the token is returned once) and revoke one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.api.models import TOKEN_NAME_MAX, ApiToken
from ficarchive.api.tokens import PREFIX_SHOWN, hash_token, new_token
from ficarchive.moderation.sanctions import check_active

MAX_TOKENS = 50  # active tokens per account


def clean_token_name(raw: str) -> str:
    """Return the name with whitespace collapsed and control characters removed, or raise
    ValidationError when it is empty or too long."""
    name = " ".join("".join(ch for ch in raw if ch.isprintable() or ch == " ").split())
    if not name:
        raise ValidationError("Name is empty: say what the token is for (“e-reader sync”).")
    if len(name) > TOKEN_NAME_MAX:
        raise ValidationError(f"Name is longer than {TOKEN_NAME_MAX} characters: shorten it.")
    return name


@transaction.atomic
def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for the user. Returns the stored row and the token itself, which is
    not stored and cannot be shown again."""
    check_active(user)
    name = clean_token_name(name)
    # Lock the user's row so two requests at once cannot both pass the count.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.active().filter(user=user).count() >= MAX_TOKENS:
        raise ValidationError(
            f"You have {MAX_TOKENS} tokens already: revoke one you no longer use first."
        )
    token = new_token()
    row = ApiToken.objects.create(
        user=user, name=name, key_hash=hash_token(token), prefix=token[:PREFIX_SHOWN]
    )
    return row, token


@transaction.atomic
def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of the user's tokens. Returns False when there was no such active token."""
    changed = (
        ApiToken.objects.active().filter(pk=token_id, user=user).update(revoked_at=timezone.now())
    )
    return changed > 0
