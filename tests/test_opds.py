"""The OPDS 1.2 catalog at /opds/: navigation and acquisition feeds, search, OpenSearch."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import feedparser
import pytest
from django.test import Client

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.feeds.entries import identifier
from ficarchive.formats.downloads import export_document
from ficarchive.formats.exporters import FORMATS
from ficarchive.tags.actions import find_or_create_tags, grant_wrangling, make_synonym
from ficarchive.tags.models import Tag, TagType
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, hostile_corpus, make_work
from tests.downloads import get_file

pytestmark = pytest.mark.django_db

NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
ACQUIRE = "http://opds-spec.org/acquisition"
ATOM = "{http://www.w3.org/2005/Atom}"
DCTERMS = "{http://purl.org/dc/terms/}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


def parse(response: Any, kind: str = ACQUISITION) -> Any:
    """Return the catalog page parsed by feedparser, after checking it is clean OPDS Atom."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == f"{kind};charset=utf-8"
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def links(feed: Any) -> dict[str, str]:
    return {link.rel: link.href for link in feed.feed.links}


def titles(feed: Any) -> list[str]:
    return [entry.title for entry in feed.entries]


def canonical(name: str, tag_type: str = TagType.FANDOM) -> Tag:
    tag = find_or_create_tags(tag_type, [name])[0]
    tag.canonical = True
    tag.save(update_fields=["canonical"])
    return tag


@pytest.fixture
def wrangler(db: None) -> User:
    user = sign_up("wrangler", "wrangler@example.org", PASSWORD)
    grant_wrangling(user)
    return user


@pytest.fixture
def shelf(author: User) -> dict[str, Work]:
    """Public works, plus the kinds of work a catalog must never list."""
    works = {
        "public": make_work(author, "Public", summary="Rain under the dome"),
        "restricted": make_work(author, "Registered only", restricted=True),
        "draft": make_work(author, "A draft", draft=True),
        "hidden": make_work(author, "Hidden by a moderator"),
    }
    Work.objects.filter(pk=works["hidden"].pk).update(hidden=True)
    return works


def test_the_root_is_a_navigation_feed(shelf: dict[str, Work]) -> None:
    feed = parse(Client().get("/opds/"), NAVIGATION)
    assert titles(feed) == ["Newest works", "Most kudos", "By fandom"]
    targets = {entry.title: entry.links[0] for entry in feed.entries}
    assert targets["Newest works"].href == "http://testserver/opds/new/"
    assert targets["Newest works"].rel == "http://opds-spec.org/sort/new"
    assert targets["Newest works"].type == ACQUISITION
    assert targets["Most kudos"].rel == "http://opds-spec.org/sort/popular"
    assert targets["By fandom"].href == "http://testserver/opds/fandoms/"
    assert targets["By fandom"].type == NAVIGATION
    assert all(entry.content[0].value for entry in feed.entries)
    found = links(feed)
    assert found["self"] == found["start"] == "http://testserver/opds/"
    assert found["search"] == "http://testserver/opds/opensearch.xml"
    search = next(link for link in feed.feed.links if link.rel == "search")
    assert search.type == "application/opensearchdescription+xml"


def test_it_answers_atom_whatever_the_accept_header_says(shelf: dict[str, Work]) -> None:
    for accept in ("text/html", "application/json", "application/xml", "*/*", ""):
        headers = {"Accept": accept}
        parse(Client().get("/opds/", headers=headers), NAVIGATION)
        assert titles(parse(Client().get("/opds/new/", headers=headers))) == ["Public"]
    assert Client().post("/opds/").status_code == 405
    assert Client().head("/opds/new/").status_code == 200


