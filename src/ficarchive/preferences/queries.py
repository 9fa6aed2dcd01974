"""Read-side questions about muted tags, used by listings, search and the home page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest

from ficarchive.preferences.models import MutedTag
from ficarchive.preferences.reader import ReaderPrefs, prefs_for
from ficarchive.tags.models import FilterTagging

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ficarchive.accounts.models import User


def carries_muted_tag(user: User | AnonymousUser | None, prefs: ReaderPrefs) -> Exists | None:
    """Return the condition "the work carries a tag this reader muted", on a Work query, or
    None when the reader muted none (guests never have).

    It goes through the filter-tag table, so a work tagged with a synonym of a muted tag, or
    with a tag below it (a muted meta tag covers its sub tags), carries it too. A muted tag
    that was later made a synonym still counts, through the tag it now points to. The check
    is one probe of the (work, tag) unique index per work: it never lists the muted tags'
    works."""
    if user is None or not user.is_authenticated or prefs.muted_tag_count <= 0:
        return None
    muted = MutedTag.objects.filter(user_id=user.pk)
    tag_ids = muted.values("tag_id")
    merger_ids = muted.filter(tag__merger__isnull=False).values("tag__merger_id")
    return Exists(
        FilterTagging.objects.filter(work_id=OuterRef("pk")).filter(
            Q(tag_id__in=tag_ids) | Q(tag_id__in=merger_ids)
        )
    )


def muted_condition(request: HttpRequest) -> Exists | None:
    """Return `carries_muted_tag` for whoever sent the request."""
    return carries_muted_tag(getattr(request, "user", None), prefs_for(request))
