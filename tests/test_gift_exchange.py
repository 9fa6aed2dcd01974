"""Gift exchanges (challenges/exchange.py): a collection's moderators set the exchange up,
members sign up with requests and offers, the worker matches them, the moderators review and
send the assignments, givers post works as gifts, drop out, and pinch hitters take over."""

from __future__ import annotations

import html
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.challenges.actions import TagSetInput, create_tag_set
from ficarchive.challenges.exchange import (
    ExchangeInput,
    PromptInput,
    save_exchange,
    save_signup,
    start_matching,
)
from ficarchive.challenges.models import (
    Assignment,
    ExchangePrompt,
    ExchangeSignUp,
    GiftExchange,
    MatchingRun,
    RunStatus,
)
from ficarchive.challenges.tasks import run_matching
from ficarchive.collections.actions import CollectionInput, create_collection
from ficarchive.collections.models import Collection, CollectionItem
from ficarchive.gifts.models import Gift
from ficarchive.notifications.models import Notification
from ficarchive.preferences.actions import ReadingChoices, save_reading_preferences
from ficarchive.tags.actions import FORBIDDEN_TAG_CHARS
from tests.conftest import PASSWORD, client_for, commits, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable

URL = "/collections/yuletide/exchange/"


def text(response: Any) -> str:
    """Return the page's HTML with entities decoded, for finding messages in it."""
    content: bytes = response.content
    return html.unescape(content.decode())


@pytest.fixture
def owner(db: None) -> User:
    return sign_up("mod", "mod@example.org", PASSWORD)


@pytest.fixture
def collection(owner: User) -> Collection:
    return create_collection(owner, CollectionInput(name="yuletide", title="Yuletide"))


def settings_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "signup_open_at": "2026-11-01T10:00",
        "signup_close_at": "2026-11-20T10:00",
        "assignments_due_at": "2026-12-20T10:00",
        "requests_required": "1",
        "requests_allowed": "2",
        "offers_required": "1",
        "offers_allowed": "2",
        "description_enabled": "on",
        "tag_set": "",
        "prompts_required": "1",
    }
    for kind in ("request", "offer"):
        for tag_type in ("fandom", "character", "relationship", "rating", "freeform"):
            data[f"{kind}_{tag_type}_min"] = "1" if tag_type == "fandom" else "0"
            data[f"{kind}_{tag_type}_max"] = "2" if tag_type in ("fandom", "character") else "0"
    for tag_type in ("fandom", "character", "relationship", "rating", "freeform"):
        data[f"match_{tag_type}"] = "1" if tag_type == "fandom" else "0"
    data.update(changes)
    return data


def open_exchange(owner: User, collection: Collection, **changes: Any) -> GiftExchange:
    now = timezone.now()
    data = ExchangeInput(
        signup_open_at=now - timedelta(days=1),
        signup_close_at=now + timedelta(days=1),
        assignments_due_at=now + timedelta(days=30),
        requests_allowed=2,
        offers_allowed=2,
        limits={
            "request": {"fandom": (1, 2), "character": (0, 2)},
            "offer": {"fandom": (1, 2), "character": (0, 2)},
        },
        url_enabled=True,
    )
    for name, value in changes.items():
        setattr(data, name, value)
    return save_exchange(owner, collection, data)


def join(user: User, exchange: GiftExchange, requests: str, offers: str) -> ExchangeSignUp:
    return save_signup(
        user,
        exchange,
        user.pseuds.get(is_default=True),
        [PromptInput(tags={"fandom": requests.split(",")}, description="Rain, please.")],
        [PromptInput(tags={"fandom": offers.split(",")})],
    )


def signup_form(user: User, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "pseud": str(user.pseuds.get(is_default=True).pk),
        "request_1_fandom": "Cowboy Bebop",
        "request_1_character": "Faye Valentine",
        "request_1_description": "Something with rain.",
        "offer_1_fandom": "Trigun",
    }
    data.update(changes)
    return data


