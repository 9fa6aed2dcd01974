"""A blocked account cannot reach the person who blocked it: no notification from it of any
kind, no "inspired by" link to their works, no public bookmark of their works."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from ficarchive.accounts.models import User
from ficarchive.api.actions import create_token
from ficarchive.blocking.actions import block_user
from ficarchive.bookmarks.actions import BookmarkInput, save_bookmark
from ficarchive.bookmarks.models import Bookmark
from ficarchive.comments.actions import CommentInput, add_comment, approve_comment
from ficarchive.notifications.actions import notify
from ficarchive.notifications.models import Notification
from ficarchive.series.actions import SeriesInput, add_related_work, add_work, create_series
from ficarchive.series.models import RelatedWork
from ficarchive.subscriptions.actions import subscribe_to_creator, subscribe_to_work
from ficarchive.subscriptions.tasks import notify_subscribers
from ficarchive.works.actions import ChapterInput, add_chapter
from tests.conftest import client_for, make_work

pytestmark = pytest.mark.django_db

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_notify_drops_what_a_blocked_sender_sends(author: User, stranger: User) -> None:
    block_user(author, stranger)
    made = notify(author, kind="comment", message="Hi", url="/", key="k1", sender=stranger)
    assert made is False
    assert not Notification.objects.exists()
    assert notify(stranger, kind="comment", message="Hi", url="/", key="k2", sender=author)


def test_an_inspired_by_link_from_a_blocked_user_is_refused(author: User, stranger: User) -> None:
    parent = make_work(author, "Parent")
    child = make_work(stranger, "Child")
    block_user(author, stranger)
    response = client_for(stranger).post(
        f"/works/{child.pk}/related/", {"parent": f"/works/{parent.pk}/"}
    )
    assert response.status_code in {200, 400, 403}
    assert "blocked you" in response.content.decode()
    assert not RelatedWork.objects.exists()
    assert not Notification.objects.filter(recipient=author).exists()
    with pytest.raises(Exception, match="blocked you"):
        add_related_work(stranger, child, parent_work=parent)


def test_a_blocked_user_cannot_bookmark_the_work_in_public(author: User, stranger: User) -> None:
    work = make_work(author)
    block_user(author, stranger)
    client = client_for(stranger)
    response = client.post(f"/works/{work.pk}/bookmark/", {"notes": "Look at me", "tags": ""})
    assert response.status_code == 200
    assert "blocked you" in response.content.decode()
    assert not Bookmark.objects.exists()
    work.refresh_from_db()
    assert work.bookmark_count == 0
    # A private bookmark (or marking it for later) reaches nobody, so it is kept.
    client.post(f"/works/{work.pk}/bookmark/", {"notes": "For me", "private": "on"})
    bookmark = Bookmark.objects.get()
    assert bookmark.private
    # ...and it cannot be made public afterwards.
    with pytest.raises(Exception, match="blocked you"):
        save_bookmark(stranger, BookmarkInput(notes="Now public"), work=work)
    assert Bookmark.objects.get().private


def test_a_blocked_user_cannot_bookmark_the_work_in_public_through_the_api(
    author: User, stranger: User
) -> None:
    work = make_work(author)
    block_user(author, stranger)
    _, token = create_token(stranger, "t")
    response = Client().post(
        "/api/v1/bookmarks/",
        json.dumps({"work": work.pk, "notes": "Look"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code in {400, 403}
    assert "blocked you" in response.json()["error"]
    assert not Bookmark.objects.exists()


def test_a_blocked_user_cannot_bookmark_the_series_in_public(author: User, stranger: User) -> None:
    series = create_series(author, SeriesInput(title="Saga"))
    add_work(author, series, make_work(author))
    block_user(author, stranger)
    with pytest.raises(Exception, match="blocked you"):
        save_bookmark(stranger, BookmarkInput(notes="Look"), series=series)
    save_bookmark(stranger, BookmarkInput(private=True), series=series)


def test_public_bookmarks_made_before_the_block_are_hidden_from_the_blocker(
    author: User, stranger: User, reader: User
) -> None:
    work = make_work(author)
    save_bookmark(stranger, BookmarkInput(notes="Stranger's words"), work=work)
    save_bookmark(reader, BookmarkInput(notes="Reader's words"), work=work)
    block_user(author, stranger)
    page = client_for(author).get(f"/works/{work.pk}/bookmarks/").content.decode()
    assert "Stranger's words" not in page
    assert "Reader's words" in page
    # Others still see it: the block is between the two of them.
    assert "Stranger's words" in Client().get(f"/works/{work.pk}/bookmarks/").content.decode()


def test_a_reply_from_a_blocked_user_notifies_nobody_who_blocked_them(
    author: User, reader: User, stranger: User
) -> None:
    """The blocker commented on someone else's work; the blocked user replies there."""
    work = make_work(reader)
    chapter = work.chapters.get()
    mine, _ = add_comment(work, chapter, CommentInput(text="Mine", nonce="a" * 32), user=author)
    block_user(author, stranger)
    add_comment(
        work, chapter, CommentInput(text="Reply", nonce="b" * 32), user=stranger, parent=mine
    )
    assert not Notification.objects.filter(recipient=author).exists()
    assert Notification.objects.filter(recipient=reader).exists()


def test_an_approved_reply_from_a_blocked_user_notifies_nobody_who_blocked_them(
    author: User, reader: User, stranger: User
) -> None:
    work = make_work(reader, moderate_comments=True)
    chapter = work.chapters.get()
    mine, _ = add_comment(work, chapter, CommentInput(text="Mine", nonce="a" * 32), user=author)
    mine = approve_comment(reader, mine)
    block_user(author, stranger)
    reply, _ = add_comment(
        work, chapter, CommentInput(text="Reply", nonce="b" * 32), user=stranger, parent=mine
    )
    assert reply.is_pending
    approve_comment(reader, reply)
    assert not Notification.objects.filter(recipient=author).exists()


@override_settings(TASKS=IMMEDIATE_TASKS)
def test_new_chapters_of_a_blocked_creator_notify_nobody_who_blocked_them(
    author: User, stranger: User, django_capture_on_commit_callbacks: object
) -> None:
    work = make_work(stranger, "Stranger's Work")
    subscribe_to_work(author, work)
    subscribe_to_creator(author, stranger)
    block_user(author, stranger)
    chapter = add_chapter(stranger, work, ChapterInput(text="More.", text_format="text"))
    notify_subscribers.call(work.pk, chapter.pk)
    make_work(stranger, "Another")
    assert not Notification.objects.filter(recipient=author).exists()
