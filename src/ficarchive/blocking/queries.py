"""Read-side questions about blocks and mutes, used by kudos, comments and visibility."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from ficarchive.blocking.models import Block, Mute

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ficarchive.accounts.models import User


def blocked_by(owner_ids: Iterable[int], user: User | AnonymousUser | None) -> bool:
    """Return True if any of the users `owner_ids` (a work's creators) blocked `user`.
    Guests are never blocked (they have no account to block)."""
    if user is None or not user.is_authenticated:
        return False
    ids = list(owner_ids)
    if not ids:
        return False
    return Block.objects.filter(blocker_id__in=ids, blocked_id=user.pk).exists()


def blocked_user_ids(user: User | AnonymousUser | None) -> QuerySet[Block, Any]:
    """Return the ids of the users `user` blocked, as a values QuerySet usable as a subquery
    (empty for guests)."""
    if user is None or not user.is_authenticated:
        return Block.objects.none().values_list("blocked_id", flat=True)
    return Block.objects.filter(blocker_id=user.pk).values_list("blocked_id", flat=True)


def muted_user_ids(user: User | AnonymousUser | None) -> QuerySet[Mute, Any]:
    """Return the ids of the users `user` muted, as a values QuerySet usable as a subquery
    (empty for guests)."""
    if user is None or not user.is_authenticated:
        return Mute.objects.none().values_list("muted_id", flat=True)
    return Mute.objects.filter(muter_id=user.pk).values_list("muted_id", flat=True)