def _close(exchange: GiftExchange) -> None:
    GiftExchange.objects.filter(pk=exchange.pk).update(
        signup_open_at=timezone.now() - timedelta(days=3),
        signup_close_at=timezone.now() - timedelta(days=1),
    )


def _match(owner: User, exchange: GiftExchange) -> MatchingRun:
    response = client_for(owner).post(URL + "matching/", {"verb": "run"})
    assert response.status_code == 302
    run = MatchingRun.objects.filter(exchange=exchange).latest("pk")
    assert DBTaskResult.objects.filter(task_path__endswith="run_matching").exists()
    assert run_matching.call(run.pk) is True
    run.refresh_from_db()
    return run


# --- 1. settings ----------------------------------------------------------------------------


def test_it_lets_a_moderator_set_up_the_exchange(owner: User, collection: Collection) -> None:
    response = client_for(owner).post(URL, settings_form())
    assert response.status_code == 302, text(response)[:3000]
    exchange = GiftExchange.objects.get(collection=collection)
    assert exchange.requests_allowed == 2
    assert exchange.limit("request", "fandom") == (1, 2)
    assert exchange.limit("offer", "rating") == (0, 0)
    assert exchange.match_counts == {"fandom": 1}
    assert exchange.signup_close_at is not None and exchange.signup_close_at.hour == 10
    page = client_for(None).get(URL).content.decode()
    assert "Sign-ups close" in page and "20 November 2026" in page
    assert "Save settings" not in page
    assert "Gift exchange" in client_for(None).get("/collections/yuletide/").content.decode()


def test_it_reads_and_shows_times_in_the_readers_time_zone(
    owner: User, collection: Collection
) -> None:
    save_reading_preferences(owner, ReadingChoices(time_zone="Asia/Tokyo"))
    client_for(owner).post(URL, settings_form())  # 10:00 in Tokyo is 01:00 UTC
    exchange = GiftExchange.objects.get()
    assert exchange.signup_close_at is not None
    assert exchange.signup_close_at.astimezone(UTC).hour == 1
    assert "20 November 2026, 10:00" in text(client_for(owner).get(URL))
    assert "20 November 2026, 01:00" in text(client_for(None).get(URL))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"signup_close_at": "2026-10-01T10:00"}, "Sign-ups must close after they open"),
        ({"assignments_due_at": "2026-11-02T10:00"}, "due after sign-ups close"),
        ({"requests_required": "3"}, "requests required must be at least 1"),
        ({"offers_allowed": "0", "offers_required": "0"}, "offers allowed must be from 1"),
        ({"request_fandom_min": "3"}, "minimum of fandom tags in a request (3) is more"),
        ({"tag_set": "999"}, "No tag set has that number"),
        ({"signup_open_at": "not a date"}, "Enter a valid date/time"),
    ],
)
def test_it_refuses_settings_that_cannot_work(
    owner: User, collection: Collection, changes: dict[str, str], message: str
) -> None:
    response = client_for(owner).post(URL, settings_form(**changes))
    assert response.status_code == 200
    assert message in text(response)
    assert not GiftExchange.objects.exists()


def test_only_moderators_change_the_settings(
    owner: User, collection: Collection, stranger: User
) -> None:
    assert client_for(stranger).get(URL).status_code == 404  # no exchange yet
    open_exchange(owner, collection)
    assert client_for(stranger).post(URL, settings_form()).status_code == 403
    assert client_for(stranger).get(URL + "signups/").status_code == 404
    assert client_for(stranger).get(URL + "matching/").status_code == 404
    assert client_for(None).get(URL + "signups/").status_code == 302  # to log in


# --- 2. sign-ups ----------------------------------------------------------------------------


