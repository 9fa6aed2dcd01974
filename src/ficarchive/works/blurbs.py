"""Work blurbs (the summary card of a work in a listing), rendered once and kept in the cache.

Rendering twenty blurbs is most of a listing's time: each shows a dozen tags with their links,
dates and counts. A blurb shows nothing about who is looking, so the same HTML serves every
reader of the same display choices (hidden warnings or additional tags, time zone); its
cache key holds those choices and everything that changes what it shows (the work's `revised_at`,
which every edit moves, and the counters, which change without an edit), so an entry is
never stale, only unused. Tag and pseud names cannot be changed after the fact, so they need
no place in the key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core.cache import cache
from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from ficarchive.core.display import current_display
from ficarchive.works.models import Creatorship, Work, tags_prefetch

BLURB_SECONDS = 6 * 3600
VERSION = 4  # bump when work_blurb.html changes what it shows
# Where a search result's snippet goes: the template writes this comment, and the cached HTML
# keeps it, so search results use the cached blurbs too. No work's text can hold it (titles
# and names are escaped, and sanitized HTML keeps no comments).
SNIPPET_SLOT = "<!--search-snippet-->"


def blurb_key(work: Work, heading_level: int) -> str:
    stamp = work.revised_at.timestamp() if work.revised_at else 0
    counters = f"{work.kudos_count}-{work.hit_count}-{work.bookmark_count}-{work.comment_count}"
    # The reader's display choices and time zone change what a blurb shows.
    view = f"{current_display().key}:{timezone.get_current_timezone_name()}"
    return f"blurb:{VERSION}:{heading_level}:{work.pk}:{stamp:.6f}:{work.status}:{counters}:{view}"


def prefetch_for_blurbs(works: Sequence[Work]) -> None:
    """Load the creators, tags and gifts a blurb shows, for all these works at once (three
    queries)."""
    from ficarchive.gifts.queries import gifts_prefetch  # the gifts app builds on works

    prefetch_related_objects(
        list(works),
        Prefetch(
            "creatorships",
            queryset=Creatorship.objects.select_related("pseud__user").order_by("position"),
        ),
        tags_prefetch(),
        gifts_prefetch(),
    )


def render_blurbs(
    works: Sequence[Work], *, heading_level: int = 2, snippets: Mapping[int, str] | None = None
) -> list[SafeString]:
    """Return the blurb HTML of each work, in order: from the cache where it is there, else
    rendered (with the tags and creators of the missing works loaded in two queries). A search
    result's snippet (they depend on the query) is put into the cached HTML at its slot."""
    snippets = snippets or {}
    keys = [blurb_key(work, heading_level) for work in works]
    found: dict[str, str] = cache.get_many(keys) if keys else {}
    missing = [work for work, key in zip(works, keys, strict=True) if key not in found]
    if missing:
        display = current_display()
        prefetch_for_blurbs(missing)
        fresh: dict[str, str] = {}
        for work in missing:
            context = {
                "work": work,
                "heading_level": heading_level,
                "snippet_slot": mark_safe(SNIPPET_SLOT),
                "display": display,
            }
            fresh[blurb_key(work, heading_level)] = render_to_string(
                "includes/work_blurb.html", context
            )
        cache.set_many(fresh, BLURB_SECONDS)
        found.update(fresh)

    def filled(work: Work, html: str) -> str:
        snippet = snippets.get(work.pk, "")
        # A snippet is escaped text with <mark> tags (ficarchive.search.snippet).
        shown = f'<p class="search-snippet">{snippet}</p>' if snippet else ""
        return html.replace(SNIPPET_SLOT, shown, 1)

    # The template escapes everything it shows; the HTML comes from it, not from a reader.
    return [mark_safe(filled(work, found[key])) for work, key in zip(works, keys, strict=True)]
