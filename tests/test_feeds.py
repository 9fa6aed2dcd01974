"""Atom feeds of fandom, character and relationship tags: `/tags/<tag>/feed.atom`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import feedparser
import pytest
from django.test import Client

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.feeds.atom import Entry, Feed, render_feed, xml_safe
from ficarchive.tags.actions import (
    FORBIDDEN_TAG_CHARS,
    find_or_create_tags,
    grant_wrangling,
    make_synonym,
)
from ficarchive.tags.models import Tag, TagType
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response: Any) -> Any:
    """Return the feed parsed by feedparser, after checking it is a clean Atom document."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def hostile_strings() -> list[str]:
    return list(hostile_corpus())


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


def test_it_lists_the_newest_public_works_of_a_fandom(author: User) -> None:
    older = make_work(
        author,
        "Older",
        summary="A quiet summary & more\n\nA second paragraph",
        characters=["Spike Spiegel"],
        relationships=["Spike Spiegel/Julia"],
        freeforms=["Rain"],
        rating="teen",
    )
    newer = make_work(author, "Newer")
    make_work(author, "Registered only", restricted=True)
    make_work(author, "A draft", draft=True)
    hidden = make_work(author, "Hidden by a moderator")
    Work.objects.filter(pk=hidden.pk).update(hidden=True)
    make_work(author, "Elsewhere", fandoms=("Trigun",))

    feed = parse(Client().get("/tags/Cowboy%20Bebop/feed.atom"))

    assert [e.title for e in feed.entries] == ["Newer", "Older"]
    assert feed.feed.title == "Cowboy Bebop · ficarchive"
    assert feed.feed.id == "http://testserver/tags/Cowboy%20Bebop/feed.atom"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == "http://testserver/tags/Cowboy%20Bebop/feed.atom"
    assert links["alternate"] == "http://testserver/tags/Cowboy%20Bebop/works/"
    assert feed.feed.updated_parsed is not None
    entry = feed.entries[1]
    assert entry.id == f"http://testserver/works/{older.pk}/"
    assert entry.link == f"http://testserver/works/{older.pk}/"
    assert entry.author == "author"
    assert entry.authors[0].href == "http://testserver/users/author/pseuds/author/"
    assert entry.published_parsed is not None and entry.updated_parsed is not None
    assert entry.summary_detail.type == "text/html"
    assert "<p>A quiet summary &amp; more</p>" in entry.summary
    terms = [t.term for t in entry.tags]
    assert terms[0] == "Cowboy Bebop"
    assert {"Spike Spiegel", "Spike Spiegel/Julia", "Rain"} <= set(terms)
    content = entry.content[0]
    assert content.type == "text/html"
    assert "Rating: Teen And Up Audiences" in content.value
    assert "Words: " in content.value and "Chapters: 1/?" in content.value
    assert "Characters: " in content.value and "http://testserver/tags/Spike%20Spiegel/" in (
        content.value
    )
    assert feed.entries[0].id == f"http://testserver/works/{newer.pk}/"


def test_it_serves_atom_whatever_the_accept_header_says(author: User) -> None:
    make_work(author)
    for accept in ("text/html", "application/json", "*/*", "application/rss+xml"):
        response = Client().get("/tags/Cowboy%20Bebop/feed.atom", headers={"Accept": accept})
        assert len(parse(response).entries) == 1
    assert Client().head("/tags/Cowboy%20Bebop/feed.atom").status_code == 200
    assert Client().post("/tags/Cowboy%20Bebop/feed.atom").status_code == 405


def test_it_never_lists_registered_only_works_even_to_a_logged_in_reader(
    author: User, reader: User
) -> None:
    make_work(author, "Public")
    make_work(author, "Registered only", restricted=True)
    client = Client()
    client.force_login(reader)
    feed = parse(client.get("/tags/Cowboy%20Bebop/feed.atom"))
    assert [e.title for e in feed.entries] == ["Public"]
    client.force_login(author)
    assert [e.title for e in parse(client.get("/tags/Cowboy%20Bebop/feed.atom")).entries] == [
        "Public"
    ]


def test_character_and_relationship_tags_have_feeds(author: User) -> None:
    make_work(author, characters=["Faye Valentine"], relationships=["Faye/Jet"])
    for path in ("/tags/Faye%20Valentine/feed.atom", "/tags/Faye*s*Jet/feed.atom"):
        assert [e.title for e in parse(Client().get(path)).entries] == ["Dome Weather"]


def test_other_tags_have_no_feed_and_say_why(author: User) -> None:
    make_work(author, freeforms=["Rain"], warnings=["No Archive Warnings Apply"])
    for path in ("/tags/Rain/feed.atom", "/tags/No%20Archive%20Warnings%20Apply/feed.atom"):
        response = Client().get(path)
        assert response.status_code == 404
        assert b"only those tags have feeds" in response.content
    assert Client().get("/tags/Nothing%20Here/feed.atom").status_code == 404
    assert Client().get("/tags/" + "x" * 5000 + "/feed.atom").status_code == 404
    assert Client().get("/tags/%00/feed.atom").status_code == 400


