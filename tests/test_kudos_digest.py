"""The daily kudos digest: one inbox item per creator per day summing kudos per work (guests
counted, members named except those the creator blocked), once per day however often it
runs, e-mailed through the outbox to those who chose it, in a fixed number of queries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ficarchive.accounts.actions import orphan_account, sign_up
from ficarchive.accounts.models import User
from ficarchive.blocking.actions import block_user
from ficarchive.core import periodic
from ficarchive.kudos.actions import guest_key, leave_kudos
from ficarchive.kudos.digest import collect_digests, last_finished_day, send_digests
from ficarchive.kudos.models import Kudos, KudosDigestDay
from ficarchive.kudos.tasks import send_kudos_digest, start_daily_digests
from ficarchive.notifications.actions import save_settings
from ficarchive.notifications.models import Notification
from ficarchive.notifications.tasks import send_notification_email
from ficarchive.works.models import Creatorship, Work
from tests.conftest import PASSWORD, client_for, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 3)
DIGEST_TASK = "ficarchive.kudos.tasks.send_kudos_digest"
EMAIL_TASK = "ficarchive.notifications.tasks.send_notification_email"


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(settings.TIME_ZONE))


def kudos_on(work: Work, *readers: User | str, day: date = DAY, hour: int = 12) -> None:
    """Leave kudos from members (User) and guests (str: their browser id) on `day`."""
    before = set(Kudos.objects.filter(work=work).values_list("pk", flat=True))
    for reader in readers:
        if isinstance(reader, str):
            assert leave_kudos(work, user=None, guest=guest_key(reader.ljust(20, "0"), "10.0.0.1"))
        else:
            assert leave_kudos(work, user=reader)
    Kudos.objects.filter(work=work).exclude(pk__in=before).update(created_at=at(day, hour))


def member(name: str) -> User:
    return sign_up(name, f"{name}@example.org", PASSWORD)


def digests_of(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="kudos-digest"))


def test_it_sums_a_days_kudos_per_work_in_one_inbox_item(
    author: User, reader: User, stranger: User
) -> None:
    first = make_work(author, "Dome Weather")
    second = make_work(author, "Salt Roads")
    kudos_on(first, reader, stranger, "guest-one", "guest-two")
    kudos_on(second, reader)
    assert send_digests(DAY) == 1  # the author's: one for both works
    [note] = digests_of(author)
    assert note.key == "kudos-digest:2026-11-03"
    assert note.url == "/users/author/"
    assert note.message.splitlines() == [
        "Kudos on 3 November 2026: 5 on 2 of your works.",
        "“Dome Weather”: 4 kudos, from reader, stranger and 2 guests.",
        "“Salt Roads”: 1 kudos, from reader.",
    ]
    assert note.read_at is None and note.email_wanted is False
    assert not digests_of(reader) and not digests_of(stranger)


def test_it_counts_only_that_days_kudos_and_skips_works_without_any(
    author: User, reader: User, stranger: User
) -> None:
    work = make_work(author)
    quiet = make_work(author, "Quiet One")
    kudos_on(work, reader, day=DAY - timedelta(days=1), hour=23)
    kudos_on(work, stranger, day=DAY, hour=0)
    kudos_on(quiet, "guest-late", day=DAY + timedelta(days=1), hour=0)
    send_digests(DAY)
    [note] = digests_of(author)
    assert note.url == f"/works/{work.pk}/#kudos"
    assert note.message.splitlines() == [
        "Kudos on 3 November 2026: 1 on your work.",
        "“Dome Weather”: 1 kudos, from stranger.",
    ]
    assert send_digests(DAY + timedelta(days=5)) == 0


def test_each_creator_of_a_shared_work_gets_their_own_item(author: User, reader: User) -> None:
    partner = member("partner")
    work = make_work(author)
    Creatorship.objects.create(work=work, pseud=partner.pseuds.get(), position=1)
    kudos_on(work, reader)
    assert send_digests(DAY) == 2
    assert [n.message for n in digests_of(author)] == [n.message for n in digests_of(partner)]


def test_orphaned_works_and_inactive_creators_get_no_digest(author: User, reader: User) -> None:
    partner = member("partner")
    orphaned = make_work(partner, "Given Away")
    Creatorship.objects.filter(work=orphaned).update(pseud=orphan_account().pseuds.get())
    kudos_on(orphaned, reader)
    kudos_on(make_work(author), reader)
    User.objects.filter(pk=author.pk).update(is_active=False)
    assert send_digests(DAY) == 0
    assert not Notification.objects.filter(kind="kudos-digest").exists()


def test_a_blocked_readers_kudos_are_counted_but_not_named(
    author: User, reader: User, stranger: User
) -> None:
    partner = member("partner")
    work = make_work(author)
    Creatorship.objects.create(work=work, pseud=partner.pseuds.get(), position=1)
    kudos_on(work, reader, stranger, "guest-one")
    block_user(author, stranger)  # after the kudos: the row stays, the name goes
    send_digests(DAY)
    [mine] = digests_of(author)
    assert mine.message.splitlines()[1] == (
        "“Dome Weather”: 3 kudos, from reader, 1 more member and 1 guest."
    )
    assert "stranger" not in mine.message
    [theirs] = digests_of(partner)  # the partner did not block anyone
    assert "from reader, stranger and 1 guest." in theirs.message


def test_it_names_at_most_ten_members_per_work(author: User) -> None:
    work = make_work(author)
    readers = [member(f"fan{i:02}") for i in range(12)]
    kudos_on(work, *readers)
    send_digests(DAY)
    [note] = digests_of(author)
    line = note.message.splitlines()[1]
    assert line.startswith("“Dome Weather”: 12 kudos, from fan00, fan01,")
    assert line.endswith("fan09 and 2 more members.")


def test_the_task_sends_a_day_once_and_keeps_the_chain_going(author: User, reader: User) -> None:
    work = make_work(author)
    yesterday = last_finished_day()
    kudos_on(work, reader, day=yesterday)
    assert send_kudos_digest.call(yesterday.isoformat()) == 1
    assert send_kudos_digest.call(yesterday.isoformat()) == 0  # run twice: nothing more
    assert len(digests_of(author)) == 1
    assert KudosDigestDay.objects.get().day == yesterday
    [queued] = DBTaskResult.objects.filter(task_path=DIGEST_TASK)
    assert queued.args_kwargs["args"] == [(yesterday + timedelta(days=1)).isoformat()]
    assert queued.run_after is not None and queued.run_after > timezone.now()


def test_the_task_refuses_a_day_not_over_and_a_bad_day(author: User, reader: User) -> None:
    kudos_on(make_work(author), reader, day=timezone.localdate())
    assert send_kudos_digest.call(timezone.localdate().isoformat()) == 0
    for bad in ("", "yesterday", "2026-13-01", "<script>"):
        assert send_kudos_digest.call(bad) == 0
    assert not Notification.objects.filter(kind="kudos-digest").exists()
    assert not KudosDigestDay.objects.exists()


def test_a_starting_worker_queues_the_last_finished_day_once(db: None) -> None:
    assert start_daily_digests is not None
    periodic.start_periodic_tasks()  # what `ficarchive worker` calls when it starts
    [queued] = DBTaskResult.objects.filter(task_path=DIGEST_TASK)
    assert queued.args_kwargs["args"] == [last_finished_day().isoformat()]
    KudosDigestDay.objects.create(day=last_finished_day())  # the queued run ran
    assert start_daily_digests() is False
    assert DBTaskResult.objects.filter(task_path=DIGEST_TASK).count() == 1


def test_it_emails_the_digest_to_those_who_chose_it(
    author: User, reader: User, stranger: User
) -> None:
    save_settings(author, email_on_posted=False, email_on_replies=False, email_kudos_digest=True)
    save_settings(reader, email_on_posted=True, email_on_replies=True)  # not the digest
    make_work(stranger, "Theirs")
    kudos_on(make_work(author), reader, "guest-one")
    kudos_on(Work.objects.get(title="Theirs"), author)
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        SITE_URL="https://fics.example.org",
    ):
        send_digests(DAY)
        # The outbox: each wanted e-mail is a task queued with its notification.
        queued = DBTaskResult.objects.filter(task_path=EMAIL_TASK)
        [mine] = digests_of(author)
        assert [task.args_kwargs["args"] for task in queued] == [[mine.pk]]
        assert digests_of(stranger)[0].email_wanted is False
        assert send_notification_email.call(mine.pk) is True
        assert send_notification_email.call(mine.pk) is False  # at most once
    [email] = mail.outbox
    assert email.to == ["author@example.org"]
    assert email.subject == "[ficarchive] Kudos on 3 November 2026: 2 on your work."
    assert "“Dome Weather”: 2 kudos, from reader and 1 guest." in str(email.body)
    assert f"https://fics.example.org/works/{mine.url.split('/')[2]}/#kudos" in str(email.body)


def test_the_settings_page_offers_and_saves_the_digest_choice(author: User) -> None:
    client = client_for(author)
    page = client.get("/inbox/settings/").content.decode()
    assert "Email me the daily kudos digest" in page
    response = client.post("/inbox/settings/", {"email_kudos_digest": "on"})
    assert response.status_code == 302
    assert author.notification_settings.email_kudos_digest is True
    assert author.notification_settings.email_on_posted is False
    client.post("/inbox/settings/", {"email_on_posted": "on"})
    author.notification_settings.refresh_from_db()
    assert author.notification_settings.email_kudos_digest is False
    for value in hostile_corpus()[:40]:
        response = client.post("/inbox/settings/", {"email_kudos_digest": value})
        assert response.status_code in {200, 302}


def test_a_hostile_title_is_plain_text_in_the_inbox(author: User, reader: User) -> None:
    titles = [title for title in hostile_corpus() if title.strip()][:20]
    for title in titles:
        kudos_on(make_work(author, title[:200] or "x"), reader)
    send_digests(DAY)
    page = client_for(author).get("/inbox/")
    assert page.status_code == 200
    assert_nothing_executable(page.content.decode(), page=True)
    assert Notification.objects.get(recipient=author).message.count("\n") >= 1


def test_reading_a_day_costs_the_same_queries_for_one_kudos_or_many(author: User) -> None:
    fans = [member(f"fan{i}") for i in range(6)]
    kudos_on(make_work(author, "Small"), fans[0])
    with CaptureQueriesContext(connection) as small:
        collect_digests(DAY)
    for i, fan in enumerate(fans[1:], start=1):
        work = make_work(fan, f"Work {i}")
        kudos_on(work, *[other for other in fans if other != fan], f"guest-{i}")
        kudos_on(make_work(fan, f"More {i}"), author, day=DAY)
    block_user(fans[1], fans[2])
    with CaptureQueriesContext(connection) as large:
        digests = collect_digests(DAY)
    assert len(digests) == 6
    assert len(small.captured_queries) == len(large.captured_queries) == 4
    # Writing: a fixed part plus one insert (in a savepoint) per recipient.
    with CaptureQueriesContext(connection) as writing:
        assert send_digests(DAY) == 6
    assert len(writing.captured_queries) == 4 + 1 + 2 + 3 * 6