def test_acquisition_entries_link_every_download(shelf: dict[str, Work]) -> None:
    work = shelf["public"]
    feed = parse(Client().get("/opds/new/"))
    assert titles(feed) == ["Public"]
    entry = feed.entries[0]
    acquisitions = {link.type: link.href for link in entry.links if link.rel == ACQUIRE}
    assert acquisitions["application/epub+zip"] == (
        f"http://testserver/works/{work.pk}/download/epub/"
    )
    assert acquisitions["text/html"] == f"http://testserver/works/{work.pk}/download/html/"
    if "pdf" in FORMATS:
        assert acquisitions["application/pdf"] == f"http://testserver/works/{work.pk}/download/pdf/"
    first = next(link for link in entry.links if link.rel == ACQUIRE)
    assert first.type == "application/epub+zip"
    alternate = next(link for link in entry.links if link.rel == "alternate")
    assert (alternate.type, alternate.href) == ("text/html", f"http://testserver/works/{work.pk}/")
    assert entry.author == "author"
    assert entry.summary == "Rain under the dome"
    assert [t.term for t in entry.tags] == ["Cowboy Bebop", "No Archive Warnings Apply"]
    assert entry.id == f"http://testserver/works/{work.pk}/"
    # The download links really answer a guest with the file type they announce.
    response = get_file(Client(), acquisitions["application/epub+zip"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/epub+zip"
    # Dublin Core terms, read from the XML itself.
    root = ET.fromstring(Client().get("/opds/new/").content)  # noqa: S314 (our own feed)
    element = root.find(f"{ATOM}entry")
    assert element is not None
    assert element.findtext(f"{DCTERMS}language") == "en"
    document = export_document(Work.objects.for_listing().get(pk=work.pk), include_drafts=False)
    assert element.findtext(f"{DCTERMS}identifier") == document.identifier == identifier(work)


def test_catalogs_never_list_restricted_drafts_or_hidden_works(
    author: User, reader: User, shelf: dict[str, Work]
) -> None:
    canonical("Cowboy Bebop")
    client = Client()
    client.force_login(reader)
    for path in ("/opds/new/", "/opds/kudos/", "/opds/fandoms/Cowboy%20Bebop/"):
        assert titles(parse(client.get(path))) == ["Public"]
    assert titles(parse(client.get("/opds/search/?q=registered"))) == []
    assert titles(parse(client.get("/opds/search/?q=public"))) == ["Public"]
    client.force_login(author)
    assert titles(parse(client.get("/opds/new/"))) == ["Public"]
    fandoms = parse(client.get("/opds/fandoms/"), NAVIGATION)
    assert [e.content[0].value for e in fandoms.entries] == ["1 work"]


def test_most_kudos_sorts_by_the_kudos_counter(author: User) -> None:
    few = make_work(author, "Few kudos")
    many = make_work(author, "Many kudos")
    make_work(author, "No kudos")
    Work.objects.filter(pk=few.pk).update(kudos_count=3)
    Work.objects.filter(pk=many.pk).update(kudos_count=30)
    assert titles(parse(Client().get("/opds/kudos/"))) == ["Many kudos", "Few kudos", "No kudos"]
    assert titles(parse(Client().get("/opds/new/"))) == ["No kudos", "Many kudos", "Few kudos"]


def test_pages_link_first_previous_next_and_last(author: User) -> None:
    for number in range(45):
        make_work(author, f"Work {number}")
    first = parse(Client().get("/opds/new/"))
    assert len(first.entries) == 20 and first.entries[0].title == "Work 44"
    found = links(first)
    assert found["self"] == found["first"] == "http://testserver/opds/new/"
    assert found["next"] == "http://testserver/opds/new/?page=2"
    assert found["last"] == "http://testserver/opds/new/?page=3"
    assert found["start"] == found["up"] == "http://testserver/opds/"
    assert "previous" not in found
    assert first.feed.opensearch_totalresults == "45"
    assert first.feed.opensearch_itemsperpage == "20"
    second = parse(Client().get(found["next"]))
    found = links(second)
    assert found["self"] == "http://testserver/opds/new/?page=2"
    assert found["previous"] == "http://testserver/opds/new/"
    assert found["next"] == "http://testserver/opds/new/?page=3"
    assert second.feed.opensearch_startindex == "21"
    assert second.entries[0].title == "Work 24"
    last = parse(Client().get("/opds/new/?page=3"))
    assert len(last.entries) == 5 and "next" not in links(last)
    # Bad page numbers show page 1 (not a number) or the last page (past the end).
    for bad in ("0", "-1", "x", "1e400", "9" * 400, "<script>", "２", "", "%"):
        response = Client().get("/opds/new/", {"page": bad})
        query = parse_qs(urlsplit(links(parse(response))["self"]).query)
        assert query.get("page", ["1"]) in (["1"], ["3"], ["2"] if bad == "２" else ["1"])


def test_fandoms_list_canonical_fandoms_with_public_works_most_first(
    author: User, wrangler: User
) -> None:
    bebop = canonical("Cowboy Bebop")
    canonical("Trigun")
    canonical("Empty Fandom")
    canonical("Restricted Fandom")
    make_synonym(wrangler, find_or_create_tags(TagType.FANDOM, ["CB"])[0], bebop)
    make_work(author, "One", fandoms=("Cowboy Bebop",))
    make_work(author, "Two", fandoms=("CB",))
    make_work(author, "Three", fandoms=("Trigun", "Fate/stay night"))
    make_work(author, "Secret", fandoms=("Restricted Fandom",), restricted=True)
    feed = parse(Client().get("/opds/fandoms/"), NAVIGATION)
    assert titles(feed) == ["Cowboy Bebop", "Trigun"]
    assert [e.content[0].value for e in feed.entries] == ["2 works", "1 work"]
    link = feed.entries[0].links[0]
    assert (link.rel, link.type) == ("subsection", ACQUISITION)
    assert link.href == "http://testserver/opds/fandoms/Cowboy%20Bebop/"
    assert links(feed)["up"] == "http://testserver/opds/"
    fandom = parse(Client().get(link.href))
    assert sorted(titles(fandom)) == ["One", "Two"]
    assert links(fandom)["up"] == "http://testserver/opds/fandoms/"
    assert fandom.feed.title == "Cowboy Bebop"


def test_fandom_feeds_redirect_synonyms_and_refuse_other_tags(author: User, wrangler: User) -> None:
    bebop = canonical("Cowboy Bebop")
    make_synonym(wrangler, find_or_create_tags(TagType.FANDOM, ["Fate/CB"])[0], bebop)
    make_work(author, characters=["Spike"])
    response = Client().get("/opds/fandoms/Fate*s*CB/")
    assert response.status_code == 301
    assert response["Location"] == "/opds/fandoms/Cowboy%20Bebop/"
    assert Client().get("/opds/fandoms/Spike/").status_code == 404
    assert Client().get("/opds/fandoms/No%20Such%20Fandom/").status_code == 404
    assert Client().get("/opds/fandoms/" + "y" * 3000 + "/").status_code == 404


def test_fandom_names_with_url_characters_round_trip(author: User) -> None:
    canonical("Fate/stay night & Co.")
    make_work(author, fandoms=("Fate/stay night & Co.",))
    feed = parse(Client().get("/opds/fandoms/"), NAVIGATION)
    href = feed.entries[0].links[0].href
    assert href == "http://testserver/opds/fandoms/Fate*s*stay%20night%20*a*%20Co*d*/"
    assert titles(parse(Client().get(href))) == ["Dome Weather"]


def test_the_fandom_list_is_paginated(author: User) -> None:
    for number in range(22):
        canonical(f"Fandom {number:02}")
    make_work(author, fandoms=tuple(f"Fandom {number:02}" for number in range(22)))
    first = parse(Client().get("/opds/fandoms/"), NAVIGATION)
    assert len(first.entries) == 20 and first.entries[0].title == "Fandom 00"
    assert links(first)["next"] == "http://testserver/opds/fandoms/?page=2"
    second = parse(Client().get("/opds/fandoms/?page=2"), NAVIGATION)
    assert titles(second) == ["Fandom 20", "Fandom 21"]


def test_search_finds_public_works(shelf: dict[str, Work], author: User) -> None:
    make_work(author, "Stone Bridge", text="They met on the stone bridge at noon.")
    feed = parse(Client().get("/opds/search/?q=stone+bridge"))
    assert titles(feed) == ["Stone Bridge"]
    assert feed.feed.title == "Search: stone bridge"
    assert links(feed)["self"] == "http://testserver/opds/search/?q=stone+bridge"
    assert [e.title for e in parse(Client().get("/opds/search/?q=dome")).entries] == ["Public"]
    for nothing in ("", "   ", "-dome", "OR", '"', "*", "NEAR(", "^", "col:"):
        feed = parse(Client().get("/opds/search/", {"q": nothing}))
        assert titles(feed) == []


def test_search_pages_keep_the_query(author: User) -> None:
    for number in range(23):
        make_work(author, f"Lantern {number}")
    feed = parse(Client().get("/opds/search/?q=lantern"))
    assert len(feed.entries) == 20
    assert links(feed)["next"] == "http://testserver/opds/search/?q=lantern&page=2"
    assert len(parse(Client().get(links(feed)["next"])).entries) == 3


def test_hostile_search_queries_give_valid_feeds(shelf: dict[str, Work]) -> None:
    strings = list(hostile_corpus())
    sample = [
        *random.Random(5).sample(strings, 60),
        "dome " * 5000,
        "a" * 100_000,
        '"unbalanced quote',
        "dome OR OR -",
    ]
    for q in sample:
        if "\x00" in q:
            continue
        response = Client().get("/opds/search/", {"q": q})
        feed = parse(response)
        assert len(feed.feed.title) < 120
    assert Client().get("/opds/search/?q=%00").status_code == 400


def test_the_opensearch_description_points_at_the_search_feed() -> None:
    response = Client().get("/opds/opensearch.xml", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/opensearchdescription+xml; charset=utf-8"
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    assert root.tag == f"{OPENSEARCH}OpenSearchDescription"
    assert root.findtext(f"{OPENSEARCH}ShortName") == "ficarchive"
    url = root.find(f"{OPENSEARCH}Url")
    assert url is not None
    assert url.get("type") == ACQUISITION
    assert url.get("template") == "http://testserver/opds/search/?q={searchTerms}"
    filled = url.get("template", "").replace("{searchTerms}", quote("dome"))
    parse(Client().get(filled.removeprefix("http://testserver")))


def test_catalog_pages_take_a_flat_number_of_queries(
    author: User, django_assert_max_num_queries: Any
) -> None:
    canonical("Cowboy Bebop")
    canonical("Trigun")

    def read_all() -> None:
        client = Client()
        with django_assert_max_num_queries(1):
            parse(client.get("/opds/"), NAVIGATION)
        for path in (
            "/opds/new/",
            "/opds/kudos/",
            "/opds/new/?page=2",
        ):
            # The works, their tags, their creators, their gifts ("For ...").
            with django_assert_max_num_queries(5):
                parse(client.get(path))
        # One more: a search first reads the ids of its newest matches (bounded ranking).
        with django_assert_max_num_queries(6):
            parse(client.get("/opds/search/?q=dome"))
        with django_assert_max_num_queries(6):
            parse(client.get("/opds/fandoms/Cowboy%20Bebop/"))
        with django_assert_max_num_queries(2):
            parse(client.get("/opds/fandoms/"), NAVIGATION)

    make_work(author, "First", text="dome", characters=["Spike"], freeforms=["Rain"])
    read_all()
    for number in range(25):
        make_work(
            author,
            f"Work {number}",
            text="dome",
            fandoms=("Cowboy Bebop", "Trigun", f"Fandom {number}"),
            characters=["Spike", "Faye"],
            freeforms=["Rain", f"Tag {number}"],
        )
    read_all()
