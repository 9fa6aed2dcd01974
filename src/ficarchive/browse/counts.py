"""The counts the Fandoms and Languages pages show: how many works a guest may read in each
canonical fandom and in each language.

Each table is one aggregate query (a GROUP BY read from an index: the filter taggings'
(tag, work) index for fandoms, `work_language_idx` for languages), kept in the cache under the
page cache's version stamp of the whole archive and of the listings (`core/versions.py`).
Every change that can move a count (a work posted, hidden or retagged, a fandom wrangled)
bumps one of those slots when it commits (`core/invalidation.py`), so the next reader gets
fresh counts and no request between two changes counts anything."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Count, QuerySet

from ficarchive.core import versions
from ficarchive.tags.models import FilterTagging, Media, Tag, TagType
from ficarchive.works.models import Work, visible_q

# How long a table may stay in the cache at most; a bump makes it unreachable long before.
CACHE_SECONDS = 24 * 60 * 60


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


def _stamp() -> str:
    return versions.store().read((versions.ALL, versions.LISTINGS))


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
    key = f"browse:fandoms:{_stamp()}"
    rows = cache.get(key)
    if isinstance(rows, list):
        return rows
    counts = {tag_id: n for tag_id, n in fandom_count_query()}
    fandoms = Tag.objects.filter(type=TagType.FANDOM, canonical=True).values_list(
        "pk", "name", "media"
    )
    rows = sorted(
        (
            FandomRow(name, media or Media.UNCATEGORIZED, counts.get(pk, 0))
            for pk, name, media in fandoms
        ),
        key=lambda row: (row.name.casefold(), row.name),
    )
    cache.set(key, rows, CACHE_SECONDS)
    return rows


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
    key = f"browse:languages:{_stamp()}"
    cached = cache.get(key)
    if isinstance(cached, dict):
        return cached
    counts = {code: n for code, n in language_count_query()}
    cache.set(key, counts, CACHE_SECONDS)
    return counts