def test_a_member_signs_up_edits_and_deletes(
    owner: User, collection: Collection, reader: User
) -> None:
    exchange = open_exchange(owner, collection)
    client = client_for(reader)
    assert "Request 2" in client.get(URL + "signup/").content.decode()
    response = client.post(URL + "signup/", signup_form(reader))
    assert response.status_code == 302, text(response)[:3000]
    signup = ExchangeSignUp.objects.get(exchange=exchange, user=reader)
    request = signup.prompts.get(kind="request")
    assert sorted(request.tags.values_list("name", flat=True)) == ["Cowboy Bebop", "Faye Valentine"]
    assert request.description == "Something with rain."
    form = client.get(URL + "signup/").content.decode()
    assert "Faye Valentine" in form and "Edit your sign-up" in form
    client.post(URL + "signup/", signup_form(reader, request_1_character=""))
    assert ExchangePrompt.objects.filter(signup=signup).count() == 2
    assert not signup.prompts.get(kind="request").tags.filter(name="Faye Valentine").exists()
    assert client.post(URL + "signup/delete/").status_code == 302
    assert not ExchangeSignUp.objects.exists() and not ExchangePrompt.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"request_1_fandom": "", "request_1_character": "", "request_1_description": ""},
            "needs at least 1 requests",
        ),
        ({"request_1_fandom": "A, B, C"}, "Request 1: name at most 2 fandom tag(s); you named 3"),
        (
            {"request_1_fandom": "", "request_1_description": "x"},
            "Request 1: name at least 1 fandom tag(s)",
        ),
        ({"offer_1_character": "A, B, C"}, "Offer 1: name at most 2 character tag(s)"),
        ({"request_1_url": "javascript:alert(1)"}, "must start with http:// or https://"),
        ({"request_1_fandom": "Bad*Tag"}, "which tags cannot hold"),
        ({"pseud": "999999"}, "Select a valid choice"),
    ],
)
def test_it_refuses_a_bad_signup_and_saves_nothing(
    owner: User, collection: Collection, reader: User, changes: dict[str, str], message: str
) -> None:
    open_exchange(owner, collection)
    response = client_for(reader).post(URL + "signup/", signup_form(reader, **changes))
    assert response.status_code == 200
    assert message in text(response)
    assert not ExchangeSignUp.objects.exists() and not ExchangePrompt.objects.exists()


def test_it_keeps_to_the_tag_set(owner: User, collection: Collection, reader: User) -> None:
    tag_set = create_tag_set(
        owner, TagSetInput(title="Rare", tags={"fandom": ["Cowboy Bebop", "Trigun"]})
    )
    open_exchange(owner, collection, tag_set_id=tag_set.pk)
    response = client_for(reader).post(
        URL + "signup/", signup_form(reader, request_1_fandom="Star Wars")
    )
    assert "“Star Wars” is not in this exchange's tag set" in text(response)
    assert not ExchangeSignUp.objects.exists()
    # Characters are not in the set either: a set limits every type it could hold.
    response = client_for(reader).post(
        URL + "signup/", signup_form(reader, request_1_character="", request_1_fandom="trigun")
    )
    assert response.status_code == 302


def test_it_takes_signups_only_while_open(
    owner: User, collection: Collection, reader: User
) -> None:
    exchange = open_exchange(owner, collection)
    GiftExchange.objects.filter(pk=exchange.pk).update(
        signup_open_at=timezone.now() + timedelta(days=1),
        signup_close_at=timezone.now() + timedelta(days=2),
    )
    response = client_for(reader).post(URL + "signup/", signup_form(reader))
    assert "Sign-ups for this exchange are not open yet." in text(response)
    _close(exchange)
    response = client_for(reader).post(URL + "signup/", signup_form(reader))
    assert "Sign-ups for this exchange are closed" in text(response)
    assert not ExchangeSignUp.objects.exists()


def _tag_safe(text: str) -> str:
    """`text` without the characters a tag name may not hold (nor commas, which split)."""
    kept = "".join(" " if ch in FORBIDDEN_TAG_CHARS else ch for ch in text)
    return " ".join(kept.split()) or "Someone"


