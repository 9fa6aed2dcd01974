"""Listings of works: the filter form's state, read from the query string, turned into a
QuerySet; sorting; page-number pagination that stays fast on deep pages; and facet counts.

The whole state lives in the query string, so every listing is a link:

    /works/?include=Julia&exclude=Angst&rating=teen&sort=kudos&page=3

- ``q``: full-text query (ficarchive.search), combined with every filter below;
- ``include`` / ``exclude`` (repeatable): tag names of any type; a synonym stands for its
  canonical tag and a tag includes the works of the tags below it (filter tags);
- ``rating`` (repeatable), ``language``, ``complete=1``, ``crossover=only|exclude``,
  ``words_from`` / ``words_to``, ``updated_since=YYYY-MM-DD``;
- ``sort``: a key of ``SORT_FIELDS`` (or ``relevance`` with ``q``); ``page``: a number.

Nothing a reader types can make a listing fail: an unknown tag, a bad number or date, or a
page past the end leaves that part out (or shows the last page) and says so in ``problems``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.safestring import SafeString

from ficarchive.core.numbers import parse_whole_number
from ficarchive.search.engine import WorkSearch, search_works
from ficarchive.search.query import quoted_query
from ficarchive.tags.models import FilterTagging, Tag, TagType
from ficarchive.works.blurbs import render_blurbs
from ficarchive.works.models import LANGUAGE_NAMES, SORT_FIELDS, Rating, Work, WorkQuerySet

PER_PAGE = 20
MAX_TAGS = 10  # included or excluded tags each: more is someone scripting, not reading
MAX_PARAM = 300  # characters of one value that are looked at
MAX_WORDS = 10_000_000
FRESH_LIMIT = 5_000  # listings that look at more works than this keep counts in the cache
DRIVE_LIMIT = 20_000  # an included tag with no more works than this is where a query starts
COUNT_CACHE_SECONDS = 60
TAG_SIZE_CACHE_SECONDS = 300
FACET_SAMPLE = 1000  # facets count the tags of this many works from the top of the results
FACETS_PER_TYPE = 8
FACET_TYPES: list[tuple[str, str]] = [
    (TagType.FANDOM, "Fandoms"),
    (TagType.RELATIONSHIP, "Relationships"),
    (TagType.CHARACTER, "Characters"),
    (TagType.FREEFORM, "Additional tags"),
    (TagType.WARNING, "Warnings"),
    (TagType.CATEGORY, "Categories"),
]
SORT_CHOICES = [(key, label) for key, (_field, label) in SORT_FIELDS.items()]
RELEVANCE = "relevance"


@dataclass
class Filters:
    """What the reader asked for, cleaned. ``problems`` holds what was left out and why."""

    q: str = ""
    include: list[Tag] = field(default_factory=list)
    exclude: list[Tag] = field(default_factory=list)
    ratings: list[str] = field(default_factory=list)
    language: str = ""
    complete: bool = False
    crossover: str = ""
    words_from: int | None = None
    words_to: int | None = None
    updated_since: dt.date | None = None
    sort: str = "updated"
    problems: list[str] = field(default_factory=list)

    @property
    def narrowed(self) -> bool:
        """True when anything besides the sort order narrows the works."""
        return bool(
            self.q
            or self.include
            or self.exclude
            or self.ratings
            or self.language
            or self.complete
            or self.crossover
            or self.words_from is not None
            or self.words_to is not None
            or self.updated_since
        )

    def params(self) -> list[tuple[str, str]]:
        """Return the cleaned state as query-string pairs (what links to this listing carry)."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        pairs += [("include", t.name) for t in self.include]
        pairs += [("exclude", t.name) for t in self.exclude]
        pairs += [("rating", r) for r in self.ratings]
        if self.language:
            pairs.append(("language", self.language))
        if self.complete:
            pairs.append(("complete", "1"))
        if self.crossover:
            pairs.append(("crossover", self.crossover))
        if self.words_from is not None:
            pairs.append(("words_from", str(self.words_from)))
        if self.words_to is not None:
            pairs.append(("words_to", str(self.words_to)))
        if self.updated_since:
            pairs.append(("updated_since", self.updated_since.isoformat()))
        default_sort = RELEVANCE if self.q else "updated"
        if self.sort != default_sort:
            pairs.append(("sort", self.sort))
        return pairs

    def query_string(self, **changes: Any) -> str:
        """Return this state's query string (without page) with some keys replaced."""
        pairs = [(k, v) for k, v in self.params() if k not in changes]
        for key, value in changes.items():
            if isinstance(value, list):
                pairs += [(key, v) for v in value]
            elif value not in (None, ""):
                pairs.append((key, str(value)))
        return urlencode(pairs)

    def with_tag(self, kind: str, tag: Tag) -> str:
        """Return the query string with `tag` added to include or exclude."""
        names = [t.name for t in getattr(self, kind)]
        return self.query_string(**{kind: [*names, tag.name]})

    def without_tag(self, kind: str, tag: Tag) -> str:
        names = [t.name for t in getattr(self, kind) if t.pk != tag.pk]
        return self.query_string(**{kind: names})


