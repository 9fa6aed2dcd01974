"""Reading history: recorded on reads, paused, cleared; guests leave no trace."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from ficarchive.accounts.models import User
from ficarchive.history.actions import record_reading
from ficarchive.history.models import HistorySettings, Reading
from ficarchive.works.actions import ChapterInput, add_chapter
from ficarchive.works.models import Chapter
from tests.conftest import client_for, make_work
from tests.htmlcheck import assert_nothing_executable

pytestmark = pytest.mark.django_db


def test_it_records_a_read_with_the_last_chapter(author: User, reader: User) -> None:
    work = make_work(author)
    add_chapter(author, work, ChapterInput(text="Second part.", text_format="text"))
    client = client_for(reader)
    assert client.get(f"/works/{work.pk}/chapters/2/").status_code == 200
    reading = Reading.objects.get(user=reader, work=work)
    assert reading.last_chapter is not None and reading.last_chapter.position == 2
    assert reading.visits == 1
    client.get(f"/works/{work.pk}/chapters/1/")
    client.get(f"/works/{work.pk}/full/")  # the whole work keeps the last chapter read
    reading.refresh_from_db()
    assert reading.visits == 3
    assert reading.last_chapter is not None and reading.last_chapter.position == 1
    page = client.get("/history/").content.decode()
    assert "Dome Weather" in page
    assert f"/works/{work.pk}/chapters/1/" in page
    assert "Visits: 3" in page


def test_it_records_nothing_for_guests(author: User) -> None:
    work = make_work(author)
    assert client_for(None).get(f"/works/{work.pk}/").status_code == 200
    assert not Reading.objects.exists()
    response = client_for(None).get("/history/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_pausing_stops_recording_and_resuming_starts_again(author: User, reader: User) -> None:
    first = make_work(author, "First")
    second = make_work(author, "Second")
    client = client_for(reader)
    response = client.post("/history/pause/", {"paused": "1"})
    assert response.status_code == 302
    assert HistorySettings.objects.get(user=reader).paused
    client.get(f"/works/{first.pk}/")
    assert not Reading.objects.filter(user=reader).exists()
    page = client.get("/history/").content.decode()
    assert "Resume history" in page
    client.post("/history/pause/", {"paused": "0"})
    client.get(f"/works/{second.pk}/")
    assert list(Reading.objects.filter(user=reader).values_list("work__title", flat=True)) == [
        "Second"
    ]
    # A double submit of "pause" keeps one settings row.
    client.post("/history/pause/", {"paused": "1"})
    client.post("/history/pause/", {"paused": "1"})
    assert HistorySettings.objects.filter(user=reader).count() == 1


def test_clear_and_remove_one(author: User, reader: User, stranger: User) -> None:
    works = [make_work(author, f"Story {n}") for n in range(3)]
    client = client_for(reader)
    for work in works:
        client.get(f"/works/{work.pk}/")
    client_for(stranger).get(f"/works/{works[0].pk}/")
    client.post(f"/history/{works[0].pk}/remove/")
    assert set(Reading.objects.filter(user=reader).values_list("work_id", flat=True)) == {
        works[1].pk,
        works[2].pk,
    }
    # Removing something not there, or with a hostile id, is a message, not an error.
    assert client.post(f"/history/{works[0].pk}/remove/").status_code == 302
    assert client.post("/history/99999999/remove/").status_code == 302
    assert client.get("/history/pause/").status_code == 405
    client.post("/history/clear/")
    assert not Reading.objects.filter(user=reader).exists()
    assert Reading.objects.filter(user=stranger).count() == 1  # others' history untouched


def test_history_lists_newest_first_and_hides_works_no_longer_visible(
    author: User, reader: User
) -> None:
    old = make_work(author, "Old Story")
    new = make_work(author, "New Story")
    client = client_for(reader)
    client.get(f"/works/{old.pk}/")
    client.get(f"/works/{new.pk}/")
    page = client.get("/history/").content.decode()
    assert page.index("New Story") < page.index("Old Story")
    old.hidden = True
    old.save(update_fields=["hidden"])
    page = client.get("/history/").content.decode()
    assert "Old Story" not in page
    assert "New Story" in page


def test_a_repeat_visit_updates_the_one_row(author: User, reader: User, rf: RequestFactory) -> None:
    work = make_work(author)
    chapter = Chapter.objects.get(work=work)
    request = rf.get(f"/works/{work.pk}/")
    request.user = reader
    record_reading(request, work, chapter)
    # A row written meanwhile (by another request) is updated, never duplicated.
    Reading.objects.filter(user=reader, work=work).update(visits=5)
    record_reading(request, work, None)
    reading = Reading.objects.get(user=reader, work=work)
    assert reading.visits == 6
    assert reading.last_chapter_id == chapter.pk


def test_recording_is_cheap(author: User, reader: User, rf: RequestFactory) -> None:
    work = make_work(author)
    request = rf.get(f"/works/{work.pk}/")
    request.user = reader
    with CaptureQueriesContext(connection) as first:
        record_reading(request, work, None)
    with CaptureQueriesContext(connection) as again:
        record_reading(request, work, None)
    assert len(again) <= 2
    assert len(first) <= 5  # paused check, update, savepoint, insert, release
    post = rf.post(f"/works/{work.pk}/")
    post.user = reader
    with CaptureQueriesContext(connection) as none:
        record_reading(post, work, None)
    assert len(none) == 0


def test_history_page_query_count_is_flat(
    author: User, reader: User, django_assert_max_num_queries: object
) -> None:
    client = client_for(reader)
    for n in range(12):
        work = make_work(author, f"Work {n}")
        client.get(f"/works/{work.pk}/")
    client.get("/history/")
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = client.get("/history/")
    assert response.content.decode().count("Visits: 1") == 12


def test_hostile_titles_in_history_are_escaped(author: User, reader: User) -> None:
    work = make_work(author, "<script>alert(1)</script>")
    client = client_for(reader)
    client.get(f"/works/{work.pk}/")
    page = client.get("/history/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert_nothing_executable(page, page=True)
    assert client.get("/history/?page=%00x").status_code == 400  # NUL bytes: refused cleanly
    assert client.get("/history/?page=<b>").status_code == 200
