"""Read-side questions about gifts: which works a member was given, as a reader may see them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Prefetch, Q

from ficarchive.gifts.models import Gift
from ficarchive.works.models import Work, WorkQuerySet, visible_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ficarchive.accounts.models import User


def gifts_prefetch() -> Prefetch[Any]:
    """Return the prefetch of a work's gifts that pages show (not refused), in order, with
    the recipients' pseuds and accounts: one query for any number of works."""
    return Prefetch(
        "gifts",
        queryset=Gift.objects.accepted().select_related("pseud__user").order_by("position", "pk"),
    )


def shown_gifts(work: Work) -> list[Gift]:
    """Return the work's gifts a page shows: the prefetched ones (`gifts_prefetch`), else
    one query."""
    if "gifts" in getattr(work, "_prefetched_objects_cache", {}):
        return list(work.gifts.all())
    return list(Gift.objects.accepted().for_work(work))


def gifts_for(owner: User, viewer: User | AnonymousUser, *, refused: bool = False) -> WorkQuerySet:
    """Return the posted works given to one of `owner`'s pseuds that `viewer` may read (the
    archive's visibility rules: no drafts, nothing hidden, registered-only works for members
    only, nothing by a creator the viewer muted), newest first; with `refused`, those the
    owner refused instead."""
    given = Gift.objects.filter(
        work_id=OuterRef("pk"), pseud__user_id=owner.pk, refused_at__isnull=not refused
    )
    works = Work.objects.visible_to(viewer)
    if viewer.is_authenticated and viewer.pk == owner.pk and not refused:
        # A recipient sees their gifts in unrevealed collections before anyone else.
        works = Work.objects.filter(visible_q(viewer) | Q(unrevealed=True))
    return works.posted().filter(Exists(given)).order_by("-published_at", "-pk")
