"""Atom feeds of tags and the OPDS 1.2 catalog.

Feeds and the catalog are read by programs without a session (feed readers, e-reader apps),
so they list public works only, whoever asks: ``Work.objects.visible_to(AnonymousUser())``.
They answer Atom whatever the Accept header asks for."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ficarchive.collections.actions import find_collection
from ficarchive.collections.queries import in_collection, scope_ids
from ficarchive.core.pagination import PER_PAGE, paginate
from ficarchive.feeds.atom import (
    ACQUISITION_TYPE,
    ATOM_TYPE,
    NAVIGATION_TYPE,
    OPENSEARCH_TYPE,
    Entry,
    Feed,
    Link,
    Person,
    render_feed,
    render_opensearch,
)
from ficarchive.feeds.entries import Site, acquisition_entry, latest, tag_path, work_entry
from ficarchive.search.engine import search_works
from ficarchive.search.query import MAX_QUERY_CHARS
from ficarchive.site import conf as site_conf
from ficarchive.tags.models import MAX_TAG_LENGTH, Tag, TagType
from ficarchive.works.models import Work, WorkQuerySet

FEED_TAG_TYPES = frozenset({TagType.FANDOM, TagType.CHARACTER, TagType.RELATIONSHIP})
TAG_FEED_SIZE = 20
# Everything here is public and the same for everyone: shared caches may keep it a while.
CACHE_CONTROL = "public, max-age=300"
ATOM_CONTENT_TYPE = f"{ATOM_TYPE}; charset=utf-8"
NAVIGATION_CONTENT_TYPE = f"{NAVIGATION_TYPE};charset=utf-8"
ACQUISITION_CONTENT_TYPE = f"{ACQUISITION_TYPE};charset=utf-8"
OPENSEARCH_CONTENT_TYPE = f"{OPENSEARCH_TYPE}; charset=utf-8"
SEARCH_TITLE_CHARS = 100


def public_works() -> WorkQuerySet:
    """Return the works feeds list: what a guest may read (posted, public, not hidden)."""
    return Work.objects.visible_to(AnonymousUser()).posted()


def tag_feed_url(tag: Tag) -> str:
    return f"/tags/{tag_path(tag.name)}/feed.atom"


def _xml(body: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = CACHE_CONTROL
    return response


def _tag(name: str) -> Tag:
    # No tag name is longer than MAX_TAG_LENGTH: do not send a huge name to the database.
    tag = None
    if len(name) <= MAX_TAG_LENGTH:
        # Feeds list public works only, so only tags a guest may see have one.
        tags = Tag.objects.visible_to(AnonymousUser()).select_related("merger")
        tag = tags.filter(name__iexact=name).first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


def archive_name() -> str:
    """The archive's name as staff set it (else FICARCHIVE_SITE_NAME)."""
    return site_conf.current().name


def _site_author(site: Site) -> Person:
    return Person(name=archive_name(), uri=site.url("/"))


# Tag feeds ---------------------------------------------------------------------------------


@require_safe
def tag_feed(request: HttpRequest, name: str) -> HttpResponseBase:
    """The Atom feed of a fandom, character or relationship tag: its newest public works."""
    tag = _tag(name)
    if tag.merger is not None:
        return redirect(tag_feed_url(tag.merger), permanent=True)
    if tag.type not in FEED_TAG_TYPES:
        return render(request, "feeds/no_feed.html", {"tag": tag}, status=404)
    site = Site.of(request)
    works = list(
        public_works()
        .filter(filter_taggings__tag=tag)
        .for_listing()
        .order_by("-updated_at", "-pk")[:TAG_FEED_SIZE]
    )
    feed = Feed(
        id=site.url(tag_feed_url(tag)),
        title=f"{tag.name} · {archive_name()}",
        subtitle=f"The newest works tagged {tag.name}",
        updated=latest(works, tag.created_at),
        author=_site_author(site),
        links=[
            Link(site.url(tag_feed_url(tag)), "self", ATOM_TYPE),
            Link(site.url(tag.get_absolute_url() + "works/"), "alternate", "text/html"),
        ],
        entries=[work_entry(work, site) for work in works],
    )
    return _xml(render_feed(feed), ATOM_CONTENT_TYPE)


