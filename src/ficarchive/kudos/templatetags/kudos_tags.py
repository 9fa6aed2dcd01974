"""{% kudos_box %}: the kudos button and who left kudos, on the work page; `{% kudos_box "end" %}`
the same box again at the end of the work (as on AO3), read from the same two queries."""

from __future__ import annotations

from typing import Any

from django import template

from ficarchive.kudos.summary import kudos_summary
from ficarchive.site.access import guest_kudos_allowed

register = template.Library()


@register.inclusion_tag("kudos/box.html", takes_context=True)
def kudos_box(context: template.Context, place: str = "top") -> dict[str, Any]:
    """Return what the kudos box shows (two queries, once per page)."""
    work = context["work"]
    user = context.get("user")
    authenticated = bool(user is not None and user.is_authenticated)
    request = context.get("request")
    cached = getattr(request, "_ficarchive_kudos", None)
    if cached is not None and cached[0] == work.pk:
        summary = cached[1]
    else:
        summary = kudos_summary(work)
        if request is not None:
            request._ficarchive_kudos = (work.pk, summary)
    return {
        "work": work,
        "place": "end" if place == "end" else "top",
        "summary": summary,
        "is_creator": context.get("is_creator", False),
        "can_try": authenticated or (work.allow_guest_kudos and guest_kudos_allowed()),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
