"""Cursor pagination on every API list: `?cursor=` from next_cursor / previous_cursor (and
the next and previous links), walking forward and back, stable under inserts, beside `page`;
hostile cursors are a 400 with a message, never a 500."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.api.cursors import Cursor, encode
from ficarchive.tags.models import Tag
from ficarchive.works.models import Work
from tests.conftest import hostile_corpus, make_work
from tests.test_api import call, token_for

pytestmark = pytest.mark.django_db


def walk(url: str, token: str | None = None) -> list[Any]:
    """Follow next links from `url` to the end; return every page's body."""
    pages = []
    while url:
        data = call("GET", url, token).json_body
        pages.append(data)
        url = data["next"]
    return pages


@pytest.fixture
def works(author: User) -> list[Work]:
    made = [make_work(author, f"Work {n:02}", fandoms=(f"Fandom {n}",)) for n in range(7)]
    # Equal sort values: the id breaks the tie, so nothing is skipped or repeated.
    Work.objects.filter(pk__in=[w.pk for w in made[:4]]).update(kudos_count=3)
    return made


@pytest.mark.parametrize("sort", ["updated", "published", "kudos", "title", "words"])
def test_cursors_walk_a_listing_forward_and_back(works: list[Work], sort: str) -> None:
    first = call("GET", f"/api/v1/works/?sort={sort}&per_page=3", schema="WorkPage").json_body
    by_page = [
        w["id"] for p in walk(f"/api/v1/works/?sort={sort}&per_page=3") for w in p["results"]
    ]
    assert first["page"] == 1 and first["next_cursor"] and first["previous_cursor"] is None
    pages = walk(f"/api/v1/works/?sort={sort}&per_page=3&cursor={first['next_cursor']}")
    by_cursor = [w["id"] for w in first["results"]] + [w["id"] for p in pages for w in p["results"]]
    assert by_cursor == by_page and sorted(by_cursor) == sorted(w.pk for w in works)
    assert all(p["page"] is None for p in pages) and pages[-1]["next_cursor"] is None
    assert "cursor=" in pages[0]["next"] and "&page=" not in pages[0]["next"]
    assert f"sort={sort}" in pages[0]["next"]
    # Back from the last page to the first.
    back = call("GET", pages[-1]["previous"]).json_body
    assert [w["id"] for w in back["results"]] == by_cursor[3:6]
    start = call("GET", back["previous"]).json_body
    assert [w["id"] for w in start["results"]] == by_cursor[:3]
    assert start["previous_cursor"] is None


def test_a_cursor_is_stable_under_inserts(author: User, works: list[Work]) -> None:
    first = call("GET", "/api/v1/works/?per_page=3").json_body
    seen = [w["id"] for w in first["results"]]
    make_work(author, "Newer than everything")  # lands on top: page 2 by number would shift
    rest = walk(f"/api/v1/works/?per_page=3&cursor={first['next_cursor']}")
    seen += [w["id"] for p in rest for w in p["results"]]
    assert sorted(seen) == sorted(w.pk for w in works)
    shifted = call("GET", "/api/v1/works/?per_page=3&page=2").json_body
    assert shifted["results"][0]["id"] == seen[2]  # the page number shows one again


def test_filters_keep_their_cursors(works: list[Work]) -> None:
    url = "/api/v1/works/?include=Fandom+1&per_page=1"
    assert [w["id"] for p in walk(url) for w in p["results"]] == [works[1].pk]


@pytest.mark.parametrize(
    ("url", "schema"),
    [("/api/v1/tags/", "TagPage"), ("/api/v1/bookmarks/", "BookmarkPage")],
)
def test_other_lists_page_by_cursor(works: list[Work], reader: User, url: str, schema: str) -> None:
    token = token_for(reader)
    Tag.objects.filter(name__startswith="Fandom").update(canonical=True)
    for work in works:
        call("POST", "/api/v1/bookmarks/", token, {"work": work.pk})
    everything = call("GET", f"{url}?per_page=100", token, schema=schema).json_body["results"]
    first = call("GET", f"{url}?per_page=2", token, schema=schema).json_body
    pages = walk(f"{url}?per_page=2&cursor={first['next_cursor']}", token)
    got = first["results"] + [item for p in pages for item in p["results"]]
    assert got == everything and len(got) >= 7


def test_chapter_versions_page_by_cursor(author: User) -> None:
    work = make_work(author)
    token = token_for(author)
    for n in range(4):
        body = {"text": f"Version {n}."}
        assert call("PATCH", f"/api/v1/works/{work.pk}/chapters/1/", token, body).status_code == 200
    url = f"/api/v1/works/{work.pk}/chapters/1/versions/"
    everything = call("GET", f"{url}?per_page=100", token).json_body["results"]
    first = call("GET", f"{url}?per_page=2", token, schema="ChapterVersionPage").json_body
    pages = walk(f"{url}?per_page=2&cursor={first['next_cursor']}", token)
    got = first["results"] + [v for p in pages for v in p["results"]]
    assert [v["number"] for v in got] == [v["number"] for v in everything]
    assert [v["current"] for v in got] == [True] + [False] * (len(got) - 1)


