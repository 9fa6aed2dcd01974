"""{% block_and_mute_forms owner %}: block/mute buttons on another user's page."""

from __future__ import annotations

from typing import Any

from django import template

from ficarchive.blocking.models import Block, Mute

register = template.Library()


@register.inclusion_tag("blocking/user_actions.html", takes_context=True)
def block_and_mute_forms(context: template.Context, owner: Any) -> dict[str, Any]:
    """Return the state of the viewer's block and mute of `owner` (two queries), or nothing
    for guests and the owner themselves."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    if user.pk == owner.pk:
        return {"show": False, "is_self": True}
    return {
        "show": True,
        "owner": owner,
        "blocked": Block.objects.filter(blocker_id=user.pk, blocked_id=owner.pk).exists(),
        "muted": Mute.objects.filter(muter_id=user.pk, muted_id=owner.pk).exists(),
        "csrf_token": context.get("csrf_token"),
    }
