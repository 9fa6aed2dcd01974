"""Bounded ranking: a query that matches more than RANK_LIMIT works is ranked among its
newest RANK_LIMIT matches (that the reader may see, with the listing's filters), and the page
says so. The limit is made tiny here so a few works exceed it."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from ficarchive.accounts.models import User
from ficarchive.search import engine
from ficarchive.search.engine import search_works
from ficarchive.works.models import Work
from tests.conftest import client_for, make_work

pytestmark = pytest.mark.django_db

NOTE = "ranked among the newest 3 matches"


def shown(q: str, user: User | None = None, **params: str) -> tuple[list[str], str]:
    response = client_for(user).get("/works/", {"q": q, **params})
    assert response.status_code == 200
    titles = re.findall(r'class="blurb-title"><a href="/works/\d+/">([^<]*)</a>', response.text)
    return titles, response.text


@pytest.fixture
def limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(engine, "RANK_LIMIT", 3)
    return 3


@pytest.fixture
def comets(author: User, limit: int) -> dict[str, Work]:
    # Oldest first: the best match (the word in its title, twice in its text) is the oldest.
    return {
        "best": make_work(author, "Comet Comet", text="A comet. Another comet."),
        "old": make_work(author, "Old Sky", text="A comet crossed the sky."),
        "plain": make_work(author, "Plain", text="A comet passed."),
        "members": make_work(
            author, "Members Only", text="A comet, twice: comet.", restricted=True
        ),
        "other": make_work(author, "Other Fandom", text="A comet.", fandoms=("Trigun",)),
        "newer": make_work(author, "Newer", text="The comet came back, comet and all."),
        "draft": make_work(author, "Draft Comet", text="A comet.", draft=True),
        "newest": make_work(author, "Newest", text="One more comet."),
        "nothing": make_work(author, "Unrelated", text="Rain under the dome."),
    }


def test_it_ranks_the_newest_matches_only_and_says_so(comets: dict[str, Work]) -> None:
    titles, text = shown("comet")
    # The guest's three newest matches (the draft and the members-only work are not theirs),
    # best first: "Newer" has the word twice.
    assert set(titles) == {"Newer", "Other Fandom", "Newest"}
    assert titles[0] == "Newer"
    assert NOTE in text
    assert "1–3 of 3 works found for “comet”" in text


def test_the_newest_matches_are_the_readers_own(comets: dict[str, Work], reader: User) -> None:
    titles, text = shown("comet", reader)
    assert set(titles) == {"Newer", "Other Fandom", "Newest"}
    # Filters narrow before the bound: the newest three in the fandom.
    titles, text = shown("comet", reader, include="Cowboy Bebop")
    assert set(titles) == {"Newer", "Newest", "Members Only"}
    assert titles[0] in {"Newer", "Members Only"}  # both hold the word twice
    assert NOTE in text


def test_a_query_within_the_limit_is_ranked_whole(comets: dict[str, Work]) -> None:
    titles, text = shown('"comet crossed"')
    assert titles == ["Old Sky"]
    assert "ranked among the newest" not in text
    titles, text = shown("comet", include="Trigun")
    assert titles == ["Other Fandom"]
    assert "ranked among the newest" not in text


def test_sorting_by_date_shows_every_match(comets: dict[str, Work]) -> None:
    titles, text = shown("comet", sort="updated")
    assert titles == ["Newest", "Newer", "Other Fandom", "Plain", "Old Sky", "Comet Comet"]
    assert "ranked among the newest" not in text
    assert "6 works found" in text


def test_search_works_reports_the_bound(comets: dict[str, Work]) -> None:
    posted = Work.objects.filter(restricted=False).posted()
    search = search_works(posted, "comet")
    assert search.bounded and search.rank_limit == 3
    assert search.works[0].title == "Newer"
    unbounded = search_works(posted, "comet", rank_limit=10)
    assert not unbounded.bounded
    assert unbounded.works[0].title == "Comet Comet"
    assert not search_works(posted, "comet", rank=False).bounded


def test_the_newest_matches_are_read_in_index_order(comets: dict[str, Work]) -> None:
    """The query that finds the newest matches reads the index in id order and stops at the
    limit (no sort of every match); the bounded ranking reads a range of the index."""
    from ficarchive.search.engine import newest_match_ids

    posted = Work.objects.filter(restricted=False).posted()
    search = search_works(posted, "comet")
    found = posted.filter(search_document__document__matches=search.compiled)
    newest = found.order_by("-search_document__work").values_list("pk", flat=True)[:4]
    assert newest_match_ids(found, 4) == list(newest)
    if connection.vendor == "sqlite":
        plan = newest.explain()
        assert "VIRTUAL TABLE INDEX" in plan and "TEMP B-TREE" not in plan, plan
        # FTS5's index number says: MATCH (M), rowid range (>), rows in descending order.
        ranked = search.works.values_list("pk", flat=True)[:20].explain()
        assert re.search(r"VIRTUAL TABLE INDEX \d+:M\d*>", ranked), ranked
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            try:
                plan = newest.explain()
                ranked = search.works.values_list("pk", flat=True)[:20].explain()
            finally:
                cursor.execute("RESET enable_seqscan")
        assert "search_document" in plan and "Seq Scan on search_document" not in plan, plan
        assert "Seq Scan on search_document" not in ranked, ranked


def test_stop_words_and_phrases_rank_every_match(comets: dict[str, Work], reader: User) -> None:
    # Ranked by their other words, but no match is lost: "the OR comet" keeps a work with
    # "the" and no comet; a phrase's results are exactly its newest matches.
    titles, _ = shown("the OR comet", reader, include="Cowboy Bebop")
    assert set(titles) == {"Unrelated", "Newest", "Newer"}
    titles, text = shown("the OR sky")
    assert set(titles) == {"Old Sky", "Newer", "Unrelated"}
    assert "ranked among the newest" not in text
    titles, text = shown('"a comet"')
    assert set(titles) == {"Other Fandom", "Plain", "Old Sky"}
    assert NOTE in text