@require_safe
def collection_feed(request: HttpRequest, name: str) -> HttpResponseBase:
    """The Atom feed of a collection: the newest public works approved in it (and in its
    sub-collections)."""
    collection = find_collection(name)
    if collection is None:
        raise Http404("No such collection.")
    site = Site.of(request)
    url = f"/collections/{collection.name}/"
    works = list(
        public_works()
        .filter(in_collection(scope_ids(collection)))
        .for_listing()
        .order_by("-updated_at", "-pk")[:TAG_FEED_SIZE]
    )
    feed = Feed(
        id=site.url(url + "feed.atom"),
        title=f"{collection.title} · {archive_name()}",
        subtitle=f"The newest works in the collection {collection.title}",
        updated=latest(works, collection.created_at),
        author=_site_author(site),
        links=[
            Link(site.url(url + "feed.atom"), "self", ATOM_TYPE),
            Link(site.url(url + "works/"), "alternate", "text/html"),
        ],
        entries=[work_entry(work, site) for work in works],
    )
    return _xml(render_feed(feed), ATOM_CONTENT_TYPE)


# OPDS --------------------------------------------------------------------------------------


def _catalog_links(site: Site, self_url: str, kind: str, up: str | None) -> list[Link]:
    links = [
        Link(self_url, "self", kind),
        Link(site.url("/opds/"), "start", NAVIGATION_TYPE, archive_name()),
        Link(site.url("/opds/opensearch.xml"), "search", OPENSEARCH_TYPE, "Search works"),
    ]
    if up is not None:
        links.append(Link(site.url(up), "up", NAVIGATION_TYPE))
    return links


def _paged(
    request: HttpRequest, site: Site, path: str, items: Any, kind: str, **params: str
) -> tuple[Page[Any], str, list[Link]]:
    """Return the page of ``items`` that ?page= names (page 1 when it is not a number, the
    last page past the end), the page's own URL and its first/previous/next/last links."""
    page, _problem = paginate(request, items, PER_PAGE)

    def at(number: int) -> str:
        query = {**params, **({"page": str(number)} if number > 1 else {})}
        return site.url(path + (f"?{urlencode(query)}" if query else ""))

    last = page.paginator.num_pages
    links = [Link(at(1), "first", kind)]
    if page.has_previous():
        links.append(Link(at(page.previous_page_number()), "previous", kind))
    if page.has_next():
        links.append(Link(at(page.next_page_number()), "next", kind))
    links.append(Link(at(last), "last", kind))
    return page, at(page.number), links


def _count(feed: Feed, page: Page[Any]) -> Feed:
    """Return the feed with the OpenSearch counts of its page."""
    feed.total_results = page.paginator.count
    feed.items_per_page = PER_PAGE
    feed.start_index = max(page.start_index(), 1)
    return feed


def _acquisition_feed(
    request: HttpRequest,
    *,
    path: str,
    title: str,
    works: WorkQuerySet,
    up: str,
    subtitle: str = "",
    params: dict[str, str] | None = None,
) -> HttpResponse:
    site = Site.of(request)
    page, self_url, page_links = _paged(
        request, site, path, works.for_listing(), ACQUISITION_TYPE, **(params or {})
    )
    shown = list(page.object_list)
    feed = Feed(
        id=site.url(path + (f"?{urlencode(params)}" if params else "")),
        title=title,
        subtitle=subtitle,
        updated=latest(shown, timezone.now()),
        author=_site_author(site),
        links=_catalog_links(site, self_url, ACQUISITION_TYPE, up) + page_links,
        entries=[acquisition_entry(work, site) for work in shown],
    )
    return _xml(render_feed(_count(feed, page)), ACQUISITION_CONTENT_TYPE)


def _navigation_entry(
    site: Site, path: str, title: str, rel: str, kind: str, text: str, updated: Any
) -> Entry:
    return Entry(
        id=site.url(path),
        title=title,
        updated=updated,
        links=[Link(site.url(path), rel, kind)],
        content=text,
    )


@require_safe
def opds_root(request: HttpRequest) -> HttpResponse:
    """The catalog's start: a navigation feed to the newest works, the most kudos and the
    fandoms; search is the feed's rel="search" link (OpenSearch)."""
    site = Site.of(request)
    updated = public_works().aggregate(latest=Max("updated_at"))["latest"] or timezone.now()
    entries = [
        _navigation_entry(
            site,
            "/opds/new/",
            "Newest works",
            "http://opds-spec.org/sort/new",
            ACQUISITION_TYPE,
            "Works posted or updated most recently.",
            updated,
        ),
        _navigation_entry(
            site,
            "/opds/kudos/",
            "Most kudos",
            "http://opds-spec.org/sort/popular",
            ACQUISITION_TYPE,
            "Works with the most kudos.",
            updated,
        ),
        _navigation_entry(
            site,
            "/opds/fandoms/",
            "By fandom",
            "subsection",
            NAVIGATION_TYPE,
            "Fandoms with the most works first.",
            updated,
        ),
    ]
    feed = Feed(
        id=site.url("/opds/"),
        title=archive_name(),
        subtitle=f"Fan fiction from {archive_name()}, for e-readers.",
        updated=updated,
        author=_site_author(site),
        links=_catalog_links(site, site.url("/opds/"), NAVIGATION_TYPE, None),
        entries=entries,
    )
    return _xml(render_feed(feed), NAVIGATION_CONTENT_TYPE)