def test_a_synonym_feed_redirects_to_its_canonical_tag(author: User, wrangler: User) -> None:
    bebop = canonical("Cowboy Bebop")
    synonym = find_or_create_tags(TagType.FANDOM, ["カウボーイビバップ"])[0]
    make_synonym(wrangler, synonym, bebop)
    make_work(author, fandoms=("カウボーイビバップ",))
    response = Client().get(
        "/tags/%E3%82%AB%E3%82%A6%E3%83%9C%E3%83%BC%E3%82%A4%E3%83%93%E3%83%90%E3%83%83%E3%83%97/feed.atom"
    )
    assert response.status_code == 301
    assert response["Location"] == "/tags/Cowboy%20Bebop/feed.atom"
    feed = parse(Client().get(response["Location"]))
    assert [e.title for e in feed.entries] == ["Dome Weather"]


def test_tag_names_with_url_characters_round_trip(author: User) -> None:
    make_work(author, fandoms=("Fate/stay night & Co. #1?",))
    response = Client().get("/tags/Fate*s*stay%20night%20*a*%20Co*d*%20*h*1*q*/")
    assert response.status_code == 200
    feed_url = "/tags/Fate*s*stay%20night%20*a*%20Co*d*%20*h*1*q*/feed.atom"
    assert f'href="{feed_url}"'.encode() in response.content
    feed = parse(Client().get(feed_url))
    assert feed.feed.title.startswith("Fate/stay night & Co. #1?")
    assert feed.feed.id == "http://testserver" + feed_url


def test_the_tag_page_links_its_feed(author: User) -> None:
    make_work(author, freeforms=["Rain"])
    page = Client().get("/tags/Cowboy%20Bebop/").content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Cowboy Bebop: newest works" '
        'href="/tags/Cowboy%20Bebop/feed.atom">'
    ) in page
    assert '<a href="/tags/Cowboy%20Bebop/feed.atom" type="application/atom+xml">' in page
    assert "Subscribe to the feed</a>" in page
    assert_nothing_executable(page, page=True)
    rain = Client().get("/tags/Rain/").content.decode()
    assert "feed.atom" not in rain and "Subscribe to the feed" not in rain


def test_a_synonym_page_links_the_canonical_feed(author: User, wrangler: User) -> None:
    bebop = canonical("Cowboy Bebop")
    make_synonym(wrangler, find_or_create_tags(TagType.FANDOM, ["CB"])[0], bebop)
    page = Client().get("/tags/CB/").content.decode()
    assert 'href="/tags/Cowboy%20Bebop/feed.atom"' in page
    assert "Subscribe to the feed</a> of the newest works in Cowboy Bebop" in page


def test_it_shows_twenty_works_in_a_flat_number_of_queries(
    author: User, django_assert_max_num_queries: Any
) -> None:
    make_work(author, "First", characters=["Spike"], freeforms=["Rain", "Dome"])
    client = Client()
    # The tag, the works, their tags, their creators, their gifts ("For ...").
    with django_assert_max_num_queries(5):
        assert len(parse(client.get("/tags/Cowboy%20Bebop/feed.atom")).entries) == 1
    for number in range(22):
        make_work(author, f"Work {number}", characters=["Spike"], freeforms=["Rain", "Dome"])
    with django_assert_max_num_queries(5):
        feed = parse(client.get("/tags/Cowboy%20Bebop/feed.atom"))
    assert len(feed.entries) == 20
    assert feed.entries[0].title == "Work 21"


def test_hostile_titles_summaries_and_tags_make_valid_feeds(author: User) -> None:
    sample = [*hostile_strings()[::25][:40], "]]> & <script>alert(1)</script>", "\x01\x0b text"]
    for number, text in enumerate(sample):
        freeform = "".join(c for c in text[:100] if c not in FORBIDDEN_TAG_CHARS).strip()
        make_work(
            author,
            f"{text[:200]} {number}",
            summary=text,
            freeforms=[freeform] if freeform else [],
            characters=["Spike"],
        )
    response = Client().get("/tags/Spike/feed.atom")
    feed = parse(response)
    assert len(feed.entries) == 20
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 20
    for entry in entries:
        # The HTML inside the feed is the sanitized summary and escaped metadata.
        assert_nothing_executable(entry.findtext(f"{ATOM}summary") or "")
        assert_nothing_executable(entry.findtext(f"{ATOM}content") or "")
    titles = {entry.findtext(f"{ATOM}title") for entry in entries}
    assert "]]> & <script>alert(1)</script> 40" in titles


def test_the_builder_escapes_everything_and_drops_what_xml_cannot_hold() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    feed = Feed(
        id="http://example.org/f?a=1&b=2",
        title="<b>\x00bold</b> & \ud800",
        updated=moment,
        entries=[Entry(id="urn:x:1", title="", updated=moment, summary="<p>\x1f</p>")],
    )
    body = render_feed(feed)
    root = ET.fromstring(body)  # noqa: S314 (our own feed)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "<b>bold</b> &"
    assert root.findtext(f"{ATOM}updated") == "2026-01-02T03:04:05Z"
    entry = root.find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}title") == "Untitled"
    assert entry.findtext(f"{ATOM}summary") == "<p></p>"
    assert xml_safe("a\x00b\x08c\td\ne\ufffff") == "abc\td\nef"