def test_relevance_search_pages_by_cursor(works: list[Work]) -> None:
    url = "/api/v1/search/?q=work&sort=relevance&per_page=2"
    first = call("GET", url).json_body
    # Both databases index the works at once: an empty answer is a failure, not a reason to skip.
    assert first["count"] > 1, first
    pages = walk(f"{url}&cursor={first['next_cursor']}") if first["next_cursor"] else []
    ids = [w["id"] for w in first["results"]] + [w["id"] for p in pages for w in p["results"]]
    assert len(ids) == len(set(ids)) == first["count"]


def _raw(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


HOSTILE_CURSORS = [
    "garbage",
    "!!!!",
    "%00",
    "A" * 999,
    "A" * 5000,
    _raw({"not": "a list"}),
    _raw(["updated", "not a date", 1, "n"]),
    _raw(["updated", "2024-01-01T00:00:00", 1, "n"]),  # no time zone
    _raw(["updated", None, 2**70, "n"]),
    _raw(["updated", None, -1, "n"]),
    _raw(["updated", None, 1, "sideways"]),
    _raw(["updated", None, 1, "o", 10**30]),
    _raw(["kudos", "many", 1, "n"]),
    _raw(["kudos", 10**40, 1, "n"]),
    _raw(["title", ["a"], 1, "n"]),
    _raw(["relevance", None, 0, "o", -5]),
    _raw(["updated", None, True, "n"]),
    _raw([]),
    _raw(["[" * 500]),
    base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
]


@pytest.mark.parametrize("cursor", HOSTILE_CURSORS)
def test_hostile_cursors_are_400_with_a_message(
    works: list[Work], reader: User, cursor: str
) -> None:
    token = token_for(reader)
    for url in (
        "/api/v1/works/",
        "/api/v1/works/?sort=kudos",
        "/api/v1/works/?sort=title",
        "/api/v1/search/?q=work",
        "/api/v1/tags/",
        "/api/v1/bookmarks/",
    ):
        response = call("GET", f"{url}{'&' if '?' in url else '?'}cursor={cursor}", token)
        assert response.status_code == 400, (url, cursor)
        assert response.json_body["error"], url


def test_a_cursor_of_another_sort_or_with_a_page_is_refused(works: list[Work]) -> None:
    first = call("GET", "/api/v1/works/?per_page=2").json_body
    other = call("GET", f"/api/v1/works/?sort=kudos&cursor={first['next_cursor']}")
    assert other.status_code == 400
    assert "another sort order" in " ".join(other.json_body["problems"])
    both = call("GET", f"/api/v1/works/?page=2&cursor={first['next_cursor']}")
    assert both.status_code == 400 and "not both" in both.json_body["error"]


def test_hostile_text_as_a_cursor_never_fails(works: list[Work]) -> None:
    client = Client()
    for value in hostile_corpus()[::5]:
        answer = client.get("/api/v1/works/", {"cursor": value})
        assert answer.status_code in {200, 400}, value
        assert answer["Content-Type"] == "application/json"


def test_a_well_formed_cursor_for_a_row_that_is_gone_still_answers(works: list[Work]) -> None:
    gone = encode(Cursor("updated", timezone.now(), 2**62))
    response = call("GET", f"/api/v1/works/?cursor={gone}")
    assert response.status_code == 200
    null_value = encode(Cursor("updated", None, 1))
    assert call("GET", f"/api/v1/works/?cursor={null_value}").status_code == 200


@pytest.mark.parametrize("per_page", [1, 2, 3])
def test_rows_without_a_sort_value_are_walked_too(works: list[Work], per_page: int) -> None:
    Work.objects.filter(pk__in=[works[1].pk, works[4].pk, works[5].pk]).update(published_at=None)
    url = f"/api/v1/works/?sort=published&per_page={per_page}"
    by_page = [w["id"] for p in walk(url) for w in p["results"]]
    first = call("GET", url).json_body
    pages = [first, *walk(f"{url}&cursor={first['next_cursor']}")]
    by_cursor = [w["id"] for p in pages for w in p["results"]]
    assert by_cursor == by_page and sorted(by_cursor) == sorted(w.pk for w in works)
    # And back again from the last page.
    back: list[int] = []
    data = pages[-1]
    while data["previous"]:
        data = call("GET", data["previous"]).json_body
        back = [w["id"] for w in data["results"]] + back
    assert back + [w["id"] for w in pages[-1]["results"]] == by_cursor
