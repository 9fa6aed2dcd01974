"""Subscribe buttons for the work page, series pages and user pages: one query each (is the
viewer subscribed already?), none for guests."""

from __future__ import annotations

from typing import Any

from django import template

from ficarchive.subscriptions.models import Subscription

register = template.Library()


def _button(
    context: Any, target: str, value: object, label: str, **lookup: object
) -> dict[str, Any]:
    request = context.get("request")
    user = context.get("user")
    path = request.get_full_path() if request is not None else "/"
    result: dict[str, Any] = {
        "target": target,
        "value": value,
        "label": label,
        "next": path,
        "user": user,
        "subscription": None,
        "csrf_token": context.get("csrf_token"),
    }
    if user is not None and user.is_authenticated:
        result["subscription"] = Subscription.objects.filter(user_id=user.pk, **lookup).first()
    return result


@register.inclusion_tag("subscriptions/_button.html", takes_context=True)
def work_subscribe(context: Any, work: Any) -> dict[str, Any]:
    """Subscribe/Unsubscribe for a posted work; nothing for its creators or for drafts."""
    if context.get("is_creator") or getattr(work, "is_draft", False):
        return {"hidden": True}
    return _button(context, "work", work.pk, "this work", work_id=work.pk)


@register.inclusion_tag("subscriptions/_button.html", takes_context=True)
def series_subscribe(context: Any, series: Any) -> dict[str, Any]:
    """Subscribe/Unsubscribe for a series; nothing for its creator."""
    user = context.get("user")
    if user is not None and user.is_authenticated and series.creator_id == user.pk:
        return {"hidden": True}
    return _button(context, "series", series.pk, "this series", series_id=series.pk)


@register.inclusion_tag("subscriptions/_button.html", takes_context=True)
def user_subscribe(context: Any, owner: Any) -> dict[str, Any]:
    """Subscribe/Unsubscribe for a user's new works and chapters; nothing on one's own page."""
    user = context.get("user")
    if user is not None and user.is_authenticated and owner.pk == user.pk:
        return {"hidden": True}
    return _button(context, "user", owner.username, owner.username, creator_id=owner.pk)