def test_hostile_text_never_breaks_a_signup(
    owner: User, collection: Collection, reader: User
) -> None:
    open_exchange(owner, collection)
    client = client_for(reader)
    saved = 0
    for number, hostile in enumerate(hostile_corpus()[:40]):
        response = client.post(
            URL + "signup/",
            signup_form(
                reader,
                request_1_description=hostile,
                # Tag names refuse , < > and a few more (tested apart): without them the
                # sign-up can be saved, whichever corpus runs (a bare clone's is all markup).
                request_1_character=_tag_safe(hostile[:90]),
                offer_1_url=hostile if number % 4 == 0 else "",
            ),
        )
        assert response.status_code in (200, 302), hostile
        if response.status_code == 200:  # refused, with a message; nothing half-saved
            assert "form-errors" in text(response) or "errorlist" in text(response)
        else:
            saved += 1
            request = ExchangePrompt.objects.get(signup__user=reader, kind="request")
            assert request.description == hostile.replace("\x00", "").strip()
        assert ExchangePrompt.objects.filter(signup__user=reader).count() in (0, 2)
        assert_nothing_executable(client.get(URL + "signup/").content.decode(), page=True)
    assert saved > 10
    assert_nothing_executable(client_for(owner).get(URL + "signups/").content.decode(), page=True)


# --- 3. matching ----------------------------------------------------------------------------


@pytest.fixture
def four(db: None) -> list[User]:
    return [sign_up(f"fan{i}", f"fan{i}@example.org", PASSWORD) for i in range(4)]


def test_the_worker_matches_and_moderators_review(
    owner: User, collection: Collection, four: list[User]
) -> None:
    exchange = open_exchange(owner, collection)
    a, b, c, d = four
    join(a, exchange, "Bebop", "Trigun")
    join(b, exchange, "Trigun", "Bebop")
    join(c, exchange, "Bebop", "Trigun")
    join(d, exchange, "Trigun", "Bebop")
    _close(exchange)
    run = _match(owner, exchange)
    assert run.status == RunStatus.DONE and "4 assignments proposed" in run.message
    assignments = list(
        Assignment.objects.filter(exchange=exchange).select_related("giver", "recipient")
    )
    assert len(assignments) == 4 and all(x.score > 0 for x in assignments)
    for x in assignments:
        assert x.giver is not None and x.giver.user_id != x.recipient.user_id
    page = client_for(owner).get(URL + "matching/").content.decode()
    assert "Proposed assignments" in page and 'http-equiv="refresh"' not in page
    # Swap two givers (a swap that would have someone write for themselves is refused).
    first = assignments[0]
    mirror = next(x for x in assignments if x.giver_id == first.recipient_id)
    response = client_for(owner).post(
        URL + "matching/", {"verb": "swap", "id": first.pk, "other": mirror.pk}, follow=True
    )
    assert "would have someone write for themselves" in text(response)
    second = next(
        x
        for x in assignments
        if x.pk != first.pk
        and x.giver_id != first.recipient_id
        and first.giver_id != x.recipient_id
    )
    client_for(owner).post(URL + "matching/", {"verb": "swap", "id": first.pk, "other": second.pk})
    assert Assignment.objects.get(pk=first.pk).giver_id == second.giver_id
    assert Assignment.objects.get(pk=second.pk).giver_id == first.giver_id
    response = client_for(owner).post(
        URL + "matching/", {"verb": "swap", "id": first.pk, "other": "x"}, follow=True
    )
    assert "Choose two assignments whose givers to swap." in text(response)
    # Take one person out; a re-run leaves them out.
    client_for(owner).post(URL + "matching/", {"verb": "remove", "id": a.exchange_signups.get().pk})
    assert not Assignment.objects.filter(recipient__user=a).exists()
    assert Assignment.objects.filter(giver__isnull=True).count() == 1
    run = _match(owner, exchange)
    assert run.status == RunStatus.DONE
    assert Assignment.objects.filter(exchange=exchange).count() == 3
    assert not Assignment.objects.filter(giver__user=a).exists()


