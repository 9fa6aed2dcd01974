"""Work page hook of the bookmarks app: `{% bookmark_actions work %}` (Bookmark / Edit
bookmark, Mark for later, and the count). One query for a logged-in reader, none for guests."""

from __future__ import annotations

from typing import Any

from django import template

from ficarchive.bookmarks.models import Bookmark
from ficarchive.works.models import Work

register = template.Library()


@register.inclusion_tag("bookmarks/hooks/keep_actions.html", takes_context=True)
def bookmark_actions(context: template.Context, work: Work) -> dict[str, Any]:
    user = context["user"]
    bookmark = None
    if user.is_authenticated:
        bookmark = Bookmark.objects.filter(user=user, work=work).only("pk", "for_later").first()
    return {"user": user, "work": work, "bookmark": bookmark, "request": context.get("request")}
