"""Notifications: the notify() contract, email opt-in, the inbox and its settings page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings

from ficarchive.accounts.models import User
from ficarchive.notifications.actions import notify, save_settings
from ficarchive.notifications.models import MESSAGE_MAX, Notification, NotificationSettings
from ficarchive.notifications.tasks import send_notification_email
from tests.conftest import PASSWORD, hostile_corpus
from tests.htmlcheck import assert_nothing_executable

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture(autouse=True)
def _immediate_tasks() -> Iterator[None]:
    with override_settings(
        TASKS=IMMEDIATE,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        SITE_URL="https://fics.example.org",
    ):
        yield


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def hostile() -> list[str]:
    return list(hostile_corpus())


# notify()


def test_it_creates_one_notification_per_key(reader: User) -> None:
    assert notify(reader, kind="posted", message="New!", url="/works/1/", key="posted:1:1")
    assert not notify(reader, kind="posted", message="Again", url="/works/1/", key="posted:1:1")
    assert Notification.objects.filter(recipient=reader).count() == 1
    note = Notification.objects.get(recipient=reader)
    assert (note.kind, note.message, note.url, note.read_at) == (
        "posted",
        "New!",
        "/works/1/",
        None,
    )


def test_it_keys_per_recipient(reader: User, stranger: User) -> None:
    assert notify(reader, kind="posted", message="m", url="/", key="k")
    assert notify(stranger, kind="posted", message="m", url="/", key="k")


def test_a_repeat_keeps_the_callers_transaction_usable(reader: User) -> None:
    from django.db import transaction

    with transaction.atomic():
        notify(reader, kind="posted", message="m", url="/", key="k")
        assert not notify(reader, kind="posted", message="m", url="/", key="k")
        # The savepoint rolled back only the failed insert.
        assert Notification.objects.filter(recipient=reader).count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "works/1/",
        "",
        "/works/1/\nLocation: x",
        "/" + "a" * 600,
        "/a b",
    ],
)
def test_it_refuses_urls_that_are_not_site_paths(reader: User, url: str) -> None:
    with pytest.raises(ValueError):
        notify(reader, kind="posted", message="m", url=url, key="k")
    assert not Notification.objects.exists()


def test_it_refuses_an_empty_or_huge_key(reader: User) -> None:
    for key in ("", "k" * 201):
        with pytest.raises(ValueError):
            notify(reader, kind="posted", message="m", url="/", key=key)


def test_it_cuts_huge_messages_and_strips_control_characters(reader: User) -> None:
    notify(reader, kind="posted", message="a\x00b\x07" + "x" * 5000, url="/", key="k")
    note = Notification.objects.get()
    assert note.message.startswith("abx")
    assert len(note.message) == MESSAGE_MAX
    assert note.message.endswith("…")


# Email


def test_no_email_without_opt_in(
    reader: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify(reader, kind="posted", message="New chapter", url="/works/1/", key="k")
    assert mail.outbox == []
    assert Notification.objects.get().email_wanted is False


def test_email_when_opted_in(reader: User, django_capture_on_commit_callbacks: OnCommit) -> None:
    save_settings(reader, email_on_posted=True, email_on_replies=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify(reader, kind="posted", message="New chapter of X", url="/works/1/", key="k")
        notify(reader, kind="comment-reply", message="A reply", url="/works/1/", key="r")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["reader@example.org"]
    assert "New chapter of X" in email.subject
    assert "https://fics.example.org/works/1/" in str(email.body)
    note = Notification.objects.get(key="k")
    assert note.email_sent_at is not None


def test_replies_opt_in_is_separate(
    reader: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    save_settings(reader, email_on_posted=False, email_on_replies=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify(reader, kind="posted", message="New", url="/", key="k")
        notify(reader, kind="comment-reply", message="A reply", url="/", key="r")
    assert [m.subject for m in mail.outbox] == ["[ficarchive] A reply"]


def test_no_email_when_the_callers_transaction_rolls_back(
    reader: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    from django.db import transaction

    save_settings(reader, email_on_posted=True, email_on_replies=True)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify(reader, kind="posted", message="m", url="/", key="k")
                raise RuntimeError("the caller failed")
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_an_email_is_sent_once_however_often_the_task_runs(
    reader: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    save_settings(reader, email_on_posted=True, email_on_replies=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify(reader, kind="posted", message="m", url="/", key="k")
    note = Notification.objects.get()
    assert send_notification_email.call(note.pk) is False
    send_notification_email.enqueue(note.pk)
    assert len(mail.outbox) == 1


def test_a_failed_send_is_released_for_a_later_try(reader: User) -> None:
    save_settings(reader, email_on_posted=True, email_on_replies=True)
    notify(reader, kind="posted", message="m", url="/", key="k")
    note = Notification.objects.get()
    with (
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_PORT=1
        ),
        pytest.raises(OSError),
    ):
        send_notification_email.call(note.pk)
    note.refresh_from_db()
    assert note.email_sent_at is None
    assert send_notification_email.call(note.pk) is True
    assert len(mail.outbox) == 1


# Inbox


def test_the_inbox_needs_a_login(client: Client) -> None:
    for url in ("/inbox/", "/inbox/settings/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")
    response = client.post("/inbox/update/", {"action": "read-all"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_inbox_lists_mine_newest_first_unread_highlighted(reader: User, stranger: User) -> None:
    notify(reader, kind="posted", message="Older", url="/works/1/", key="a")
    notify(reader, kind="comment-reply", message="Newer <b>reply</b>", url="/works/2/", key="b")
    notify(stranger, kind="posted", message="Not yours", url="/works/3/", key="a")
    Notification.objects.filter(key="a", recipient=reader).update(read_at="2026-01-01T00:00Z")
    html = login(reader).get("/inbox/").content.decode()
    assert html.index("Newer") < html.index("Older")
    assert "Not yours" not in html
    assert "Newer &lt;b&gt;reply&lt;/b&gt;" in html
    assert '<li class="unread">' in html
    assert 'href="/works/2/"' in html
    assert "Inbox <span" in html  # the header shows the unread count
    assert '>1<span class="visually-hidden"> unread' in html


def test_mark_read_unread_delete_and_read_all(reader: User, stranger: User) -> None:
    for i in range(3):
        notify(reader, kind="posted", message=f"m{i}", url="/", key=f"k{i}")
    notify(stranger, kind="posted", message="theirs", url="/", key="k0")
    theirs = Notification.objects.get(recipient=stranger)
    mine = list(Notification.objects.filter(recipient=reader).order_by("pk"))
    client = login(reader)
    assert client.post("/inbox/update/", {"action": "read", "id": mine[0].pk}).status_code == 302
    mine[0].refresh_from_db()
    assert mine[0].read_at is not None
    client.post("/inbox/update/", {"action": "unread", "id": mine[0].pk})
    mine[0].refresh_from_db()
    assert mine[0].read_at is None
    client.post("/inbox/update/", {"action": "delete", "id": mine[1].pk})
    assert not Notification.objects.filter(pk=mine[1].pk).exists()
    # Someone else's notification is untouched.
    client.post("/inbox/update/", {"action": "delete", "id": theirs.pk})
    client.post("/inbox/update/", {"action": "read", "id": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post("/inbox/update/", {"action": "read-all"})
    assert not Notification.objects.filter(recipient=reader, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=stranger, read_at__isnull=True).count() == 1


def test_inbox_queries_stay_flat(reader: User, django_assert_max_num_queries: Any) -> None:
    client = login(reader)
    client.get("/inbox/")
    for i in range(60):
        notify(reader, kind="posted", message=f"m{i}", url=f"/works/{i}/", key=f"k{i}")
    with django_assert_max_num_queries(8):
        response = client.get("/inbox/")
    assert response.content.decode().count("Mark read") == 50
    with django_assert_max_num_queries(8):
        assert "m0" in client.get("/inbox/?page=2").content.decode()


def test_settings_page_saves_choices(reader: User) -> None:
    client = login(reader)
    html = client.get("/inbox/settings/").content.decode()
    assert "Email me when a work, series or user I subscribed to posts</label>" in html
    response = client.post("/inbox/settings/", {"email_on_posted": "on"})
    assert response.status_code == 302
    choice = NotificationSettings.objects.get(user=reader)
    assert (choice.email_on_posted, choice.email_on_replies) == (True, False)
    client.post("/inbox/settings/", {"email_on_replies": "on"})
    choice.refresh_from_db()
    assert (choice.email_on_posted, choice.email_on_replies) == (False, True)


def test_inbox_forms_take_hostile_input(reader: User) -> None:
    notify(reader, kind="posted", message="m", url="/", key="k")
    client = login(reader)
    statuses = set()
    for payload in [*hostile()[::7], "1" * 40, "-1", "0", "9" * 30]:
        for data in (
            {"action": payload, "id": "1"},
            {"action": "read", "id": payload},
            {"action": "delete", "id": payload, "page": payload},
        ):
            statuses.add(client.post("/inbox/update/", data).status_code)
        statuses.add(client.post("/inbox/settings/", {"email_on_posted": payload}).status_code)
        response = client.get("/inbox/", {"page": payload})
        statuses.add(response.status_code)
        assert_nothing_executable(response.content.decode(), page=True)
    assert statuses <= {200, 302}
    assert Notification.objects.count() == 1


def test_nul_bytes_in_inbox_forms(reader: User) -> None:
    client = login(reader)
    for data in ({"action": "read\x00", "id": "1"}, {"action": "read", "id": "1\x00"}):
        assert client.post("/inbox/update/", data).status_code in {302, 400}


def test_log_in_and_see_the_inbox(reader: User) -> None:
    client = Client()
    assert client.login(username="reader", password=PASSWORD)
    assert client.get("/inbox/").status_code == 200
