"""Gift lines for the work page (`{% gift_line work %}`, with the recipient's refuse button
and a co-creator's "Remove me as co-creator") and blurbs (`{% gift_names work %}`)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ficarchive.gifts.queries import shown_gifts
from ficarchive.works.models import Work

register = template.Library()


@register.inclusion_tag("gifts/gift_line.html", takes_context=True)
def gift_line(context: template.Context, work: Work) -> dict[str, Any]:
    user = context["user"]
    gifts = shown_gifts(work)
    mine = next((g.pk for g in gifts if g.pseud and g.pseud.user_id == user.pk), None)
    creators = {p.user_id for p in work.creator_pseuds()}
    return {
        "gifts": gifts,
        "mine": mine if user.is_authenticated else None,
        "work": work,
        "can_leave": user.is_authenticated and user.pk in creators and len(creators) > 1,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def gift_names(work: Work) -> SafeString:
    """Return "For <a>pseud</a>, name" for a blurb (prefetched gifts), or "" for no gift."""
    gifts = shown_gifts(work)
    if not gifts:
        return SafeString("")
    names = format_html_join(
        ", ",
        "{}",
        (
            (
                format_html('<a href="{}">{}</a>', g.url, g.display_name)
                if g.pseud
                else g.display_name,
            )
            for g in gifts
        ),
    )
    return format_html('<p class="blurb-gifts">For {}</p>', names)