def test_the_matching_page_refreshes_while_the_worker_runs(
    owner: User, collection: Collection, four: list[User]
) -> None:
    exchange = open_exchange(owner, collection)
    for user in four[:2]:
        join(user, exchange, "Bebop", "Bebop")
    response = client_for(owner).post(URL + "matching/", {"verb": "run"}, follow=True)
    assert "Sign-ups are still open: match once they close" in text(response)
    _close(exchange)
    client_for(owner).post(URL + "matching/", {"verb": "run"})
    page = client_for(owner).get(URL + "matching/").content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "Waiting for the worker" in page
    response = client_for(owner).post(URL + "matching/", {"verb": "run"}, follow=True)
    assert "A matching is under way already" in text(response)


def test_it_says_clearly_when_no_matching_is_possible(
    owner: User, collection: Collection, four: list[User]
) -> None:
    exchange = open_exchange(owner, collection)
    join(four[0], exchange, "Bebop", "Bebop")
    _close(exchange)
    response = client_for(owner).post(URL + "matching/", {"verb": "run"}, follow=True)
    assert "needs at least two sign-ups to match; it has 1" in text(response)
    assert not MatchingRun.objects.exists()
    GiftExchange.objects.filter(pk=exchange.pk).update(
        signup_close_at=timezone.now() + timedelta(days=1)
    )
    join(four[1], exchange, "Trigun", "Trigun")  # each offers what no one else wants
    _close(exchange)
    run = _match(owner, exchange)
    assert run.status == RunStatus.FAILED
    assert "no assignment is possible" in run.message
    assert "no assignment is possible" in client_for(owner).get(URL + "matching/").content.decode()
    assert not Assignment.objects.exists()


def test_a_stale_run_does_nothing(owner: User, collection: Collection, four: list[User]) -> None:
    exchange = open_exchange(owner, collection)
    for user in four[:2]:
        join(user, exchange, "Bebop", "Bebop")
    _close(exchange)
    run = start_matching(owner, exchange)
    assert run_matching.call(run.pk) is True
    assert run_matching.call(run.pk) is False  # done already
    assert run_matching.call(run.pk + 100) is False


# --- 4 and 5. assignments, gifts, defaults, pinch hits ---------------------------------------


@pytest.fixture
def sent(owner: User, collection: Collection, four: list[User]) -> GiftExchange:
    exchange = open_exchange(owner, collection)
    a, b, c, d = four
    join(a, exchange, "Bebop", "Trigun")
    join(b, exchange, "Trigun", "Bebop")
    join(c, exchange, "Bebop", "Trigun")
    join(d, exchange, "Trigun", "Bebop")
    _close(exchange)
    _match(owner, exchange)
    client_for(owner).post(URL + "matching/", {"verb": "send"})
    exchange.refresh_from_db()
    return exchange


def test_sending_tells_each_giver_once(owner: User, sent: GiftExchange, four: list[User]) -> None:
    assert sent.assignments_sent_at is not None
    for user in four:
        assert Notification.objects.filter(recipient=user, kind="exchange-assignment").count() == 1
    response = client_for(owner).post(URL + "matching/", {"verb": "send"}, follow=True)
    assert "Assignments were sent already" in text(response)
    response = client_for(owner).post(URL + "matching/", {"verb": "run"}, follow=True)
    assert "Assignments were sent already" in text(response)
    assert Notification.objects.filter(kind="exchange-assignment").count() == 4
    # Sign-ups reopened by mistake: a sent sign-up can't be deleted.
    GiftExchange.objects.filter(pk=sent.pk).update(
        signup_close_at=timezone.now() + timedelta(days=1)
    )
    response = client_for(four[0]).post(URL + "signup/delete/", follow=True)
    assert "Assignments were sent already" in text(response)
    assert ExchangeSignUp.objects.filter(user=four[0]).exists()


