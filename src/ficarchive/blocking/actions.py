"""Block, unblock, mute and unmute: each one transaction, idempotent."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ficarchive.accounts.models import User
from ficarchive.blocking.models import Block, Mute


def _check_other(user: User, other: User, verb: str) -> None:
    if user.pk == other.pk:
        raise ValidationError(f"You can't {verb} yourself.")


@transaction.atomic
def block_user(user: User, other: User) -> bool:
    """Block `other`: they can no longer comment on, reply in or leave kudos on your works.
    Returns True if the block is new."""
    _check_other(user, other, "block")
    try:
        with transaction.atomic():
            Block.objects.create(blocker=user, blocked=other)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def unblock_user(user: User, other: User) -> bool:
    """Remove a block. Returns True if there was one."""
    deleted, _ = Block.objects.filter(blocker=user, blocked=other).delete()
    return deleted > 0


@transaction.atomic
def mute_user(user: User, other: User) -> bool:
    """Mute `other`: their works and comments are hidden from you. Returns True if new."""
    _check_other(user, other, "mute")
    try:
        with transaction.atomic():
            Mute.objects.create(muter=user, muted=other)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def unmute_user(user: User, other: User) -> bool:
    """Remove a mute. Returns True if there was one."""
    deleted, _ = Mute.objects.filter(muter=user, muted=other).delete()
    return deleted > 0
