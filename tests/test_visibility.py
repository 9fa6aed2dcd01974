"""Who sees which works: one QuerySet method decides, every view obeys it."""

from __future__ import annotations

import pytest
from django.test import Client

from ficarchive.accounts.models import User
from ficarchive.works.models import Work
from tests.conftest import client_for, make_work

pytestmark = pytest.mark.django_db


def test_it_shows_a_public_work_to_everyone(author: User, reader: User) -> None:
    work = make_work(author)
    for user in (None, author, reader):
        response = client_for(user).get(f"/works/{work.pk}/")
        assert response.status_code == 200
        assert b"Dome Weather" in response.content


def test_it_hides_a_draft_from_everyone_but_its_creator(author: User, reader: User) -> None:
    work = make_work(author, draft=True)
    assert client_for(author).get(f"/works/{work.pk}/").status_code == 200
    assert client_for(reader).get(f"/works/{work.pk}/").status_code == 404
    assert client_for(None).get(f"/works/{work.pk}/").status_code == 404
    assert client_for(reader).get(f"/works/{work.pk}/chapters/1/").status_code == 404
    assert client_for(None).get(f"/works/{work.pk}/full/").status_code == 404


def test_it_sends_guests_to_log_in_for_a_registered_only_work(author: User, reader: User) -> None:
    work = make_work(author, restricted=True)
    response = client_for(None).get(f"/works/{work.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"/login/?next=/works/{work.pk}/")
    assert client_for(reader).get(f"/works/{work.pk}/").status_code == 200


def test_it_keeps_hidden_works_out_of_every_list(
    author: User, reader: User, stranger: User
) -> None:
    make_work(author, "Public Story")
    make_work(author, "Members Story", restricted=True)
    make_work(author, "Secret Draft", draft=True)
    pages = [
        "/",
        "/works/",
        "/users/author/",
        "/users/author/pseuds/author/",
        "/tags/Cowboy Bebop/",
        "/tags/Cowboy Bebop/works/",
    ]
    for url in pages:
        guest = client_for(None).get(url).content.decode()
        assert "Public Story" in guest, url
        assert "Members Story" not in guest, url
        assert "Secret Draft" not in guest, url
        member = client_for(stranger).get(url).content.decode()
        assert "Members Story" in member, url
        assert "Secret Draft" not in member, url
    own = client_for(author).get("/users/author/").content.decode()
    assert "Secret Draft" in own
    assert "Secret Draft" not in client_for(author).get("/").content.decode()


def test_visible_to_is_the_single_rule(author: User, reader: User) -> None:
    public = make_work(author, "A")
    members = make_work(author, "B", restricted=True)
    draft = make_work(author, "C", draft=True)
    from django.contrib.auth.models import AnonymousUser

    assert set(Work.objects.visible_to(AnonymousUser())) == {public}
    assert set(Work.objects.visible_to(reader)) == {public, members}
    assert set(Work.objects.visible_to(author)) == {public, members, draft}


def test_it_hides_draft_chapters_from_readers(author: User, reader: User) -> None:
    from ficarchive.works.actions import ChapterInput, add_chapter

    work = make_work(author)
    add_chapter(
        author, work, ChapterInput(text="Secret second chapter", text_format="text"), draft=True
    )
    assert b"Secret second chapter" not in client_for(reader).get(f"/works/{work.pk}/full/").content
    assert client_for(reader).get(f"/works/{work.pk}/chapters/2/").status_code == 404
    assert (
        b"Secret second chapter" in client_for(author).get(f"/works/{work.pk}/chapters/2/").content
    )


@pytest.mark.parametrize("url", ["/", "/works/", "/tags/Cowboy Bebop/works/", "/users/author/"])
def test_list_pages_use_a_fixed_number_of_queries(
    author: User, django_assert_max_num_queries: object, url: str
) -> None:
    for i in range(3):
        make_work(author, f"Story {i}", freeforms=["Angst", f"Tag {i}"])
    client = client_for(None)
    # A listing: plan (tag sizes), count, page ids, works, their creators and tags, facets
    # (sample, counts, tags), the fixed tags for the form; then the tag page's own lookups.
    with django_assert_max_num_queries(12) as few:  # type: ignore[operator]
        client.get(url)
    for i in range(3, 25):
        make_work(author, f"Story {i}", freeforms=["Angst", f"Tag {i}"], characters=[f"C {i}"])
    with django_assert_max_num_queries(len(few.captured_queries)):  # type: ignore[operator]
        response = client.get(url)
    assert response.status_code == 200


def test_tag_links_lead_to_the_tag_whatever_its_name(author: User) -> None:
    from html import escape

    from ficarchive.tags.models import Tag

    names = ["Spike Spiegel/Julia", "Mr. & Mrs. Smith", "Why? #1", "100% Real", "Ünïcødé 東方"]
    make_work(author, fandoms=tuple(n for n in names if "%" not in n))
    for tag in Tag.objects.filter(type="fandom"):
        response = Client().get(tag.get_absolute_url())
        assert response.status_code == 200, tag.name
        assert escape(tag.name) in response.content.decode()


def test_a_chapter_page_loads_only_the_chapter_it_shows(author: User) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ficarchive.works.actions import ChapterInput, add_chapter

    work = make_work(author, text="First chapter " * 50)
    for n in range(2, 31):
        add_chapter(author, work, ChapterInput(text=f"Chapter {n} text " * 50, text_format="text"))
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(f"/works/{work.pk}/chapters/7/")
    assert b"Chapter 7 text" in response.content
    assert b"Chapter 8 text" not in response.content
    # The work and chapters, the shown chapter, the hit check, and what the page's hooks show
    # (kudos, comments, series, related works, bookmarks): never one query per chapter.
    assert len(queries.captured_queries) <= 16
    texts_loaded = [
        q["sql"] for q in queries.captured_queries if '"html"' in q["sql"] and "chapter" in q["sql"]
    ]
    assert len(texts_loaded) == 1, texts_loaded
