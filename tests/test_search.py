"""Full-text search through /works/?q=: what it finds, what it never shows, and how the index
keeps up with the posting actions. The same tests run on SQLite (FTS5) and PostgreSQL."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ficarchive.accounts.actions import add_pseud
from ficarchive.accounts.models import User
from ficarchive.search.engine import search_works
from ficarchive.search.models import SearchDocument
from ficarchive.works.actions import (
    ChapterInput,
    WorkInput,
    add_chapter,
    delete_chapter,
    delete_work,
    post_chapter,
    post_draft_work,
    update_chapter,
    update_work,
)
from ficarchive.works.models import Chapter, Work
from tests.conftest import client_for, make_work
from tests.test_hostile_input import assert_page_safe, corpus

pytestmark = pytest.mark.django_db


def found(q: str, user: User | None = None) -> list[str]:
    """Return the titles of the works a search shows, in the order shown."""
    response = client_for(user).get("/works/", {"q": q})
    assert response.status_code == 200
    return re.findall(r'class="blurb-title"><a href="/works/\d+/">([^<]*)</a>', response.text)


def titles(user: User | AnonymousUser, q: str) -> set[str]:
    return {w.title for w in search_works(Work.objects.visible_to(user).posted(), q).works}


def work_input(work: Work, **changes: object) -> WorkInput:
    data = WorkInput(
        warnings=["No Archive Warnings Apply"],
        title=work.title,
        fandoms=[t.name for t in work.fandoms],
        text_format="text",
        summary=work.summary,
    )
    for name, value in changes.items():
        setattr(data, name, value)
    return data


@pytest.fixture
def shelf(author: User) -> dict[str, Work]:
    return {
        "bridge": make_work(
            author,
            "Crossing",
            text="They met on the stone bridge at dawn.\n\nVicious was not there.",
        ),
        "stones": make_work(
            author, "Quarry", text="A stone fell from the bridge into the river below."
        ),
        "rain": make_work(
            author,
            "Dome Weather",
            text="It rained under the dome. Faye laughed.",
            freeforms=["Rainy Days"],
        ),
        "julia": make_work(author, "Julia Walks", text="Julia walked alone past the market."),
    }


def test_it_finds_works_with_all_the_words(shelf: dict[str, Work]) -> None:
    assert set(found("stone bridge")) == {"Crossing", "Quarry"}
    assert set(found("bridge dome")) == set()


def test_it_finds_a_phrase_only_in_order(shelf: dict[str, Work]) -> None:
    assert found('"stone bridge"') == ["Crossing"]


def test_it_leaves_out_excluded_words(shelf: dict[str, Work]) -> None:
    assert found("stone -vicious") == ["Quarry"]
    assert found('bridge -"stone fell"') == ["Crossing"]


def test_it_finds_either_word_with_or(shelf: dict[str, Work]) -> None:
    assert set(found("faye OR julia")) == {"Dome Weather", "Julia Walks"}
    assert set(found("faye or julia")) == set()


def test_it_matches_titles_tags_creators_summaries_and_notes(author: User) -> None:
    pseud = add_pseud(author, "Ein the Corgi")
    make_work(author, "Asteroid Blues", text="Plain text.")
    make_work(author, "Tagged", text="Plain text.", freeforms=["Found Family"])
    make_work(author, "Summed", text="Plain text.", summary="A heist on Callisto.")
    make_work(author, "Noted", text="Plain text.", notes="Thanks to my beta, Jet.")
    make_work(author, "Ended", text="Plain text.", end_notes="Fin, said Gren.")
    make_work(author, "Charactered", text="Plain text.", characters=["Radical Edward"])
    from ficarchive.works.actions import post_work

    post_work(
        author,
        WorkInput(
            warnings=["No Archive Warnings Apply"], title="Corgi Credit", fandoms=["Cowboy Bebop"]
        ),
        ChapterInput(text="Plain text.", text_format="text"),
        pseuds=[pseud],
    )
    assert found("asteroid") == ["Asteroid Blues"]
    assert found('"found family"') == ["Tagged"]
    assert found("callisto") == ["Summed"]
    assert found("jet") == ["Noted"]
    assert found("gren") == ["Ended"]
    assert found("radical edward") == ["Charactered"]
    assert found("corgi ein") == ["Corgi Credit"]
    assert set(found("bebop")) >= {"Asteroid Blues", "Tagged", "Corgi Credit"}


def test_it_ignores_case_and_accents(author: User) -> None:
    make_work(author, "Café Noir", text="Coffee at the CAFÉ on Mars.")
    assert found("café") == ["Café Noir"]
    assert found("CAFÉ noir") == ["Café Noir"]


def test_title_matches_rank_above_text_matches(author: User) -> None:
    make_work(author, "Plain Story", text="Somewhere in the middle a swordfish appears.")
    make_work(author, "Swordfish", text="A ship story.")
    assert found("swordfish") == ["Swordfish", "Plain Story"]


def test_it_never_shows_drafts_or_draft_chapters(author: User, reader: User) -> None:
    make_work(author, "Secret Draft", text="The hidden comet passes.", draft=True)
    posted = make_work(author, "Open Work", text="Nothing here.")
    add_chapter(
        author,
        posted,
        ChapterInput(text="The hidden comet returns.", text_format="text"),
        draft=True,
    )
    for user in (None, reader, author):
        assert found("comet", user) == []
        assert found("secret draft", user) == []


def test_registered_only_works_are_found_by_registered_users_only(
    author: User, reader: User
) -> None:
    make_work(author, "Members Only", text="A quiet lighthouse.", restricted=True)
    assert found("lighthouse") == []
    assert found("lighthouse", reader) == ["Members Only"]
    assert titles(AnonymousUser(), "lighthouse") == set()
    assert titles(reader, "lighthouse") == {"Members Only"}


def test_the_index_follows_edits(author: User, shelf: dict[str, Work]) -> None:
    work = shelf["julia"]
    update_work(author, work, work_input(work, title="Julia Runs", freeforms=["Chases"]))
    assert found("runs chases") == ["Julia Runs"]
    assert found("walks") == []
    chapter = Chapter.objects.get(work=work)
    update_chapter(
        author, chapter, ChapterInput(text="Julia ran to the harbour.", text_format="text")
    )
    assert found("harbour") == ["Julia Runs"]
    assert found("market") == []


def test_the_index_follows_chapters(author: User, shelf: dict[str, Work]) -> None:
    work = shelf["rain"]
    draft = add_chapter(
        author, work, ChapterInput(text="A lighthouse in the rain.", text_format="text"), draft=True
    )
    assert found("lighthouse") == []
    post_chapter(author, draft)
    assert found("lighthouse") == ["Dome Weather"]
    add_chapter(author, work, ChapterInput(text="Then a windmill.", text_format="text"))
    assert found("windmill lighthouse") == ["Dome Weather"]
    delete_chapter(author, Chapter.objects.get(work=work, position=2))
    assert found("lighthouse") == []
    assert found("windmill") == ["Dome Weather"]


def test_the_index_follows_posting_and_deleting(author: User) -> None:
    draft = make_work(author, "Late Post", text="A balloon rises.", draft=True)
    assert found("balloon", author) == []
    post_draft_work(author, draft)
    assert found("balloon") == ["Late Post"]
    delete_work(author, draft)
    assert found("balloon") == []
    assert not SearchDocument.objects.filter(work_id=draft.pk).exists()


def test_reindex_rebuilds_the_index(author: User, shelf: dict[str, Work]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_document")
    assert found("stone") == []
    out = io.StringIO()
    call_command("reindex", stdout=out)
    assert "Indexed 4 posted works" in out.getvalue()
    assert set(found("stone")) == {"Crossing", "Quarry"}
    # A row left behind by a work that is no longer posted goes.
    Work.objects.filter(pk=shelf["stones"].pk).update(status="draft")
    call_command("reindex", stdout=io.StringIO())
    assert found("stone") == ["Crossing"]
    assert SearchDocument.objects.count() == 3


def test_snippets_mark_the_words_and_escape_the_text(author: User) -> None:
    make_work(
        author,
        "Escapes",
        text='He typed <script>alert("x")</script> & the <mark>bridge</mark> fell.',
    )
    response = client_for(None).get("/works/", {"q": "script bridge"})
    assert response.status_code == 200
    snippet = re.search(r'<p class="search-snippet">(.*?)</p>', response.text, re.S)
    assert snippet is not None
    html = snippet.group(1)
    assert "&lt;<mark>script</mark>&gt;alert(" in html
    assert "&amp; the &lt;mark&gt;<mark>bridge</mark>&lt;/mark&gt;" in html
    assert "<script" not in html
    assert re.findall(r"</?mark>", html).count("<mark>") >= 2
    assert re.sub(r"</?mark>", "", html).count("<") == 0
    assert_page_safe(response.text)


def test_it_counts_and_explains(shelf: dict[str, Work]) -> None:
    text = client_for(None).get("/works/", {"q": "stone bridge"}).text
    assert "2 works found for “stone bridge”" in text
    assert 'value="stone bridge"' in text
    text = client_for(None).get("/works/", {"q": '"stone bridge'}).text
    assert "1 work found for “stone bridge" in text  # their quote, not another pair
    assert "“&quot;" not in text
    text = client_for(None).get("/works/", {"q": "!!! ---"}).text
    assert "Your search has no words to look for" in text
    assert "Crossing" in text
    text = client_for(None).get("/works/", {"q": "-vicious"}).text
    assert "Add a word to search for" in text
    text = client_for(None).get("/works/", {"q": "nowhere"}).text
    assert "No works found for “nowhere”" in text


def test_pagination_keeps_the_query(author: User) -> None:
    for index in range(23):
        make_work(author, f"Comet {index}", text="A comet crossed the sky.")
    make_work(author, "Other", text="Nothing.")
    first = client_for(None).get("/works/", {"q": "comet"}).text
    assert "23 works found" in first
    assert 'href="?q=comet&amp;page=2"' in first
    second = client_for(None).get("/works/", {"q": "comet", "page": "2"}).text
    assert len(re.findall(r'class="blurb"', second)) == 3
    assert 'href="?q=comet"' in second


def test_the_header_has_a_search_box(shelf: dict[str, Work]) -> None:
    text = client_for(None).get("/").text
    assert '<label for="site-search">Search</label>' in text
    assert 'action="/works/"' in text


def test_search_pages_take_a_fixed_number_of_queries(author: User, reader: User) -> None:
    def count() -> int:
        client = client_for(reader)
        cache.clear()  # both pages cold: the reader's preferences are read once, then cached
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/works/", {"q": "comet -vicious"})
        assert response.status_code == 200
        return len(queries)

    make_work(author, "Comet 1", text="A comet.", freeforms=["One"], characters=["Spike"])
    make_work(author, "Comet 0", text="A comet.", freeforms=["Zero"])
    few = count()
    for index in range(2, 15):
        make_work(author, f"Comet {index}", text="A comet.", freeforms=[f"Tag {index}"])
    assert count() == few


def test_hostile_queries_never_fail(author: User, reader: User) -> None:
    make_work(author, "Target", text="Some words to find: alert script bridge.")
    client = client_for(reader)
    for q in corpus():
        response = client.get("/works/", {"q": q})
        assert response.status_code == 200, q
    assert_page_safe(response.text)


@pytest.mark.parametrize(
    "q",
    [
        "NEAR(spike faye)",
        "title:spike",
        "spike*",
        "^spike",
        "spike + faye",
        "'); DROP TABLE search_document; --",
        "a & b | !c <-> d",
        "OR OR OR",
        '"""',
        "\\'\\",
        "x" * 5000,
    ],
)
def test_operators_of_both_databases_are_words(author: User, q: str) -> None:
    make_work(author, "Spike", text="spike and faye")
    response = client_for(None).get("/works/", {"q": q})
    assert response.status_code == 200


def test_search_works_composes_with_other_filters(author: User, shelf: dict[str, Work]) -> None:
    works = Work.objects.visible_to(AnonymousUser()).posted().filter(title__startswith="Q")
    search = search_works(works, "stone")
    assert [w.title for w in search.works] == ["Quarry"]
    snippets = search.snippets(list(search.works))
    assert "<mark>stone</mark>" in snippets[shelf["stones"].pk].lower()
