"""Work page hooks of the series app: `{% series_nav %}` ("Part 2 of Dome Weather", with the
previous and next parts) and `{% related_works %}` (what inspired the work, and the works it
inspired). Each costs one or two queries."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from ficarchive.series.models import RelatedWork, SeriesWork
from ficarchive.works.models import Work, visible_q

register = template.Library()


def _series_parts(context: template.Context, work: Work) -> list[dict[str, Any]]:
    """Return, for each series the work is in, the series, the work's position and the
    nearest earlier and later parts the reader may read. Computed once per request (the hook
    shows above the title and again at the end of the work)."""
    request = context.get("request")
    cache_key = f"_series_parts_{work.pk}"
    if request is not None and hasattr(request, cache_key):
        cached: list[dict[str, Any]] = getattr(request, cache_key)
        return cached
    user = context["user"]
    if work.anonymous and not context.get("is_creator", False):
        # A series names its creator: an anonymous work shows no series until the reveal.
        if request is not None:
            setattr(request, cache_key, [])
        return []
    series_ids = SeriesWork.objects.filter(work=work).values("series_id")
    entries = list(
        SeriesWork.objects.filter(series_id__in=series_ids)
        .filter(Q(work=work) | visible_q(user, "work"))
        .select_related("series")
        .only("pk", "position", "series__id", "series__title", "work__id", "work__title")
        .select_related("work")
        .order_by("series_id", "position")
    )
    parts: list[dict[str, Any]] = []
    by_series: dict[int, list[SeriesWork]] = {}
    for entry in entries:
        by_series.setdefault(entry.series_id, []).append(entry)
    for series_entries in by_series.values():
        index = next(i for i, e in enumerate(series_entries) if e.work_id == work.pk)
        current = series_entries[index]
        parts.append(
            {
                "series": current.series,
                "position": current.position,
                "previous": series_entries[index - 1].work if index > 0 else None,
                "next": (
                    series_entries[index + 1].work if index + 1 < len(series_entries) else None
                ),
            }
        )
    if request is not None:
        setattr(request, cache_key, parts)
    return parts


@register.inclusion_tag("series/hooks/series_nav.html", takes_context=True)
def series_nav(context: template.Context, work: Work, where: str = "top") -> dict[str, Any]:
    return {"parts": _series_parts(context, work), "where": where, "work": work}


@register.inclusion_tag("series/hooks/related_works.html", takes_context=True)
def related_works(context: template.Context, work: Work) -> dict[str, Any]:
    """What inspired the work (links to works here only when the reader may read them;
    unapproved ones too) and the approved works it inspired that the reader may read."""
    user = context["user"]
    links = list(
        RelatedWork.objects.filter(
            Q(work=work, parent_work__isnull=True)
            | (Q(work=work) & visible_q(user, "parent_work"))
            | (Q(parent_work=work, approved=True) & visible_q(user, "work"))
        )
        .select_related("work", "parent_work")
        .only(
            "pk",
            "work__id",
            "work__title",
            "parent_work__id",
            "parent_work__title",
            "external_title",
            "external_author",
            "external_url",
            "approved",
        )
        .order_by("pk")
    )
    return {
        "work": work,
        "inspired_by": [link for link in links if link.work_id == work.pk],
        "inspired": [link for link in links if link.parent_work_id == work.pk],
        "is_creator": context.get("is_creator", False),
        "user": context["user"],
    }
