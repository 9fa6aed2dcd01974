"""Who left kudos on a work, as the work page shows it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Window

from ficarchive.kudos.models import Kudos
from ficarchive.works.models import Work

NAMES_SHOWN = 50


@dataclass(frozen=True)
class KudosSummary:
    count: int
    names: list[str]  # the first NAMES_SHOWN registered readers, oldest first
    more_names: int  # registered readers beyond those
    guests: int


def kudos_summary(work: Work) -> KudosSummary:
    """Return the kudos count and who left them, in one query: the first names, each row
    carrying the number of registered readers; guests are the rest of the work's counter
    (kept by leave_kudos in the same transaction as the row)."""
    rows = list(
        Kudos.objects.filter(work=work, user__isnull=False)
        .annotate(registered=Window(Count("pk")))
        .order_by("created_at", "pk")
        .values_list("user__username", "registered")[:NAMES_SHOWN]
    )
    registered = rows[0][1] if rows else 0
    names = [name for name, _ in rows]
    total = max(work.kudos_count, registered)
    return KudosSummary(
        count=total,
        names=names,
        more_names=max(0, registered - len(names)),
        guests=total - registered,
    )