@require_safe
def opds_new(request: HttpRequest) -> HttpResponse:
    return _acquisition_feed(
        request,
        path="/opds/new/",
        title="Newest works",
        works=public_works().order_by("-updated_at", "-pk"),
        up="/opds/",
    )


@require_safe
def opds_kudos(request: HttpRequest) -> HttpResponse:
    return _acquisition_feed(
        request,
        path="/opds/kudos/",
        title="Most kudos",
        works=public_works().order_by("-kudos_count", "-pk"),
        up="/opds/",
    )


@require_safe
def opds_fandoms(request: HttpRequest) -> HttpResponse:
    """Canonical fandoms that have public works, the most works first, as a navigation feed."""
    site = Site.of(request)
    public = Q(filter_taggings__work__in=public_works())
    fandoms = (
        Tag.objects.canonical()
        .filter(type=TagType.FANDOM)
        .annotate(
            work_count=Count("filter_taggings", filter=public),
            latest=Max("filter_taggings__work__updated_at", filter=public),
        )
        .filter(work_count__gt=0)
        .order_by("-work_count", "name")
    )
    page, self_url, page_links = _paged(request, site, "/opds/fandoms/", fandoms, NAVIGATION_TYPE)
    shown = list(page.object_list)
    now = timezone.now()
    entries = [
        _navigation_entry(
            site,
            f"/opds/fandoms/{tag_path(tag.name)}/",
            tag.name,
            "subsection",
            ACQUISITION_TYPE,
            f"{tag.work_count} work{'s' if tag.work_count != 1 else ''}",
            tag.latest or now,
        )
        for tag in shown
    ]
    feed = Feed(
        id=site.url("/opds/fandoms/"),
        title="By fandom",
        updated=max((entry.updated for entry in entries), default=now),
        author=_site_author(site),
        links=_catalog_links(site, self_url, NAVIGATION_TYPE, "/opds/") + page_links,
        entries=entries,
    )
    return _xml(render_feed(_count(feed, page)), NAVIGATION_CONTENT_TYPE)


@require_safe
def opds_fandom(request: HttpRequest, name: str) -> HttpResponseBase:
    """The newest public works in one fandom (its synonyms redirect to it)."""
    tag = _tag(name)
    if tag.merger is not None:
        return redirect(f"/opds/fandoms/{tag_path(tag.merger.name)}/", permanent=True)
    if tag.type != TagType.FANDOM:
        raise Http404("The catalog lists fandoms only.")
    return _acquisition_feed(
        request,
        path=f"/opds/fandoms/{tag_path(tag.name)}/",
        title=tag.name,
        subtitle=f"The newest works in {tag.name}",
        works=public_works().filter(filter_taggings__tag=tag).order_by("-updated_at", "-pk"),
        up="/opds/fandoms/",
    )


@require_safe
def opds_search(request: HttpRequest) -> HttpResponse:
    """Search results as an acquisition feed; a query without words finds nothing."""
    q = request.GET.get("q", "")[:MAX_QUERY_CHARS]
    search = search_works(public_works(), q)
    works = search.works if search.active else public_works().none()
    subtitle = (
        " ".join(m for m in (search.message, search.bounded_note) if m)
        if search.active
        else "Type words to search for."
    )
    shown_q = " ".join(q.split())
    if len(shown_q) > SEARCH_TITLE_CHARS:
        shown_q = shown_q[:SEARCH_TITLE_CHARS] + "…"
    return _acquisition_feed(
        request,
        path="/opds/search/",
        title=f"Search: {shown_q}" if shown_q else "Search",
        subtitle=subtitle,
        works=works,
        up="/opds/",
        params={"q": q},
    )


@require_safe
def opensearch(request: HttpRequest) -> HttpResponse:
    """The OpenSearch description e-reader apps read to search the catalog."""
    site = Site.of(request)
    body = render_opensearch(
        short_name=archive_name(),
        description=f"Search the works on {archive_name()}",
        template=site.url("/opds/search/") + "?q={searchTerms}",
        result_type=ACQUISITION_TYPE,
    )
    return _xml(body, OPENSEARCH_CONTENT_TYPE)
