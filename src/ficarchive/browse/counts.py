"""The counts the Fandoms and Languages pages show: how many works a guest may read in each
canonical fandom and in each language.

Each table is one aggregate query (a GROUP BY read from an index: the filter taggings'
(tag, work) index for fandoms, `work_language_idx` for languages), kept in the cache under the
page cache's version stamps (`core/versions.py`), which every change bumps when it commits
(`core/invalidation.py`):

- a change to tags, people or settings (slot `ALL`: a fandom made canonical or filed under a
  medium) shows at once: the table is keyed by that stamp;
- a change to works (slot `LISTINGS`: a work posted, hidden or retagged, but also every kudos,
  comment and bookmark) makes the table stale, and it is counted again once it is older than
  `RECOUNT_SECONDS`. On a busy archive the listings' stamp moves many times a second; without
  that bound every one of those would cost a count over every work, as `works/listing.py`
  bounds its large counts the same way.

No request between two changes counts anything."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Count, QuerySet

from ficarchive.core import versions
from ficarchive.tags.models import FilterTagging, Media, Tag, TagType
from ficarchive.works.models import Work, visible_q

T = TypeVar("T")

# How long a table may stay in the cache at most; a bump makes it unreachable long before.
CACHE_SECONDS = 24 * 60 * 60
# How stale a table may get after works change before it is counted again (see above).
RECOUNT_SECONDS = 60


@dataclass(frozen=True, slots=True)
class FandomRow:
    """One canonical fandom with the number of works a guest may read in it (its own and
    those of the fandoms under it, as its works listing counts them)."""

    name: str
    media: str  # a Media value; "" (no medium yet) is stored as Media.UNCATEGORIZED
    count: int

    @property
    def url(self) -> str:
        return Tag(name=self.name).get_absolute_url() + "works/"


def _cached(kind: str, compute: Callable[[], T]) -> T:
    """Return the table `compute` makes, from the cache while it is fresh (see above)."""
    archive, listings = versions.store().read((versions.ALL, versions.LISTINGS)).split(".")
    key = f"browse:{kind}:{archive}"
    entry = cache.get(key)
    now = time.time()
    if isinstance(entry, tuple) and len(entry) == 3:
        stamp, counted_at, table = entry
        if stamp == listings or now - counted_at < RECOUNT_SECONDS:
            return cast(T, table)
    table = compute()
    cache.set(key, (listings, now, table), CACHE_SECONDS)
    return table


def fandom_count_query() -> QuerySet[FilterTagging, tuple[int, int]]:
    """Return the aggregate behind `fandom_rows`: (tag id, number of works a guest may read)
    for every canonical fandom that has any. Exposed so a test can EXPLAIN it."""
    return (
        FilterTagging.objects.filter(
            visible_q(AnonymousUser(), "work"), tag__type=TagType.FANDOM, tag__canonical=True
        )
        .values("tag_id")
        .annotate(n=Count("work_id"))
        .order_by()
        .values_list("tag_id", "n")
    )


def fandom_rows() -> list[FandomRow]:
    """Return every canonical fandom with its count, sorted by name (case ignored)."""
    return _cached("fandoms", _count_fandoms)


def _count_fandoms() -> list[FandomRow]:
    counts = {tag_id: n for tag_id, n in fandom_count_query()}
    fandoms = Tag.objects.filter(type=TagType.FANDOM, canonical=True).values_list(
        "pk", "name", "media"
    )
    return sorted(
        (
            FandomRow(name, media or Media.UNCATEGORIZED, counts.get(pk, 0))
            for pk, name, media in fandoms
        ),
        key=lambda row: (row.name.casefold(), row.name),
    )


def language_count_query() -> QuerySet[Work, tuple[str, int]]:
    """Return the aggregate behind `language_counts`: (language code, number of works a guest
    may read). Exposed so a test can EXPLAIN it."""
    return (
        Work.objects.filter(visible_q(AnonymousUser()))
        .values("language")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("language", "n")
    )


def language_counts() -> dict[str, int]:
    """Return how many works a guest may read in each language that has any."""
    return _cached("languages", lambda: {code: n for code, n in language_count_query()})