def test_a_giver_sees_only_their_recipients_requests(
    sent: GiftExchange, four: list[User], stranger: User
) -> None:
    a = four[0]
    mine = Assignment.objects.select_related("recipient__user").get(giver__user=a)
    page = client_for(a).get("/assignments/").content.decode()
    assert f"/assignments/{mine.pk}/" in page
    assert page.count("/assignments/") - page.count('href="/assignments/"') >= 1
    others = Assignment.objects.exclude(pk=mine.pk)
    for other in others:
        assert f"/assignments/{other.pk}/" not in page
        assert client_for(a).get(f"/assignments/{other.pk}/").status_code == 404
    detail = client_for(a).get(f"/assignments/{mine.pk}/").content.decode()
    assert mine.recipient.pseud.name in detail and "Rain, please." in detail
    assert "Due " in detail
    assert client_for(stranger).get(f"/assignments/{mine.pk}/").status_code == 404
    assert client_for(None).get("/assignments/").status_code == 302


def test_posting_for_an_assignment_makes_a_gift_in_the_collection(
    sent: GiftExchange, collection: Collection, four: list[User]
) -> None:
    a = four[0]
    mine = Assignment.objects.select_related("recipient__pseud").get(giver__user=a)
    work = make_work(a, "For you")
    draft = make_work(a, "Not yet", draft=True)
    theirs = make_work(four[1], "Not mine")
    client = client_for(a)
    response = client.post(
        f"/assignments/{mine.pk}/", {"verb": "fulfil", "work": theirs.pk}, follow=True
    )
    assert "Choose one of your posted works." in text(response)
    response = client.post(
        f"/assignments/{mine.pk}/", {"verb": "fulfil", "work": draft.pk}, follow=True
    )
    assert "a draft can't fulfil an assignment" in text(response)
    response = client.post(
        f"/assignments/{mine.pk}/", {"verb": "fulfil", "work": "<b>"}, follow=True
    )
    assert "Choose one of your posted works." in text(response)
    detail = client.get(f"/assignments/{mine.pk}/").content.decode()
    link = f"/works/new/?collections=yuletide&amp;gifts={mine.recipient.pseud.name}"
    assert link in detail
    form = client.get(html.unescape(link)).content.decode()
    assert 'value="yuletide"' in form and f'value="{mine.recipient.pseud.name}"' in form
    response = client.post(f"/assignments/{mine.pk}/", {"verb": "fulfil", "work": work.pk})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.fulfilled_at is not None and mine.work_id == work.pk
    assert CollectionItem.objects.filter(collection=collection, work=work, approved=True).exists()
    assert Gift.objects.filter(work=work, pseud=mine.recipient.pseud).exists()
    recipient = mine.recipient.pseud.user
    assert Notification.objects.filter(recipient=recipient, kind="gift").count() == 1
    response = client.post(
        f"/assignments/{mine.pk}/", {"verb": "fulfil", "work": work.pk}, follow=True
    )
    assert "fulfilled already" in text(response)