def _values(params: QueryDict, key: str) -> list[str]:
    return [v[:MAX_PARAM].strip() for v in params.getlist(key) if v.strip()]


def _number(raw: str, label: str, problems: list[str]) -> int | None:
    if not raw:
        return None
    number = parse_whole_number(raw.replace(",", "").replace("_", ""))
    if number is None or number > MAX_WORDS:
        problems.append(
            f"“{raw[:30]}” is not a word count from 0 to {MAX_WORDS:,}; {label} left out."
        )
        return None
    return number


def _find_tags(names: list[str], problems: list[str]) -> list[Tag]:
    """Return the canonical tags these names stand for (a synonym stands for its canonical
    tag), in the order given, without duplicates. Unknown names are reported."""
    if len(names) > MAX_TAGS:
        problems.append(
            f"Only {MAX_TAGS} tags can be included or excluded; the rest were left out."
        )
        names = names[:MAX_TAGS]
    if not names:
        return []
    found: dict[str, Tag] = {}
    query = Q()
    for name in names:
        query |= Q(name__iexact=name)
    for row in Tag.objects.filter(query).select_related("merger"):
        found[row.name.casefold()] = row.merger or row
    tags: list[Tag] = []
    for name in names:
        tag: Tag | None = found.get(name.casefold())
        if tag is None:
            # Case-insensitive matching in the database may fold more than casefold() does.
            tag = next((t for key, t in found.items() if key.lower() == name.lower()), None)
        if tag is None:
            problems.append(f"No tag is named “{name[:80]}”, so it was left out of the filter.")
        elif all(t.pk != tag.pk for t in tags):
            tags.append(tag)
    return tags


def parse_filters(params: QueryDict, *, fixed: Tag | None = None) -> Filters:
    """Read the filter state from a query string. ``fixed`` is the tag of a tag's listing: it
    is always included and not repeated in the state."""
    f = Filters()
    problems = f.problems
    f.q = params.get("q", "")[:500].strip()
    f.include = [t for t in _find_tags(_values(params, "include"), problems) if t != fixed]
    f.exclude = _find_tags(_values(params, "exclude"), problems)
    if fixed is not None and any(t.pk == fixed.pk for t in f.exclude):
        problems.append(f"This page lists works tagged “{fixed.name}”, so it cannot be excluded.")
        f.exclude = [t for t in f.exclude if t.pk != fixed.pk]
    clash = {t.pk for t in f.include} & {t.pk for t in f.exclude}
    if clash:
        problems.append("A tag cannot be both included and excluded; it was left out of both.")
        f.include = [t for t in f.include if t.pk not in clash]
        f.exclude = [t for t in f.exclude if t.pk not in clash]
    for rating in _values(params, "rating"):
        if rating not in Rating.values:
            problems.append(f"“{rating[:30]}” is not a rating; it was left out.")
        elif rating not in f.ratings:
            f.ratings.append(rating)
    language = params.get("language", "")[:MAX_PARAM].strip()
    if language and language not in LANGUAGE_NAMES:
        problems.append(f"“{language[:30]}” is not a language of this archive; it was left out.")
    else:
        f.language = language
    f.complete = params.get("complete", "") in {"1", "on", "true", "yes"}
    crossover = params.get("crossover", "")
    if crossover in {"only", "exclude"}:
        f.crossover = crossover
    elif crossover:
        problems.append("Crossovers can be “only” or “exclude”; that choice was left out.")
    f.words_from = _number(params.get("words_from", "")[:MAX_PARAM], "the lowest", problems)
    f.words_to = _number(params.get("words_to", "")[:MAX_PARAM], "the highest", problems)
    since = params.get("updated_since", "")[:MAX_PARAM].strip()
    if since:
        try:
            f.updated_since = dt.date.fromisoformat(since)
        except ValueError:
            problems.append(f"“{since[:30]}” is not a date like 2024-05-31; it was left out.")
    sort = params.get("sort", "")
    allowed = set(SORT_FIELDS) | ({RELEVANCE} if f.q else set())
    if sort and sort not in allowed:
        problems.append(
            f"Works cannot be sorted by “{sort[:30]}”; they are sorted by date updated."
        )
        sort = ""
    f.sort = sort or (RELEVANCE if f.q else "updated")
    return f


