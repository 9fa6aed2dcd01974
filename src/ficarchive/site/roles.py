"""Roles: staff (`is_staff`: the /staff/ area and every power), moderators (the "Moderators"
group: the moderation queue, suspensions and bans, hiding works, deleting comments) and tag
wranglers (the tags app's "Tag wranglers" group)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ficarchive.tags.models import WRANGLER_GROUP

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ficarchive.accounts.models import User

MODERATOR_GROUP = "Moderators"
ROLES = {
    "moderator": "Moderator",
    "wrangler": "Tag wrangler",
    "staff": "Staff",
}
ROLE_GROUPS = {"moderator": MODERATOR_GROUP, "wrangler": WRANGLER_GROUP}
_GROUPS = "_ficarchive_group_names"


def group_names(user: User | AnonymousUser | None) -> frozenset[str]:
    """Return the names of the user's groups (one query, kept on the user for the request)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, _GROUPS, None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, _GROUPS, cached)
    return frozenset(cached)


def forget_groups(user: User) -> None:
    """Drop the group names kept on the user object (after a grant or revoke)."""
    for attribute in (_GROUPS, "_ficarchive_can_wrangle"):
        if hasattr(user, attribute):
            delattr(user, attribute)


def is_staff(user: User | AnonymousUser | None) -> bool:
    """Return True for active staff: they run the site from /staff/."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def is_moderator(user: User | AnonymousUser | None) -> bool:
    """Return True for active staff and active members of the "Moderators" group."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or MODERATOR_GROUP in group_names(user))


def has_role(user: User, role: str) -> bool:
    """Return whether the user holds the role itself (staff hold every power, but only the
    staff role is theirs unless granted the others too)."""
    if role == "staff":
        return bool(user.is_staff)
    return ROLE_GROUPS[role] in group_names(user)


def roles_of(user: User) -> list[str]:
    """Return the roles the user holds, as their names ("Moderator", ...)."""
    return [name for role, name in ROLES.items() if has_role(user, role)]
