"""Rate limits: per account and per address, counted in the database (so every process and
app server sees the same counts), staff exempt, 429 pages with Retry-After."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.moderation.limits import (
    LIMITS,
    RateLimited,
    check_rate,
    describe_wait,
    limits_for,
)
from ficarchive.moderation.models import RateEvent, Report
from ficarchive.works.models import Work
from tests.conftest import make_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings: Any) -> Any:
    """Turn the limits on (they are off under the test runner) with small numbers."""
    settings.MODERATION_RATE_LIMITS_ENABLED = True
    settings.MODERATION_RATE_LIMITS = {
        "comment": [("account", 2, 60), ("address", 3, 3600)],
        "post_work": [("account", 2, 3600), ("address", 10, 3600)],
        "report": [("account", 2, 3600), ("address", 2, 3600)],
    }
    return settings


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def work_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Rain over Ganymede",
        "rating": "teen",
        "warnings": ["No Archive Warnings Apply"],
        "comment_permission": "anyone",
        "fandoms": "The Long Dark Between",
        "text_format": "text",
        "language": "en",
        "text": "Mira had worked the night shift.\n\nIt had never rained.",
        "intent": "post",
    }
    data.update(changes)
    return data


def test_the_default_table_covers_every_action() -> None:
    assert set(LIMITS) == {
        "comment",
        "post_work",
        "preview",
        "kudos",
        "report",
        "bookmark",
        "api_read",
        "api_write",
        "signup",
        "invitation_request",
        "confirm_email",
    }
    comment = {(limit.scope, limit.count, limit.seconds) for limit in LIMITS["comment"]}
    assert comment == {("account", 10, 60), ("account", 60, 3600), ("address", 30, 3600)}


def test_limits_are_off_under_the_test_runner_unless_turned_on(reader: User, settings: Any) -> None:
    assert limits_for("comment") == ()
    for _ in range(20):
        check_rate("comment", user=reader, address="10.0.0.1")
    assert not RateEvent.objects.exists()
    settings.MODERATION_RATE_LIMITS_ENABLED = True
    assert limits_for("comment") == LIMITS["comment"]
    assert limits_for("no-such-action") == ()


def test_it_limits_each_account(limits: Any, reader: User, stranger: User) -> None:
    check_rate("comment", user=reader, address="10.0.0.1")
    check_rate("comment", user=reader, address="10.0.0.2")
    with pytest.raises(RateLimited) as caught:
        check_rate("comment", user=reader, address="10.0.0.3")
    assert caught.value.message.startswith(
        "Too many comments from your account in the last minute. Try again in"
    )
    assert 1 <= caught.value.retry_after <= 60
    assert str(caught.value) == caught.value.message
    # Another account on another address is not affected.
    check_rate("comment", user=stranger, address="10.0.0.9")
    assert RateEvent.objects.filter(user=reader).count() == 2


def test_it_limits_each_address(limits: Any, reader: User, stranger: User) -> None:
    check_rate("comment", user=None, address="192.0.2.7")
    check_rate("comment", user=reader, address="192.0.2.7")
    check_rate("comment", user=stranger, address="192.0.2.7")
    with pytest.raises(RateLimited) as caught:
        check_rate("comment", user=None, address="192.0.2.7")
    assert "from your network address in the last hour" in caught.value.message
    assert caught.value.retry_after > 60
    check_rate("comment", user=None, address="192.0.2.8")


def test_it_counts_in_the_database_across_processes(limits: Any, reader: User) -> None:
    # Two events recorded by other app servers: rows in the shared table, nothing in memory.
    RateEvent.objects.bulk_create(
        [RateEvent(action="comment", user=reader, address="10.1.1.1") for _ in range(2)]
    )
    with pytest.raises(RateLimited):
        check_rate("comment", user=reader, address="10.2.2.2")


def test_old_events_stop_counting_and_are_pruned(limits: Any, reader: User) -> None:
    check_rate("comment", user=reader, address="10.0.0.1")
    check_rate("comment", user=reader, address="10.0.0.1")
    RateEvent.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    check_rate("comment", user=reader, address="10.0.0.1")
    RateEvent.objects.update(created_at=timezone.now() - timedelta(hours=2))
    check_rate("comment", user=reader, address="10.0.0.1")
    assert RateEvent.objects.count() == 1


def test_retry_after_says_when_the_oldest_event_leaves_the_window(
    limits: Any, reader: User
) -> None:
    check_rate("comment", user=reader, address="10.0.0.1")
    RateEvent.objects.update(created_at=timezone.now() - timedelta(seconds=50))
    check_rate("comment", user=reader, address="10.0.0.1")
    with pytest.raises(RateLimited) as caught:
        check_rate("comment", user=reader, address="10.0.0.1")
    assert 9 <= caught.value.retry_after <= 11
    assert describe_wait(1) == "1 second"
    assert describe_wait(90) == "2 minutes"
    assert describe_wait(3600) == "1 hour"


def test_staff_are_exempt(limits: Any, reader: User) -> None:
    reader.is_staff = True
    reader.save(update_fields=["is_staff"])
    for _ in range(10):
        check_rate("comment", user=reader, address="10.0.0.1")
    assert not RateEvent.objects.exists()


def test_posting_works_over_the_limit_gets_a_429(limits: Any, author: User) -> None:
    client = logged_in(author)
    assert client.post("/works/new/", work_form()).status_code == 302
    assert client.post("/works/new/", work_form(intent="draft")).status_code == 302
    # Previews are not posts.
    assert client.post("/works/new/", work_form(intent="preview")).status_code == 200
    response = client.post("/works/new/", work_form(title="One too many"))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    page = response.content.decode()
    assert "Too many works posted from your account in the last hour" in page
    assert "Try again in" in page
    assert not Work.objects.filter(title="One too many").exists()
    upload = BytesIO(b"A story in a file.\n\nThe end.")
    upload.name = "story.txt"
    imported = client.post("/works/import/", {"file": upload, "import_format": ""})
    assert imported.status_code == 429
    assert Work.objects.count() == 2


def test_staff_post_past_the_limit(limits: Any, author: User) -> None:
    author.is_staff = True
    author.save(update_fields=["is_staff"])
    client = logged_in(author)
    for n in range(4):
        assert client.post("/works/new/", work_form(title=f"Work {n}")).status_code == 302


def test_reports_are_limited_per_address_for_guests(limits: Any, author: User) -> None:
    works = [make_work(author, f"Work {n}") for n in range(3)]
    guest = Client(REMOTE_ADDR="203.0.113.5")
    data = {"reason": "spam", "email": "guest@example.org"}
    assert guest.post(f"/report/work/{works[0].pk}/", data).status_code == 302
    assert guest.post(f"/report/work/{works[1].pk}/", data).status_code == 302
    response = guest.post(f"/report/work/{works[2].pk}/", data)
    assert response.status_code == 429
    assert "Too many reports from your network address" in response.content.decode()
    assert response["Retry-After"].isdigit()
    assert Report.objects.count() == 2
    other = Client(REMOTE_ADDR="203.0.113.6")
    assert other.post(f"/report/work/{works[2].pk}/", data).status_code == 302


def test_operators_replace_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from ficarchive.core.env import ConfigError, envlimits

    monkeypatch.setenv(
        "FICARCHIVE_RATE_LIMITS", "signup=address:50/3600; comment=account:5/60,address:30/3600"
    )
    assert envlimits("RATE_LIMITS") == {
        "signup": [("address", 50, 3600)],
        "comment": [("account", 5, 60), ("address", 30, 3600)],
    }
    for bad in ("signup", "signup=", "signup=ip:5/60", "signup=address:five/60", "=address:1/1"):
        monkeypatch.setenv("FICARCHIVE_RATE_LIMITS", bad)
        with pytest.raises(ConfigError, match="FICARCHIVE_RATE_LIMITS"):
            envlimits("RATE_LIMITS")


def test_a_limit_of_zero_refuses_for_the_whole_window(settings: Any, reader: User) -> None:
    settings.MODERATION_RATE_LIMITS_ENABLED = True
    settings.MODERATION_RATE_LIMITS = {"comment": [("account", 0, 60)]}
    with pytest.raises(RateLimited) as refused:
        check_rate("comment", user=reader, address="127.0.0.1")
    assert refused.value.retry_after == 60
