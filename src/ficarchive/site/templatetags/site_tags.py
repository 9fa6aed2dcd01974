"""Template filters of the site app: roles."""

from __future__ import annotations

from typing import Any

from django import template

from ficarchive.site import roles

register = template.Library()


@register.filter
def is_moderator(user: Any) -> bool:
    """{% if user|is_moderator %}: staff and members of the Moderators group."""
    return roles.is_moderator(user)