def test_a_default_and_a_pinch_hit(
    owner: User, sent: GiftExchange, four: list[User], stranger: User
) -> None:
    a = four[0]
    mine = Assignment.objects.get(giver__user=a)
    response = client_for(a).post(f"/assignments/{mine.pk}/", {"verb": "default"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.defaulted_at is not None and mine.is_open
    assert Notification.objects.filter(recipient=owner, kind="exchange-default").count() == 1
    assert client_for(a).get(f"/assignments/{mine.pk}/").status_code == 404
    page = client_for(owner).get(URL + "matching/").content.decode()
    assert "defaulted: needs a pinch hitter" in page
    recipient = mine.recipient.user
    response = client_for(owner).post(
        URL + "matching/", {"verb": "pinch", "assignment": mine.pk, "pseud": recipient.username}
    )
    assert "can't be the assignment's recipient" in text(response)
    response = client_for(owner).post(
        URL + "matching/", {"verb": "pinch", "assignment": mine.pk, "pseud": "<script>nobody"}
    )
    assert "No member's pseud is called" in text(response)
    assert_nothing_executable(response.content.decode(), page=True)
    response = client_for(owner).post(
        URL + "matching/", {"verb": "pinch", "assignment": mine.pk, "pseud": stranger.username}
    )
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=stranger, kind="exchange-pinch-hit").count() == 1
    assert client_for(stranger).get(f"/assignments/{mine.pk}/").status_code == 200
    # Only open assignments take pinch hits, and the pinch hitter is told once.
    client_for(owner).post(
        URL + "matching/", {"verb": "pinch", "assignment": mine.pk, "pseud": stranger.username}
    )
    assert Notification.objects.filter(recipient=stranger, kind="exchange-pinch-hit").count() == 1
    assert Notification.objects.filter(recipient=owner, kind="exchange-default").count() == 1


def test_settings_validation_through_the_action(owner: User, collection: Collection) -> None:
    now = timezone.now()
    with pytest.raises(ValidationError, match="Give both"):
        save_exchange(owner, collection, ExchangeInput(signup_open_at=now, signup_close_at=None))
    with pytest.raises(ValidationError, match="no foo tags"):
        save_exchange(
            owner,
            collection,
            ExchangeInput(
                signup_open_at=now, signup_close_at=now + timedelta(days=1), match_counts={"foo": 1}
            ),
        )


@commits  # every app named, so PostgreSQL's flush truncates with CASCADE
def test_the_database_worker_runs_the_queued_matching() -> None:
    # Real commits: the run is queued with the request's transaction, and the database
    # worker (what `ficarchive worker` runs) claims and runs it, saving its progress.
    owner = sign_up("mod", "mod@example.org", PASSWORD)
    collection = create_collection(owner, CollectionInput(name="yuletide", title="Yuletide"))
    exchange = open_exchange(owner, collection)
    fans = [sign_up(f"fan{i}", f"fan{i}@example.org", PASSWORD) for i in range(3)]
    for fan in fans:
        join(fan, exchange, "Bebop", "Bebop")
    _close(exchange)
    client_for(owner).post(URL + "matching/", {"verb": "run"})
    assert MatchingRun.objects.get().status == RunStatus.QUEUED
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="exchange-test-worker",
        excluded_queue_names=[],
    ).run()
    run = MatchingRun.objects.get()
    assert run.status == RunStatus.DONE and run.stage == "done"
    assert run.total >= 1 and run.done == run.total and run.finished_at is not None
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    assert Assignment.objects.filter(exchange=exchange).count() == 3
    page = text(client_for(owner).get(URL + "matching/"))
    assert "Latest matching: Done" in page and 'http-equiv="refresh"' not in page


def test_hostile_input_never_breaks_the_moderators_forms(owner: User, sent: GiftExchange) -> None:
    client = client_for(owner)
    target = Assignment.objects.first()
    assert target is not None
    for hostile in hostile_corpus()[:30]:
        for data in (
            {"verb": "pinch", "assignment": target.pk, "pseud": hostile},
            {"verb": "pinch", "assignment": hostile, "pseud": "fan1"},
            {"verb": "swap", "id": hostile, "other": target.pk},
            {"verb": hostile},
        ):
            response = client.post(URL + "matching/", data)
            assert response.status_code in (200, 302), hostile
        response = client.post(
            URL, settings_form(signup_open_at=hostile, request_fandom_max=hostile)
        )
        assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Assignment.objects.filter(pinch_hitter__isnull=False).exists()
    assert_nothing_executable(client.get(URL + "matching/").content.decode(), page=True)


def test_the_moderators_pages_take_a_fixed_number_of_queries(
    owner: User, collection: Collection, django_assert_max_num_queries: Any
) -> None:
    exchange = open_exchange(owner, collection)
    fans = [sign_up(f"fan{i}", f"fan{i}@example.org", PASSWORD) for i in range(12)]
    for fan in fans:
        join(fan, exchange, "Bebop", "Bebop")
    _close(exchange)
    _match(owner, exchange)
    client = client_for(owner)
    for path in ("signups/", "matching/"):
        client.get(URL + path)
        with django_assert_max_num_queries(20):
            response = client.get(URL + path)
        assert response.status_code == 200
        assert response.content.decode().count("fan11") >= 1
