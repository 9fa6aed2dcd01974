"""Template filters for wrangling: `{% if user|can_wrangle %}`."""

from __future__ import annotations

from django import template
from django.contrib.auth.models import AnonymousUser

from ficarchive.accounts.models import User
from ficarchive.tags import actions

register = template.Library()


@register.filter
def can_wrangle(user: User | AnonymousUser) -> bool:
    """Return whether the user may wrangle tags (one query per request, for logged-in users)."""
    return actions.can_wrangle(user)