def _has_filter_tag(tag: Tag) -> Exists:
    return Exists(FilterTagging.objects.filter(work_id=OuterRef("pk"), tag_id=tag.pk))


def apply_filters(
    works: WorkQuerySet, f: Filters, *, fixed: Tag | None = None, drive: Tag | None = None
) -> WorkQuerySet:
    """Narrow ``works`` (already limited to what the reader may see) by everything in ``f``
    except ``q`` and the sort order.

    ``drive`` is an included tag with few works: the query then starts from that tag's works
    (``id IN (its works)``) and sorts them, instead of walking the sort index and checking
    each work for the tags, which for a rare tag would walk most of the archive."""
    for tag in [fixed, *f.include] if fixed else f.include:
        if drive is not None and tag.pk == drive.pk:
            works = works.filter(pk__in=FilterTagging.objects.filter(tag=tag).values("work_id"))
        else:
            works = works.filter(_has_filter_tag(tag))
    for tag in f.exclude:
        works = works.exclude(_has_filter_tag(tag))
    if f.ratings:
        works = works.filter(rating__in=f.ratings)
    if f.language:
        works = works.filter(language=f.language)
    if f.complete:
        works = works.filter(complete=True)
    if f.crossover:
        works = works.filter(crossover=f.crossover == "only")
    if f.words_from is not None:
        works = works.filter(word_count__gte=f.words_from)
    if f.words_to is not None:
        works = works.filter(word_count__lte=f.words_to)
    if f.updated_since:
        start = dt.datetime.combine(f.updated_since, dt.time.min, tzinfo=dt.UTC)
        works = works.filter(updated_at__gte=start)
    return works


def order_works(works: WorkQuerySet, sort: str) -> WorkQuerySet:
    """Order by one of SORT_FIELDS: newest, most or longest first; titles from A."""
    field_name = SORT_FIELDS.get(sort, SORT_FIELDS["updated"])[0]
    if sort == "title":
        return works.order_by(field_name, "pk")
    return works.order_by(f"-{field_name}", "-pk")


@dataclass
class Facet:
    tag: Tag
    count: int
    include_qs: str
    exclude_qs: str


def muted_notice(hidden: int) -> str:
    """Return "3 works hidden by your muted tags" ("" when none were)."""
    if hidden <= 0:
        return ""
    return f"{hidden:,} work{'' if hidden == 1 else 's'} hidden by your muted tags"


@dataclass
class Listing:
    """One page of a listing, with everything its template shows."""

    filters: Filters
    works: list[Work]
    count: int
    number: int
    num_pages: int
    search: WorkSearch | None = None
    snippets: dict[int, Any] = field(default_factory=dict)
    blurbs: list[SafeString] = field(default_factory=list)
    facets: list[tuple[str, str, list[Facet]]] = field(default_factory=list)
    facets_sampled: bool = False
    muted_hidden: int = 0  # works left out because they carry a tag the reader muted

    @property
    def search_label(self) -> str:
        """Return the query for the results sentence: “stone bridge”, without doubled quotes."""
        return quoted_query(self.filters.q)

    @property
    def muted_notice(self) -> str:
        return muted_notice(self.muted_hidden)

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PER_PAGE + 1 if self.count else 0

    @property
    def end_index(self) -> int:
        return min(self.number * PER_PAGE, self.count)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    def page_link(self, number: int) -> str:
        return self.filters.query_string(page=number if number > 1 else None)

    @property
    def previous_link(self) -> str:
        return self.page_link(self.number - 1)

    @property
    def next_link(self) -> str:
        return self.page_link(self.number + 1)

    @property
    def page_links(self) -> list[tuple[int | None, str]]:
        """Return (page number, query string) pairs for a compact page list: first, last and
        the pages around this one, with None marking a gap."""
        shown = sorted(
            {
                1,
                self.num_pages,
                *range(max(1, self.number - 2), min(self.num_pages, self.number + 2) + 1),
            }
        )
        links: list[tuple[int | None, str]] = []
        previous = 0
        for number in shown:
            if number - previous > 1:
                links.append((None, ""))
            links.append((number, self.page_link(number)))
            previous = number
        return links


