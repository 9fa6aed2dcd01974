"""Bookmarks: who may bookmark what, privacy, counters, for later, double submits, lists."""

from __future__ import annotations

import pytest

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.bookmarks.actions import BookmarkInput, delete_bookmark, save_bookmark
from ficarchive.bookmarks.models import Bookmark, BookmarkTag
from ficarchive.series.actions import SeriesInput, add_work, create_series
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, client_for, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable

pytestmark = pytest.mark.django_db


def count_of(work: Work) -> int:
    work.refresh_from_db(fields=["bookmark_count"])
    return work.bookmark_count


@pytest.fixture
def moderator(db: None) -> User:
    user = sign_up("mod_jane", "mod@example.org", PASSWORD)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_it_sends_guests_to_log_in(author: User) -> None:
    work = make_work(author)
    guest = client_for(None)
    for url in (f"/works/{work.pk}/bookmark/", "/bookmarks/"):
        response = guest.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url
    response = guest.post(f"/works/{work.pk}/later/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not Bookmark.objects.exists()
    page = guest.get(f"/works/{work.pk}/").content.decode()
    assert "Log in to bookmark" in page
    assert "Bookmarks: 0" in page
    # A work's public bookmarks are public.
    assert guest.get(f"/works/{work.pk}/bookmarks/").status_code == 200


def test_a_reader_bookmarks_a_work_with_notes_and_tags(author: User, reader: User) -> None:
    work = make_work(author)
    client = client_for(reader)
    assert "Bookmark</a>" in client.get(f"/works/{work.pk}/").content.decode()
    data = {
        "notes": "Loved it. See https://example.org/review and <a href='https://x.org'>this</a>",
        "tags": "comfort read, Rain,  rain ",
        "recommend": "on",
    }
    response = client.post(f"/works/{work.pk}/bookmark/", data)
    assert response.status_code == 302
    bookmark = Bookmark.objects.get(user=reader, work=work)
    assert bookmark.recommend and not bookmark.private
    assert sorted(t.name for t in bookmark.tags.all()) == ["Rain", "comfort read"]
    assert 'href="https://x.org"' in bookmark.notes_html
    assert "https://example.org/review" in bookmark.notes_html
    assert count_of(work) == 1
    page = client.get(f"/works/{work.pk}/").content.decode()
    assert "Edit bookmark" in page and "Bookmarks: 1" in page
    listing = client_for(None).get(f"/works/{work.pk}/bookmarks/").content.decode()
    assert "comfort read" in listing and "Recommended" in listing and "reader" in listing
    assert "comfort read" in client_for(None).get("/users/reader/bookmarks/").content.decode()


def test_a_double_submit_edits_the_same_bookmark(author: User, reader: User) -> None:
    work = make_work(author)
    client = client_for(reader)
    for _ in range(2):
        client.post(f"/works/{work.pk}/bookmark/", {"notes": "Twice", "tags": "a"})
    assert Bookmark.objects.filter(user=reader, work=work).count() == 1
    assert BookmarkTag.objects.count() == 1
    assert count_of(work) == 1
    # The action itself, called twice, also keeps one row and one count.
    save_bookmark(reader, BookmarkInput(notes="Again"), work=work)
    assert Bookmark.objects.filter(user=reader, work=work).count() == 1
    assert count_of(work) == 1


def test_private_bookmarks_are_never_shown_to_others_nor_counted(
    author: User, reader: User, stranger: User, moderator: User
) -> None:
    work = make_work(author)
    client = client_for(reader)
    client.post(f"/works/{work.pk}/bookmark/", {"notes": "Secret note", "private": "on"})
    assert count_of(work) == 0
    for viewer in (None, author, stranger, moderator):
        for url in (f"/works/{work.pk}/bookmarks/", "/users/reader/bookmarks/"):
            assert "Secret note" not in client_for(viewer).get(url).content.decode(), url
    assert "Secret note" not in client.get("/users/reader/bookmarks/").content.decode()
    own = client.get("/bookmarks/").content.decode()
    assert "Secret note" in own and "Private" in own
    # Public, then private again, then deleted: the counter follows.
    client.post(f"/works/{work.pk}/bookmark/", {"notes": "Now public"})
    assert count_of(work) == 1
    client.post(f"/works/{work.pk}/bookmark/", {"notes": "Hidden again", "private": "on"})
    assert count_of(work) == 0
    client.post(f"/works/{work.pk}/bookmark/", {"notes": "Public once more"})
    client.post(f"/works/{work.pk}/bookmark/", {"intent": "delete"})
    client.post(f"/works/{work.pk}/bookmark/", {"intent": "delete"})
    assert not Bookmark.objects.exists()
    assert count_of(work) == 0


def test_deleting_twice_counts_once(author: User, reader: User, stranger: User) -> None:
    work = make_work(author)
    bookmark, _ = save_bookmark(reader, BookmarkInput(), work=work)
    save_bookmark(stranger, BookmarkInput(), work=work)
    assert count_of(work) == 2
    delete_bookmark(reader, bookmark)
    delete_bookmark(reader, bookmark)
    assert count_of(work) == 1


def test_mark_for_later(author: User, reader: User) -> None:
    work = make_work(author)
    client = client_for(reader)
    client.post(f"/works/{work.pk}/later/", {"for_later": "1"})
    client.post(f"/works/{work.pk}/later/", {"for_later": "1"})
    bookmark = Bookmark.objects.get(user=reader, work=work)
    assert bookmark.for_later and bookmark.private
    assert count_of(work) == 0
    assert "Remove from later" in client.get(f"/works/{work.pk}/").content.decode()
    assert "Dome Weather" in client.get("/bookmarks/?show=later").content.decode()
    client.post(f"/works/{work.pk}/later/", {"for_later": "0"})
    assert not Bookmark.objects.exists()  # an empty later-mark goes away
    # On an existing public bookmark, the mark is a flag and taking it off keeps the bookmark.
    client.post(f"/works/{work.pk}/bookmark/", {"notes": "Keep"})
    client.post(f"/works/{work.pk}/later/", {"for_later": "1"})
    bookmark = Bookmark.objects.get(user=reader, work=work)
    assert bookmark.for_later and not bookmark.private and count_of(work) == 1
    client.post(f"/works/{work.pk}/later/", {"for_later": "0"})
    assert not Bookmark.objects.get(user=reader, work=work).for_later
    assert "Dome Weather" not in client.get("/bookmarks/?show=later").content.decode()
    assert client.get(f"/works/{work.pk}/later/").status_code == 405


def test_only_readable_works_can_be_bookmarked(author: User, reader: User) -> None:
    draft = make_work(author, "Secret Draft", draft=True)
    members = make_work(author, "Members Only", restricted=True)
    client = client_for(reader)
    assert client.get(f"/works/{draft.pk}/bookmark/").status_code == 404
    assert client.post(f"/works/{draft.pk}/bookmark/", {"notes": "x"}).status_code == 404
    assert client.post(f"/works/{draft.pk}/later/").status_code == 404
    assert client.get(f"/works/{draft.pk}/bookmarks/").status_code == 404
    assert client.get("/works/999999/bookmark/").status_code == 404
    assert client.post(f"/works/{members.pk}/bookmark/", {}).status_code == 302
    guest = client_for(None).get(f"/works/{members.pk}/bookmarks/")
    assert guest.status_code == 302 and guest["Location"].startswith("/login/")
    # The creator may bookmark their own draft.
    assert client_for(author).post(f"/works/{draft.pk}/bookmark/", {}).status_code == 302
    assert not Bookmark.objects.filter(user=reader, work=draft).exists()


def test_bookmarks_of_works_that_become_invisible_are_not_shown(
    author: User, reader: User, stranger: User
) -> None:
    work = make_work(author, "Soon Hidden")
    members = make_work(author, "Members Only", restricted=True)
    save_bookmark(reader, BookmarkInput(notes="note"), work=work)
    save_bookmark(reader, BookmarkInput(notes="note"), work=members)
    assert "Members Only" not in client_for(None).get("/users/reader/bookmarks/").content.decode()
    assert "Members Only" in client_for(stranger).get("/users/reader/bookmarks/").content.decode()
    work.hidden = True
    work.save(update_fields=["hidden"])
    for viewer in (reader, stranger, None):
        for url in ("/users/reader/bookmarks/", "/bookmarks/"):
            response = client_for(viewer).get(url)
            if response.status_code == 200:
                assert "Soon Hidden" not in response.content.decode(), (viewer, url)
    # Its creator still sees the bookmark on the (hidden) work's page.
    assert client_for(author).get(f"/works/{work.pk}/bookmarks/").status_code == 200


def test_series_bookmarks(author: User, reader: User) -> None:
    series = create_series(author, SeriesInput(title="Dome Cycle"))
    add_work(author, series, make_work(author))
    client = client_for(reader)
    assert client.get(f"/series/{series.pk}/bookmark/").status_code == 200
    client.post(f"/series/{series.pk}/bookmark/", {"notes": "Whole series", "tags": "epic"})
    client.post(f"/series/{series.pk}/bookmark/", {"notes": "Whole series", "tags": "epic"})
    assert Bookmark.objects.filter(user=reader, series=series).count() == 1
    page = client_for(None).get("/users/reader/bookmarks/").content.decode()
    assert "Dome Cycle" in page and "Whole series" in page
    assert client.get("/series/999999/bookmark/").status_code == 404
    client.post(f"/series/{series.pk}/bookmark/", {"intent": "delete"})
    assert not Bookmark.objects.exists()


def test_bookmark_lists_have_flat_query_counts(
    author: User, reader: User, django_assert_max_num_queries: object
) -> None:
    works = [make_work(author, f"Work {n}", freeforms=[f"tag {n}"]) for n in range(15)]
    series = create_series(author, SeriesInput(title="Cycle"))
    for work in works:
        save_bookmark(reader, BookmarkInput(notes="n", tags=["x", "y"]), work=work)
    save_bookmark(reader, BookmarkInput(), series=series)
    for other in range(12):
        user = sign_up(f"fan{other}", f"fan{other}@example.org", PASSWORD)
        save_bookmark(user, BookmarkInput(tags=["z"]), work=works[0])
    client = client_for(reader)
    for url in ("/bookmarks/", "/users/reader/bookmarks/", f"/works/{works[0].pk}/bookmarks/"):
        client.get(url)
        with django_assert_max_num_queries(14):  # type: ignore[operator]
            response = client.get(url)
        assert response.status_code == 200


def test_hostile_input_in_notes_and_tags(author: User, reader: User) -> None:
    work = make_work(author)
    client = client_for(reader)
    corpus = hostile_corpus()
    for index, text in enumerate(corpus):
        response = client.post(
            f"/works/{work.pk}/bookmark/",
            {"notes": text, "tags": text, "recommend": "on"},
        )
        assert response.status_code in (200, 302, 400), (response.status_code, text)
        if index % 100 == 0 or index == len(corpus) - 1:
            for url in (f"/works/{work.pk}/bookmarks/", "/bookmarks/", f"/works/{work.pk}/"):
                assert_nothing_executable(client.get(url).content.decode(), page=True)
            bookmark = Bookmark.objects.filter(user=reader).first()
            if bookmark is not None:
                assert_nothing_executable(bookmark.notes_html)
    assert Bookmark.objects.filter(user=reader).count() == 1
    assert count_of(work) == 1
    # Huge input is refused with a message, not a 500.
    response = client.post(f"/works/{work.pk}/bookmark/", {"notes": "x" * 100_000})
    assert response.status_code == 200 and "at most" in response.content.decode()
    response = client.post(f"/works/{work.pk}/bookmark/", {"tags": ", ".join(["t"] * 5000)})
    assert response.status_code == 200
    assert client.get("/bookmarks/?page=-1").status_code == 200
