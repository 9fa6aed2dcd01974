"""Listings: include/exclude filtering, the other filters, sorting, pagination, facets, hit
counts, and what a reader sees when a parameter is wrong."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.tags.actions import add_parent, make_canonical, make_synonym
from ficarchive.tags.models import Tag
from ficarchive.works.models import Hit, Work
from tests.conftest import PASSWORD, client_for, hostile_corpus, make_work

pytestmark = pytest.mark.django_db


def titles(html: str) -> list[str]:
    return re.findall(r'class="blurb-title"><a href="/works/\d+/">([^<]*)</a>', html)


def listed(params: dict[str, Any], user: User | None = None) -> list[str]:
    response = client_for(user).get("/works/", params)
    assert response.status_code == 200
    return titles(response.text)


@pytest.fixture
def wrangler(db: None) -> User:
    user = sign_up("wrangler", "wrangler@example.org", PASSWORD)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def shelf(author: User, stranger: User) -> dict[str, Work]:
    """Five works with different tags, ratings, languages and lengths."""
    works = {
        "Dome": make_work(
            author,
            "Dome Weather",
            text="word " * 500,
            rating="teen",
            relationships=["Spike Spiegel/Julia"],
            freeforms=["Angst"],
            complete=True,
        ),
        "Ballad": make_work(
            author,
            "The Ballad of Fallen Angels",
            text="word " * 50,
            rating="teen",
            freeforms=["Angst", "Fluff"],
        ),
        "Cross": make_work(
            stranger,
            "Asteroid Blues",
            text="word " * 5000,
            rating="general",
            fandoms=("Cowboy Bebop", "Trigun"),
        ),
        "Trigun": make_work(
            stranger,
            "A Stampede",
            text="word " * 20,
            rating="explicit",
            fandoms=("Trigun",),
            language="es",
        ),
        "Hidden": make_work(author, "Secret", restricted=True, rating="teen"),
    }
    return works


def test_include_and_exclude_any_tag(shelf: dict[str, Work]) -> None:
    assert sorted(listed({"include": "Angst"})) == ["Dome Weather", "The Ballad of Fallen Angels"]
    assert listed({"include": ["Angst", "Fluff"]}) == ["The Ballad of Fallen Angels"]
    assert listed({"include": "Cowboy Bebop", "exclude": "Angst"}) == ["Asteroid Blues"]
    assert sorted(listed({"exclude": "Cowboy Bebop"})) == ["A Stampede"]


def test_registered_only_works_are_listed_for_registered_readers(
    shelf: dict[str, Work], reader: User
) -> None:
    assert "Secret" not in listed({"rating": "teen"})
    assert "Secret" in listed({"rating": "teen"}, reader)


def test_the_other_filters(shelf: dict[str, Work]) -> None:
    assert sorted(listed({"rating": ["teen"]})) == ["Dome Weather", "The Ballad of Fallen Angels"]
    assert sorted(listed({"rating": ["general", "explicit"]})) == ["A Stampede", "Asteroid Blues"]
    assert listed({"language": "es"}) == ["A Stampede"]
    assert listed({"complete": "1"}) == ["Dome Weather"]
    assert listed({"crossover": "only"}) == ["Asteroid Blues"]
    assert "Asteroid Blues" not in listed({"crossover": "exclude"})
    assert listed({"words_from": "1000"}) == ["Asteroid Blues"]
    assert sorted(listed({"words_from": "100", "words_to": "1,000"})) == ["Dome Weather"]
    tomorrow = (timezone.now() + dt.timedelta(days=1)).date().isoformat()
    assert listed({"updated_since": tomorrow}) == []
    assert len(listed({"updated_since": "2000-01-01"})) == 4


def test_a_meta_fandom_is_not_a_crossover(author: User, wrangler: User) -> None:
    make_work(author, "Anime only", fandoms=("Cowboy Bebop (Anime)",))
    both = make_work(author, "Both", fandoms=("Cowboy Bebop (Anime)", "Cowboy Bebop"))
    make_canonical(wrangler, Tag.objects.get(name="Cowboy Bebop (Anime)"))
    make_canonical(wrangler, Tag.objects.get(name="Cowboy Bebop"))
    add_parent(
        wrangler, Tag.objects.get(name="Cowboy Bebop (Anime)"), Tag.objects.get(name="Cowboy Bebop")
    )
    both.refresh_from_db()
    assert not both.crossover
    assert listed({"crossover": "only"}) == []
    assert sorted(listed({"include": "Cowboy Bebop"})) == ["Anime only", "Both"]


def test_a_synonym_filters_by_its_canonical_tag(author: User, wrangler: User) -> None:
    make_work(author, "One", relationships=["Spike/Julia"])
    make_work(author, "Two", relationships=["Spike Spiegel/Julia"])
    canonical = make_canonical(wrangler, Tag.objects.get(name="Spike Spiegel/Julia"))
    make_synonym(wrangler, Tag.objects.get(name="Spike/Julia"), canonical)
    assert sorted(listed({"include": "spike/julia"})) == ["One", "Two"]
    assert listed({"exclude": "Spike/Julia"}) == []


def test_sorting(shelf: dict[str, Work]) -> None:
    Work.objects.filter(pk=shelf["Trigun"].pk).update(kudos_count=50, hit_count=3)
    Work.objects.filter(pk=shelf["Ballad"].pk).update(kudos_count=10, hit_count=90)
    assert listed({"sort": "kudos"})[:2] == ["A Stampede", "The Ballad of Fallen Angels"]
    assert listed({"sort": "hits"})[:2] == ["The Ballad of Fallen Angels", "A Stampede"]
    assert listed({"sort": "words"})[0] == "Asteroid Blues"
    # Titles sort without "The" and "A", and regardless of case.
    assert listed({"sort": "title"}) == [
        "Asteroid Blues",
        "The Ballad of Fallen Angels",
        "Dome Weather",
        "A Stampede",
    ]
    newest = Work.objects.get(pk=shelf["Dome"].pk)
    newest.updated_at = timezone.now() + dt.timedelta(hours=1)
    newest.save()
    assert listed({})[0] == "Dome Weather"


def test_counts_and_pages_keep_the_filters(author: User) -> None:
    for index in range(45):
        make_work(author, f"Story {index:02}", freeforms=["Angst"])
    make_work(author, "Odd one")
    response = client_for(None).get("/works/", {"include": "Angst", "sort": "title", "page": "2"})
    text = response.text
    assert "21–40 of 45 works" in text
    assert titles(text)[0] == "Story 20"
    assert 'href="?include=Angst&amp;sort=title&amp;page=3"' in text
    assert 'href="?include=Angst&amp;sort=title"' in text  # page 1 has no page parameter
    last = client_for(None).get("/works/", {"include": "Angst", "page": "3"}).text
    assert "41–45 of 45 works" in last


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"include": "No Such Tag"}, "No tag is named “No Such Tag”"),
        ({"exclude": "Nope"}, "No tag is named “Nope”"),
        ({"rating": "PG-13"}, "“PG-13” is not a rating"),
        ({"language": "klingon"}, "“klingon” is not a language"),
        ({"words_from": "lots"}, "“lots” is not a word count"),
        ({"words_to": "-5"}, "“-5” is not a word count"),
        ({"updated_since": "yesterday"}, "“yesterday” is not a date"),
        ({"sort": "random"}, "cannot be sorted by “random”"),
        ({"crossover": "maybe"}, "Crossovers can be"),
        ({"page": "abc"}, "“abc” is not a page number"),
        ({"page": "999"}, "There is no page 999; showing page 1, the last."),
        ({"include": "Angst", "exclude": "Angst"}, "both included and excluded"),
    ],
)
def test_bad_parameters_are_explained_not_fatal(
    shelf: dict[str, Work], params: dict[str, str], message: str
) -> None:
    response = client_for(None).get("/works/", params)
    assert response.status_code == 200
    assert message in response.text


def test_search_combines_with_filters(author: User) -> None:
    make_work(author, "Bridge teen", text="The stone bridge held.", rating="teen")
    make_work(author, "Bridge general", text="The stone bridge fell.", rating="general")
    make_work(author, "Elsewhere", text="No crossing here.", rating="teen")
    assert listed({"q": '"stone bridge"', "rating": "teen"}) == ["Bridge teen"]
    assert sorted(listed({"q": "bridge", "sort": "title"})) == ["Bridge general", "Bridge teen"]
    # Broken search syntax is read as plain words.
    response = client_for(None).get("/works/", {"q": '"stone (bridge', "rating": "general"})
    assert response.status_code == 200
    assert titles(response.text) == ["Bridge general"]


def test_facets_count_the_results_tags_and_link_to_narrow(shelf: dict[str, Work]) -> None:
    text = client_for(None).get("/works/", {"include": "Cowboy Bebop"}).text
    facets = text[text.index('class="facets"') :]
    assert re.search(r"Angst</span> <span class=\"facet-count\">\(2\)", facets)
    assert 'href="?include=Cowboy+Bebop&amp;include=Angst"' in facets
    assert 'href="?include=Cowboy+Bebop&amp;exclude=Angst"' in facets
    # The included tag itself is not offered again.
    assert "Cowboy Bebop</span>" not in facets


def test_tag_listing_takes_the_same_filters(shelf: dict[str, Work]) -> None:
    response = client_for(None).get("/tags/Cowboy Bebop/works/", {"exclude": "Angst"})
    assert titles(response.text) == ["Asteroid Blues"]
    response = client_for(None).get("/tags/Cowboy Bebop/works/", {"exclude": "Cowboy Bebop"})
    assert "cannot be excluded" in response.text
    assert len(titles(response.text)) == 3


def test_filtered_listing_queries_stay_flat(
    author: User, django_assert_max_num_queries: object
) -> None:
    params = {
        "include": ["Cowboy Bebop", "Angst"],
        "exclude": "Fluff",
        "rating": "teen",
        "sort": "kudos",
    }
    for i in range(3):
        make_work(author, f"Story {i}", rating="teen", freeforms=["Angst", f"Tag {i}"])
    client = client_for(None)
    # 13: the blurbs' creators, tags and gifts are one query each (works.blurbs).
    with django_assert_max_num_queries(13) as few:  # type: ignore[operator]
        client.get("/works/", params)
    for i in range(3, 30):
        make_work(
            author,
            f"Story {i}",
            rating="teen",
            freeforms=["Angst", f"Tag {i}"],
            characters=[f"C {i}"],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):  # type: ignore[operator]
        response = client.get("/works/", params)
    assert "1–20 of 30 works" in response.text


def test_hostile_parameters_never_fail(shelf: dict[str, Work]) -> None:
    client = client_for(None)
    keys = [
        "q",
        "include",
        "exclude",
        "rating",
        "language",
        "words_from",
        "updated_since",
        "sort",
        "page",
        "crossover",
    ]
    for index, payload in enumerate(hostile_corpus()[::8]):
        if "\x00" in payload:
            continue
        key = keys[index % len(keys)]
        response = client.get(
            "/works/", {key: payload, "include": ["Angst", payload][: 1 + index % 2]}
        )
        assert response.status_code == 200, (key, payload)
        assert "<script>alert" not in response.text
    many = {"include": [f"tag {i}" for i in range(40)]}
    assert "Only 10 tags" in client.get("/works/", many).text


def test_a_reader_counts_once_a_day(author: User, reader: User, stranger: User) -> None:
    work = make_work(author)
    for _ in range(3):
        client_for(reader).get(f"/works/{work.pk}/")
    client_for(stranger).get(f"/works/{work.pk}/")
    client_for(author).get(f"/works/{work.pk}/")  # creators don't count
    guest = Client(HTTP_USER_AGENT="Reader/1.0")
    guest.get(f"/works/{work.pk}/")
    guest.get(f"/works/{work.pk}/")
    work.refresh_from_db()
    assert work.hit_count == 3
    assert Hit.objects.filter(work=work).count() == 3
    # The next day counts again.
    Hit.objects.filter(work=work).update(day=timezone.now().date() - dt.timedelta(days=1))
    client_for(reader).get(f"/works/{work.pk}/")
    work.refresh_from_db()
    assert work.hit_count == 4


def test_results_are_the_same_whichever_way_the_query_runs(
    shelf: dict[str, Work], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ficarchive.works import listing

    shapes: list[dict[str, Any]] = [
        {"include": "Angst"},
        {"include": ["Cowboy Bebop", "Angst"], "exclude": "Fluff", "rating": "teen"},
        {"include": "Trigun", "sort": "title"},
    ]
    driven = [listed(params) for params in shapes]
    monkeypatch.setattr(listing, "DRIVE_LIMIT", -1)  # never start from a tag's works
    cache.clear()
    assert [listed(params) for params in shapes] == driven


def test_large_counts_are_cached_briefly(author: User, monkeypatch: pytest.MonkeyPatch) -> None:
    from ficarchive.works import listing

    monkeypatch.setattr(listing, "FRESH_LIMIT", 0)  # every listing counts as a large one
    make_work(author, "One", freeforms=["Angst"])
    assert "1–1 of 1 work" in client_for(None).get("/works/", {"include": "Angst"}).text
    make_work(author, "Two", freeforms=["Angst"])
    text = client_for(None).get("/works/", {"include": "Angst"}).text
    assert "of 1 work" in text  # the cached count, for up to COUNT_CACHE_SECONDS
    assert len(titles(text)) == 2  # the works themselves are never cached
    cache.clear()
    assert "1–2 of 2 works" in client_for(None).get("/works/", {"include": "Angst"}).text