def _page_number(raw: str, problems: list[str]) -> int:
    raw = raw[:MAX_PARAM].strip()
    if not raw:
        return 1
    number = parse_whole_number(raw)
    if number is None or number < 1:
        problems.append(f"“{raw[:20]}” is not a page number; showing page 1.")
        return 1
    return min(number, 10**9)


def _facets(
    works: QuerySet[Work], f: Filters, fixed: Tag | None
) -> list[tuple[str, str, list[Facet]]]:
    """Count the tags of the works at the top of the results (all of them when there are no
    more than FACET_SAMPLE). Three queries: the sample's ids, their tag counts, the tags."""
    sample = list(works.values_list("pk", flat=True)[:FACET_SAMPLE])
    rows = list(
        FilterTagging.objects.filter(work_id__in=sample)
        .values("tag_id")
        .annotate(n=Count("work_id"))
        .order_by("-n", "tag_id")[:400]
    )
    shown = {t.pk for t in f.include} | {t.pk for t in f.exclude} | ({fixed.pk} if fixed else set())
    # A tag every result has (the included fandom's meta tag, say) narrows nothing.
    counts = {
        r["tag_id"]: r["n"] for r in rows if r["tag_id"] not in shown and r["n"] < len(sample)
    }
    tags = {t.pk: t for t in Tag.objects.filter(pk__in=counts)}
    by_type: dict[str, list[Facet]] = {}
    for tag_id, n in counts.items():
        tag = tags.get(tag_id)
        if tag is None:
            continue
        group = by_type.setdefault(tag.type, [])
        if len(group) < FACETS_PER_TYPE:
            group.append(Facet(tag, n, f.with_tag("include", tag), f.with_tag("exclude", tag)))
    return [(t, label, by_type[t]) for t, label in FACET_TYPES if by_type.get(t)]


@dataclass
class Plan:
    """How a listing's query is run, chosen from how many works it may have to look at."""

    candidates: int  # an upper bound on the works the filters are applied to
    drive: Tag | None  # the included tag to start from, when it has few works

    @property
    def small(self) -> bool:
        return self.candidates <= FRESH_LIMIT


def plan_listing(f: Filters, fixed: Tag | None) -> Plan:
    """Bound the works a listing looks at: the works of its rarest included tag, or the whole
    archive (its highest id). One cheap query: an index-only count per included tag, or
    MAX(id). Tag sizes are cached for a few minutes: they only choose a plan."""
    tags = ([fixed] if fixed else []) + f.include
    if not tags:
        highest = Work.objects.aggregate(highest=Max("pk"))["highest"] or 0
        return Plan(candidates=highest, drive=None)
    sizes: dict[int, int] = {}
    missing = []
    for tag in tags:
        cached = cache.get(f"tag-size:{tag.pk}")
        if isinstance(cached, int):
            sizes[tag.pk] = cached
        else:
            missing.append(tag.pk)
    if missing:
        rows = (
            FilterTagging.objects.filter(tag_id__in=missing)
            .values("tag_id")
            .annotate(n=Count("work_id"))
        )
        counted = {r["tag_id"]: r["n"] for r in rows}
        for pk in missing:
            sizes[pk] = counted.get(pk, 0)
            cache.set(f"tag-size:{pk}", sizes[pk], TAG_SIZE_CACHE_SECONDS)
    rarest = min(tags, key=lambda t: sizes[t.pk])
    size = sizes[rarest.pk]
    return Plan(candidates=size, drive=rarest if size <= DRIVE_LIMIT else None)


def _cache_key(kind: str, f: Filters, fixed: Tag | None, viewer: str) -> str:
    state = repr((kind, f.params(), fixed.pk if fixed else None, viewer))
    return "listing:" + hashlib.blake2b(state.encode(), digest_size=16).hexdigest()


