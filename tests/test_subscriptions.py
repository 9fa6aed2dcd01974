"""Subscriptions: who may subscribe to what, the buttons and list page, and the fan-out of
notifications when a chapter or work is posted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.notifications.actions import save_settings
from ficarchive.notifications.models import Notification
from ficarchive.series.models import Series, SeriesWork
from ficarchive.subscriptions.actions import (
    subscribe_to_creator,
    subscribe_to_series,
    subscribe_to_work,
)
from ficarchive.subscriptions.models import Subscription
from ficarchive.subscriptions.tasks import notify_subscribers
from ficarchive.works.actions import ChapterInput, add_chapter, post_chapter, post_draft_work
from ficarchive.works.models import Chapter, Work
from tests.conftest import PASSWORD, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture(autouse=True)
def _immediate_tasks() -> Iterator[None]:
    with override_settings(
        TASKS=IMMEDIATE, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    ):
        yield


@pytest.fixture
def posting(django_capture_on_commit_callbacks: OnCommit) -> Callable[[], Any]:
    """Run what the actions queue on commit (the fan-out) as the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def chapter(text: str = "Another day under the dome.") -> ChapterInput:
    return ChapterInput(text=text, text_format="text")


def notes_of(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


# Who may subscribe


def test_guests_are_sent_to_log_in(author: User, client: Client) -> None:
    work = make_work(author)
    response = client.post("/subscriptions/new/", {"work": work.pk})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.get("/subscriptions/")["Location"].startswith("/login/?next=/subscriptions/")
    html = client.get(f"/works/{work.pk}/").content.decode()
    assert f'href="/login/?next=/works/{work.pk}/"' in html
    assert "Log in to subscribe" in html
    assert not Subscription.objects.exists()


def test_a_reader_subscribes_and_unsubscribes_from_the_work_page(
    author: User, reader: User
) -> None:
    work = make_work(author)
    client = login(reader)
    html = client.get(f"/works/{work.pk}/").content.decode()
    assert 'action="/subscriptions/new/"' in html
    response = client.post("/subscriptions/new/", {"work": work.pk, "next": f"/works/{work.pk}/"})
    assert response["Location"] == f"/works/{work.pk}/"
    subscription = Subscription.objects.get(user=reader)
    assert subscription.work == work
    # Twice keeps one.
    client.post("/subscriptions/new/", {"work": work.pk})
    assert Subscription.objects.filter(user=reader).count() == 1
    html = client.get(f"/works/{work.pk}/").content.decode()
    assert f'action="/subscriptions/{subscription.pk}/delete/"' in html
    assert ">Unsubscribe</button>" in html
    client.post(f"/subscriptions/{subscription.pk}/delete/")
    assert not Subscription.objects.exists()


def test_the_author_gets_no_button_and_cannot_subscribe_to_their_work(author: User) -> None:
    work = make_work(author)
    client = login(author)
    assert 'action="/subscriptions/new/"' not in client.get(f"/works/{work.pk}/").content.decode()
    client.post("/subscriptions/new/", {"work": work.pk})
    assert not Subscription.objects.exists()


def test_nobody_subscribes_to_drafts_or_hidden_works(author: User, reader: User) -> None:
    draft = make_work(author, draft=True)
    hidden = make_work(author, "Hidden")
    Work.objects.filter(pk=hidden.pk).update(hidden=True)
    client = login(reader)
    for work in (draft, hidden):
        assert client.post("/subscriptions/new/", {"work": work.pk}).status_code == 404
    assert client.post("/subscriptions/new/", {"work": 987654}).status_code == 404
    assert not Subscription.objects.exists()


def test_registered_only_works_are_fine_for_registered_users(author: User, stranger: User) -> None:
    work = make_work(author, restricted=True)
    login(stranger).post("/subscriptions/new/", {"work": work.pk})
    assert Subscription.objects.filter(user=stranger, work=work).exists()


def test_no_one_removes_anothers_subscription(author: User, reader: User, stranger: User) -> None:
    subscription = subscribe_to_work(reader, make_work(author))
    response = login(stranger).post(f"/subscriptions/{subscription.pk}/delete/")
    assert response.status_code == 302
    assert Subscription.objects.filter(pk=subscription.pk).exists()
    assert login(stranger).get(f"/subscriptions/{subscription.pk}/delete/").status_code == 405


def test_subscribe_to_a_user_from_their_page(author: User, reader: User) -> None:
    client = login(reader)
    html = client.get("/users/author/").content.decode()
    assert '<input type="hidden" name="user" value="author">' in html
    client.post("/subscriptions/new/", {"user": "author", "next": "/users/author/"})
    assert Subscription.objects.get(user=reader).creator == author
    assert ">Unsubscribe</button>" in client.get("/users/author/").content.decode()
    # Not oneself, and not on one's own page.
    own = login(author)
    assert 'action="/subscriptions/new/"' not in own.get("/users/author/").content.decode()
    own.post("/subscriptions/new/", {"user": "author"})
    assert not Subscription.objects.filter(user=author).exists()
    assert client.post("/subscriptions/new/", {"user": "nobody-here"}).status_code == 404


def test_subscribe_to_a_series(author: User, reader: User) -> None:
    series = Series.objects.create(creator=author, title="Dome cycle")
    response = login(reader).post("/subscriptions/new/", {"series": series.pk})
    assert response["Location"] == f"/series/{series.pk}/"
    assert Subscription.objects.get(user=reader).series == series
    with pytest.raises(Exception, match="own series"):
        subscribe_to_series(author, series)


def test_the_series_partial_renders_a_button(author: User, reader: User, rf: Any) -> None:
    from django.template.loader import render_to_string

    series = Series.objects.create(creator=author, title="Dome cycle")
    request = rf.get(f"/series/{series.pk}/")
    request.user = reader
    html = render_to_string(
        "subscriptions/_series_subscribe.html", {"series": series, "user": reader}, request
    )
    assert f'name="series" value="{series.pk}"' in html
    request.user = author
    html = render_to_string(
        "subscriptions/_series_subscribe.html", {"series": series, "user": author}, request
    )
    assert "Subscribe" not in html


def test_the_list_page_shows_mine_with_flat_queries(
    author: User, reader: User, django_assert_max_num_queries: Any
) -> None:
    client = login(reader)
    client.get("/subscriptions/")
    subscribe_to_creator(reader, author)
    subscribe_to_series(reader, Series.objects.create(creator=author, title="Dome cycle"))
    for i in range(20):
        subscribe_to_work(reader, make_work(author, f"Work {i}"))
    with django_assert_max_num_queries(6):
        html = client.get("/subscriptions/").content.decode()
    assert "Work 19" in html and "Dome cycle" in html and 'href="/users/author/"' in html
    assert html.count(">Unsubscribe<") == 22
    assert "stranger" not in html


def test_the_subscribe_form_takes_hostile_input(author: User, reader: User) -> None:
    work = make_work(author)
    strings = list(hostile_corpus())
    client = login(reader)
    statuses = set()
    for payload in [*strings[::5], "1" * 50, "-3", "0", "x" * 100_000]:
        for data in (
            {"work": payload},
            {"series": payload},
            {"user": payload},
            {"work": work.pk, "next": payload},
            {"work": work.pk, "user": payload},
        ):
            response = client.post("/subscriptions/new/", data)
            statuses.add(response.status_code)
            if response.status_code == 302:
                location = response["Location"]
                assert location.startswith("/") and not location.startswith("//"), location
        statuses.add(client.post(f"/subscriptions/{9**10}/delete/", {"next": payload}).status_code)
        page = client.get("/subscriptions/", {"page": payload})
        statuses.add(page.status_code)
    assert statuses <= {200, 302, 404}
    assert_nothing_executable(client.get("/subscriptions/").content.decode(), page=True)
    assert Subscription.objects.count() == 1


# Fan-out


def test_a_new_chapter_notifies_work_subscribers(author: User, reader: User, posting: Any) -> None:
    work = make_work(author, "Dome Weather")
    subscribe_to_work(reader, work)
    with posting():
        made = add_chapter(author, work, chapter())
    [note] = notes_of(reader)
    assert note.kind == "posted"
    assert note.url == f"/works/{work.pk}/chapters/2/"
    assert note.key == f"posted:{work.pk}:{made.pk}"
    assert note.message == "New chapter of Dome Weather by author: Chapter 2"
    assert notes_of(author) == []  # creators are not told about their own posts
    html = login(reader).get("/inbox/").content.decode()
    assert f'href="/works/{work.pk}/chapters/2/"' in html


def test_a_new_work_notifies_creator_subscribers(author: User, reader: User, posting: Any) -> None:
    subscribe_to_creator(reader, author)
    with posting():
        work = make_work(author, "Stone Bridge <script>alert(1)</script>")
    [note] = notes_of(reader)
    assert note.url == f"/works/{work.pk}/"
    assert note.message.startswith("author posted a new work: Stone Bridge")
    html = login(reader).get("/inbox/").content.decode()
    assert "&lt;script&gt;" in html
    assert_nothing_executable(html, page=True)


def test_drafts_notify_nobody_until_posted(author: User, reader: User, posting: Any) -> None:
    subscribe_to_creator(reader, author)
    with posting():
        work = make_work(author, draft=True)
        add_chapter(author, work, chapter())
    assert notes_of(reader) == []
    with posting():
        post_draft_work(author, work)
    [note] = notes_of(reader)
    assert note.url == f"/works/{work.pk}/"  # one notification for the work, not per chapter
    # A draft chapter of a posted work notifies when it is posted.
    with posting():
        draft = add_chapter(author, work, chapter(), draft=True)
    assert len(notes_of(reader)) == 1
    with posting():
        post_chapter(author, draft)
    assert [n.url for n in notes_of(reader)][-1] == f"/works/{work.pk}/chapters/3/"


def test_hidden_works_notify_nobody(author: User, reader: User, posting: Any) -> None:
    work = make_work(author)
    subscribe_to_creator(reader, author)
    Work.objects.filter(pk=work.pk).update(hidden=True)
    work.refresh_from_db()
    with posting():
        made = add_chapter(author, work, chapter())
    assert notes_of(reader) == []
    # Hidden between queueing and running: checked again when the task runs.
    Work.objects.filter(pk=work.pk).update(hidden=False)
    visible = Work.objects.get(pk=work.pk)
    with posting():
        later = add_chapter(author, visible, chapter())
        Work.objects.filter(pk=work.pk).update(hidden=True)
    assert notes_of(reader) == []
    assert notify_subscribers.call(work.pk, made.pk) == 0
    assert later.posted


def test_series_subscribers_hear_of_new_chapters(author: User, reader: User, posting: Any) -> None:
    work = make_work(author)
    series = Series.objects.create(creator=author, title="Dome cycle")
    SeriesWork.objects.create(series=series, work=work, position=1)
    subscribe_to_series(reader, series)
    with posting():
        add_chapter(author, work, chapter())
    assert len(notes_of(reader)) == 1


def test_exactly_once_on_repeat_and_across_targets(
    author: User, reader: User, stranger: User, posting: Any
) -> None:
    work = make_work(author)
    series = Series.objects.create(creator=author, title="Dome cycle")
    SeriesWork.objects.create(series=series, work=work, position=1)
    # Subscribed three ways: still one notification.
    subscribe_to_work(reader, work)
    subscribe_to_creator(reader, author)
    subscribe_to_series(reader, series)
    subscribe_to_work(stranger, work)
    with posting():
        made = add_chapter(author, work, chapter())
    assert notify_subscribers.call(work.pk, made.pk) == 0  # the task running again
    notify_subscribers.enqueue(work.pk, made.pk)
    assert len(notes_of(reader)) == 1
    assert len(notes_of(stranger)) == 1


def test_unreadable_and_inactive_users_are_not_told(
    author: User, reader: User, stranger: User, posting: Any
) -> None:
    work = make_work(author)
    subscribe_to_work(reader, work)
    subscribe_to_work(stranger, work)
    User.objects.filter(pk=stranger.pk).update(is_active=False)
    from ficarchive.blocking.models import Block

    Block.objects.create(blocker=author, blocked=reader)
    with posting():
        add_chapter(author, work, chapter())
    assert not Notification.objects.exists()


def test_a_co_creator_is_not_told(author: User, reader: User, posting: Any) -> None:
    from ficarchive.works.models import Creatorship

    subscribe_to_creator(reader, author)
    work = make_work(author)
    Creatorship.objects.create(work=work, pseud=reader.pseuds.get(), position=1)
    with posting():
        add_chapter(author, work, chapter())
    assert notes_of(reader) == []


def test_email_goes_to_those_who_opted_in(author: User, posting: Any) -> None:
    readers = [sign_up(f"fan{i}", f"fan{i}@example.org", PASSWORD) for i in range(4)]
    work = make_work(author)
    for fan in readers:
        subscribe_to_work(fan, work)
    save_settings(readers[0], email_on_posted=True, email_on_replies=False)
    save_settings(readers[1], email_on_posted=False, email_on_replies=True)
    with posting():
        made = add_chapter(author, work, chapter())
    assert Notification.objects.count() == 4
    assert [m.to for m in mail.outbox] == [["fan0@example.org"]]
    with posting():
        notify_subscribers.call(work.pk, made.pk)
    assert len(mail.outbox) == 1


def test_a_deleted_work_or_chapter_is_skipped(author: User, reader: User) -> None:
    work = make_work(author)
    subscribe_to_work(reader, work)
    first = Chapter.objects.get(work=work)
    assert notify_subscribers.call(work.pk, 10**9) == 0
    assert notify_subscribers.call(10**9, first.pk) == 0


def test_posting_queues_a_task_only_when_someone_follows(
    author: User, reader: User, posting: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from tests.downloads import BUILD_TASK

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        with posting():
            work = make_work(author)
            add_chapter(author, work, chapter())
        # (Posting also queues the work's download files: formats/downloads.py.)
        fan_out = DBTaskResult.objects.exclude(task_path=BUILD_TASK)
        assert not fan_out.exists()
        subscribe_to_work(reader, work)
        with posting():
            made = add_chapter(author, work, chapter())
        [queued] = fan_out.all()
    assert queued.task_path == "ficarchive.subscriptions.tasks.notify_subscribers"
    assert queued.args_kwargs["args"] == [work.pk, made.pk]
    assert notes_of(reader) == []  # queued for the worker, not run here
