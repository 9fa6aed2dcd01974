"""{% kudos_box %}: the kudos button and who left kudos, on the work page."""

from __future__ import annotations

from typing import Any

from django import template

from ficarchive.kudos.summary import kudos_summary
from ficarchive.site.access import guest_kudos_allowed

register = template.Library()


@register.inclusion_tag("kudos/box.html", takes_context=True)
def kudos_box(context: template.Context) -> dict[str, Any]:
    """Return what the kudos box shows (two queries)."""
    work = context["work"]
    user = context.get("user")
    authenticated = bool(user is not None and user.is_authenticated)
    return {
        "work": work,
        "summary": kudos_summary(work),
        "is_creator": context.get("is_creator", False),
        "can_try": authenticated or (work.allow_guest_kudos and guest_kudos_allowed()),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