def count_works(
    works: QuerySet[Work], f: Filters, fixed: Tag | None, viewer: str, plan: Plan
) -> int:
    """Return how many works match. When the filters look at no more than FRESH_LIMIT works
    the count is exact and fresh. Beyond that, counting costs more than a page should, so
    the count is kept in the cache for COUNT_CACHE_SECONDS, keyed by the filters and by who
    is looking (``viewer``): a count of tens of thousands may be a minute behind."""
    if plan.small:
        return works.order_by().count()
    key = _cache_key("count", f, fixed, viewer)
    cached = cache.get(key)
    if isinstance(cached, int):
        return cached
    count = works.order_by().count()
    cache.set(key, count, COUNT_CACHE_SECONDS)
    return count


def build_listing(
    works: WorkQuerySet,
    params: QueryDict,
    *,
    fixed: Tag | None = None,
    facets: bool = True,
    viewer: str = "guest",
    muted: Exists | None = None,
    bound: int | None = None,
) -> Listing:
    """Return the page of ``works`` (what the reader may see) that the query string asks for.
    ``viewer`` names whose view of the archive ``works`` is ("guest", or one per user and
    state of their mutes), for the cache of large counts. ``muted`` is the condition "carries
    a tag the reader muted" (`ficarchive.preferences.queries.carries_muted_tag`): such works
    are left out, and counted in ``muted_hidden``. ``bound`` is an upper bound on the works
    ``works`` holds when it is already narrowed to a few (a collection's items), so their
    counts are fresh.

    The page is found in two steps so deep pages stay fast: the ids of the page are read from
    the sort index alone (OFFSET over an index of (status, sort key, id)), then only those
    twenty works are loaded with their tags and creators."""
    f = parse_filters(params, fixed=fixed)
    plan = plan_listing(f, fixed)
    if bound is not None and bound < plan.candidates:
        plan = Plan(candidates=bound, drive=plan.drive)
    narrowed = apply_filters(works, f, fixed=fixed, drive=plan.drive)
    search: WorkSearch | None = None
    if f.q:
        search = search_works(narrowed, f.q, rank=f.sort == RELEVANCE)
        if search.message and not search.active:
            f.problems.append(search.message)
        if search.active:
            narrowed = search.works
        elif f.sort == RELEVANCE:
            f.sort = "updated"
    muted_hidden = 0
    if muted is not None:
        muted_hidden = count_works(narrowed.filter(muted), f, fixed, viewer + ":muted", plan)
        narrowed = narrowed.exclude(muted)
    ordered: QuerySet[Work] = narrowed if f.sort == RELEVANCE else order_works(narrowed, f.sort)
    count = count_works(narrowed, f, fixed, viewer, plan)
    num_pages = max(1, -(-count // PER_PAGE))
    number = _page_number(params.get("page", ""), f.problems)
    if number > num_pages:
        f.problems.append(f"There is no page {number:,}; showing page {num_pages:,}, the last.")
        number = num_pages
    offset = (number - 1) * PER_PAGE
    ids = list(ordered.values_list("pk", flat=True)[offset : offset + PER_PAGE])
    loaded = {w.pk: w for w in Work.objects.filter(pk__in=ids)}
    page_works = [loaded[pk] for pk in ids if pk in loaded]
    listing = Listing(
        filters=f,
        works=page_works,
        count=count,
        number=number,
        num_pages=num_pages,
        search=search if search and search.active else None,
        muted_hidden=muted_hidden,
    )
    if listing.search is not None:
        listing.snippets = listing.search.snippets(page_works)
    listing.blurbs = render_blurbs(page_works, snippets=listing.snippets)
    if facets and count:
        if plan.small:
            listing.facets = _facets(ordered, f, fixed)
        else:
            key = _cache_key("facets", f, fixed, viewer)
            cached = cache.get(key)
            if cached is None:
                cached = _facets(ordered, f, fixed)
                cache.set(key, cached, COUNT_CACHE_SECONDS)
            listing.facets = cached
        listing.facets_sampled = count > FACET_SAMPLE
    return listing


def since_choices() -> list[tuple[str, str]]:
    """Return the quick choices for "updated since": a week, a month, a year ago."""
    today = timezone.now().date()
    return [
        ((today - dt.timedelta(days=7)).isoformat(), "In the last week"),
        ((today - dt.timedelta(days=31)).isoformat(), "In the last month"),
        ((today - dt.timedelta(days=365)).isoformat(), "In the last year"),
    ]
