"""Anonymous and unrevealed collections, and their reveal: no surface leaks an anonymous
work's creators or an unrevealed work's text, for guests, other members, the creator, the
gift recipient and the collection's moderator, before and after the reveal.

The creator's only pseud is `quillwright` (a name no page says by chance); the works carry
words no page says by chance either. Each walk asks every surface (pages, listings, search,
feeds, OPDS, downloads, the API, user and pseud pages, comments, kudos, notifications, the
data export) and looks for those strings.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.export import collect
from ficarchive.accounts.models import User
from ficarchive.api.actions import create_token
from ficarchive.bookmarks.actions import BookmarkInput, save_bookmark
from ficarchive.collections.actions import (
    CollectionInput,
    create_collection,
    refresh_work_flags,
    remove_work,
    reveal_collection,
    reveal_due,
    set_work_collections,
)
from ficarchive.collections.models import Collection, CollectionItem
from ficarchive.collections.tasks import start_reveals
from ficarchive.comments.actions import CommentInput, add_comment
from ficarchive.comments.models import Comment
from ficarchive.kudos.actions import leave_kudos
from ficarchive.notifications.models import Notification
from ficarchive.series.actions import SeriesInput, create_series
from ficarchive.series.actions import add_work as add_to_series
from ficarchive.subscriptions.actions import subscribe_to_creator, subscribe_to_work
from ficarchive.works.models import Chapter, Work
from tests.conftest import PASSWORD, client_for, commits, make_work
from tests.downloads import get_file

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

NAME = "quillwright"  # the creator's username and only pseud
MASKED = "Masked Ballad"  # in the anonymous collection
MASKED_WORD = "zephyrglass"  # in its text
HIDDEN = "Solstice Envelope"  # in the unrevealed (and anonymous) collection
HIDDEN_WORD = "quorbilant"  # in its text


@pytest.fixture(autouse=True)
def _immediate_tasks() -> Iterator[None]:
    with override_settings(
        TASKS=IMMEDIATE, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    ):
        yield


@dataclass
class Fest:
    creator: User
    recipient: User
    moderator: User
    member: User
    follower: User
    masked_in: Collection  # anonymous
    hush: Collection  # anonymous and unrevealed
    masked: Work
    hidden: Work

    def viewers(self) -> dict[str, User | None]:
        return {
            "guest": None,
            "member": self.member,
            "creator": self.creator,
            "recipient": self.recipient,
            "moderator": self.moderator,
        }


def _post(creator: User, title: str, word: str, collection: Collection, **fields: Any) -> Work:
    """Post a work into a collection as the work form does: one transaction."""
    with transaction.atomic():
        work = make_work(
            creator, title, text=f"The {word} rang twice.\n\nThen it stopped.", **fields
        )
        set_work_collections(creator, work, [collection])
    return work


@pytest.fixture
def fest(db: None, django_capture_on_commit_callbacks: OnCommit) -> Fest:
    creator = sign_up(NAME, "q@example.org", PASSWORD)
    recipient = sign_up("giftee", "g@example.org", PASSWORD)
    moderator = sign_up("modmin", "m@example.org", PASSWORD)
    member = sign_up("bystander", "b@example.org", PASSWORD)
    follower = sign_up("follower", "f@example.org", PASSWORD)
    subscribe_to_creator(follower, creator)
    masked_in = create_collection(
        moderator, CollectionInput(name="masquerade", title="Masquerade", anonymous=True)
    )
    hush = create_collection(
        moderator,
        CollectionInput(name="hush", title="Hush Exchange", anonymous=True, unrevealed=True),
    )
    with django_capture_on_commit_callbacks(execute=True):
        masked = _post(creator, MASKED, MASKED_WORD, masked_in, freeforms=["Masks"])
        hidden = _post(creator, HIDDEN, HIDDEN_WORD, hush, gifts=["giftee"], freeforms=["Masks"])
    masked.refresh_from_db()
    hidden.refresh_from_db()
    return Fest(creator, recipient, moderator, member, follower, masked_in, hush, masked, hidden)


def _api(path: str, user: User | None) -> Any:
    headers: dict[str, Any] = {}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {create_token(user, 'anon-test')[1]}"
    response = Client().get(path, **headers)
    return response.status_code, response.content.decode()


def _text(client: Client, path: str) -> tuple[int, str]:
    response = get_file(client, path) if "/download/" in path else client.get(path)
    if hasattr(response, "streaming_content"):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    return response.status_code, body.decode("utf-8", "replace")


# --- the flags ---------------------------------------------------------------------------


def test_the_works_carry_their_collections_flags(fest: Fest) -> None:
    assert (fest.masked.anonymous, fest.masked.unrevealed) == (True, False)
    assert (fest.hidden.anonymous, fest.hidden.unrevealed) == (True, True)
    # Leaving the collection clears them; coming back sets them again.
    item = CollectionItem.objects.get(work=fest.masked)
    remove_work(fest.creator, item)
    fest.masked.refresh_from_db()
    assert (fest.masked.anonymous, fest.masked.unrevealed) == (False, False)
    set_work_collections(fest.creator, fest.masked, [fest.masked_in])
    fest.masked.refresh_from_db()
    assert fest.masked.anonymous
    # Nothing changes: nothing is written.
    assert refresh_work_flags([fest.masked.pk, fest.hidden.pk]) == []


def test_a_work_waiting_for_a_moderator_is_hidden_already(fest: Fest) -> None:
    moderated = create_collection(
        fest.moderator,
        CollectionInput(name="slow", title="Slow", moderated=True, unrevealed=True),
    )
    work = make_work(fest.creator, "Queued Work")
    set_work_collections(fest.creator, work, [moderated])
    work.refresh_from_db()
    assert work.unrevealed
    assert client_for(fest.member).get(f"/works/{work.pk}/").status_code == 404


def test_an_invitation_hides_nothing_until_the_creator_accepts(fest: Fest) -> None:
    from ficarchive.collections.actions import answer_invitation, invite_work

    work = make_work(fest.creator, "Invited Work")
    item = invite_work(fest.moderator, fest.hush, work)
    work.refresh_from_db()
    assert not work.unrevealed
    answer_invitation(fest.creator, item, accept=True)
    work.refresh_from_db()
    assert work.unrevealed and work.anonymous


# --- the anonymous work: readable by all, named by none ----------------------------------


def test_no_surface_names_the_creator_of_an_anonymous_work(fest: Fest) -> None:
    work = fest.masked
    # The creator answers a comment on their own work; a reader bookmarks and leaves kudos.
    chapter = Chapter.objects.get(work=work)
    root, _ = add_comment(
        work, chapter, CommentInput("Lovely.", uuid.uuid4().hex), user=fest.member
    )
    reply, _ = add_comment(
        work, chapter, CommentInput("Thank you!", uuid.uuid4().hex), user=fest.creator, parent=root
    )
    leave_kudos(work, user=fest.member)
    save_bookmark(fest.member, BookmarkInput(notes="Great"), work=work)
    series = create_series(fest.creator, SeriesInput(title="Open Series"))
    add_to_series(fest.creator, series, work)
    pages = [
        f"/works/{work.pk}/",
        f"/works/{work.pk}/chapters/1/",
        f"/works/{work.pk}/full/",
        f"/works/{work.pk}/bookmarks/",
        f"/comments/{reply.pk}/",
        f"/comments/{root.pk}/",
        "/",
        "/works/",
        f"/works/?q={MASKED_WORD}",
        "/tags/Masks/works/",
        "/tags/Cowboy%20Bebop/feed.atom",
        "/collections/masquerade/",
        "/collections/masquerade/works/",
        "/collections/masquerade/participants/",
        "/collections/masquerade/bookmarks/",
        "/collections/masquerade/feed.atom",
        "/users/bystander/bookmarks/",
        "/opds/new/",
        f"/opds/search/?q={MASKED_WORD}",
        f"/works/{work.pk}/download/html/",
        f"/works/{work.pk}/download/txt/",
        f"/works/{work.pk}/download/epub/",
    ]
    for who, user in fest.viewers().items():
        if who == "creator":
            continue  # their own name is in their own header
        client = client_for(user)
        for path in pages:
            status, body = _text(client, path)
            assert status == 200, (who, path, status)
            reading = path.startswith(f"/works/{work.pk}/") and path.count("/") <= 5
            if (
                who == "moderator"
                and reading
                and "download" not in path
                and "bookmarks" not in path
            ):
                # The moderator (alone with the creator) is told who, on the work's pages.
                assert f"shown to you only: {NAME}" in body, (who, path)
                continue
            assert NAME not in body.casefold(), (who, path)
        # The work is still found and read by everyone.
        assert MASKED_WORD in _text(client, f"/works/{work.pk}/")[1]
        assert MASKED in _text(client, "/works/")[1]
        assert "Anonymous" in _text(client, "/works/")[1]
        assert "Anonymous Creator" in _text(client, f"/comments/{reply.pk}/")[1]
        assert MASKED in _text(client, f"/works/?q={MASKED_WORD}")[1]
        assert MASKED not in _text(client, f"/works/?q={NAME}")[1]
        # A series names its creator: the anonymous work is not in it for others.
        assert MASKED not in _text(client, f"/series/{series.pk}/")[1]
    # The creator's own pages and the API name none of it for others.
    for who, user in fest.viewers().items():
        client = client_for(user)
        for path in (f"/users/{NAME}/", f"/users/{NAME}/pseuds/{NAME}/"):
            status, body = _text(client, path)
            assert status == 200
            assert (MASKED in body) == (who == "creator"), (who, path)
        for path in (f"/api/v1/works/{work.pk}/", "/api/v1/works/"):
            status, body = _api(path, user)
            assert status == 200 and NAME not in body, (who, path)
        status, body = _api(f"/api/v1/users/{NAME}/", user)
        assert json.loads(body)["work_count"] == (2 if who == "creator" else 0), who
    assert json.loads(_api(f"/api/v1/works/{work.pk}/", None)[1])["anonymous"] is True


def test_people_search_counts_anonymous_works_for_their_creator_only(fest: Fest) -> None:
    """A pseud found by name shows no anonymous work (nor its fandom) to anyone else: the
    count and the fandoms would tie the work to its creator."""
    for who, user in fest.viewers().items():
        status, body = _text(client_for(user), f"/people/search/?q={NAME}")
        assert status == 200, who
        if who == "creator":
            assert "2 works" in body and "Cowboy Bebop" in body, body
        else:
            assert "0 works" in body and "Cowboy Bebop" not in body, (who, body)


def test_notifications_never_name_the_anonymous_creator(fest: Fest) -> None:
    work = fest.masked
    chapter = Chapter.objects.get(work=work)
    root, _ = add_comment(
        work, chapter, CommentInput("Lovely.", uuid.uuid4().hex), user=fest.member
    )
    add_comment(
        work, chapter, CommentInput("Thank you!", uuid.uuid4().hex), user=fest.creator, parent=root
    )
    for user in (fest.member, fest.follower, fest.recipient, fest.moderator):
        for note in Notification.objects.filter(recipient=user):
            assert NAME not in note.message.casefold(), (user.username, note.message)
    reply_note = Notification.objects.get(recipient=fest.member, kind="comment-reply")
    assert reply_note.message.startswith("Anonymous Creator replied")
    # The creator's subscribers hear nothing of the anonymous work while it is anonymous.
    assert not Notification.objects.filter(recipient=fest.follower).exists()
    inbox = client_for(fest.member).get("/inbox/").content.decode()
    assert NAME not in inbox


def test_a_works_own_subscribers_hear_of_new_chapters_as_anonymous(
    fest: Fest, django_capture_on_commit_callbacks: OnCommit
) -> None:
    from ficarchive.works.actions import ChapterInput, add_chapter

    subscribe_to_work(fest.member, fest.masked)
    with django_capture_on_commit_callbacks(execute=True):
        add_chapter(fest.creator, fest.masked, ChapterInput(text="More.", text_format="text"))
    note = Notification.objects.get(recipient=fest.member, kind="posted")
    assert "Anonymous" in note.message and NAME not in note.message
    assert not Notification.objects.filter(recipient=fest.follower).exists()


def test_the_data_export_of_others_names_no_anonymous_creator(fest: Fest) -> None:
    work = fest.masked
    leave_kudos(work, user=fest.member)
    save_bookmark(fest.member, BookmarkInput(notes="Great"), work=work)
    assert NAME not in json.dumps(collect(fest.member)).casefold()
    assert NAME not in json.dumps(collect(fest.recipient)).casefold()
    assert HIDDEN_WORD not in json.dumps(collect(fest.member))


# --- the unrevealed work: hidden from all but its people ---------------------------------


def _unrevealed_pages(work: Work) -> list[str]:
    return [
        f"/works/{work.pk}/",
        f"/works/{work.pk}/chapters/1/",
        f"/works/{work.pk}/full/",
        f"/works/{work.pk}/bookmarks/",
        f"/works/{work.pk}/download/html/",
        f"/works/{work.pk}/download/epub/",
    ]


LISTINGS = [
    "/",
    "/works/",
    f"/works/?q={HIDDEN_WORD}",
    "/tags/Masks/works/",
    "/tags/Cowboy%20Bebop/feed.atom",
    "/collections/",
    "/collections/hush/",
    "/collections/hush/works/",
    "/collections/hush/participants/",
    "/collections/hush/fandoms/",
    "/collections/hush/feed.atom",
    f"/users/{NAME}/",
    f"/users/{NAME}/pseuds/{NAME}/",
    "/users/giftee/gifts/",
    "/opds/new/",
    f"/opds/search/?q={HIDDEN_WORD}",
]


def test_an_unrevealed_work_shows_only_to_its_creator_recipient_and_moderator(
    fest: Fest,
) -> None:
    work = fest.hidden
    for who, user in fest.viewers().items():
        client = client_for(user)
        readers = ("creator", "recipient", "moderator")
        for path in _unrevealed_pages(work):
            status, body = _text(client, path)
            if who in readers:
                assert status == 200, (who, path)
            else:
                assert status == 404, (who, path, status)
                assert HIDDEN not in body and HIDDEN_WORD not in body
        for path in LISTINGS:
            status, body = _text(client, path)
            assert status == 200, (who, path)
            shown = HIDDEN in body
            # The creator reads their own work everywhere; the recipient on their gifts.
            own_path = who == "creator" or (who == "recipient" and path == "/users/giftee/gifts/")
            if not own_path:
                assert not shown, (who, path)
            searched = "q=" in path  # a search page repeats the words asked for
            assert HIDDEN_WORD not in body or who == "creator" or searched, (who, path)
        for path in (f"/api/v1/works/{work.pk}/", f"/api/v1/works/{work.pk}/chapters/"):
            status, _body = _api(path, user)
            assert status == (200 if who == "creator" else 404), (who, path)
        status, body = _api("/api/v1/works/", user)
        assert (HIDDEN in body) == (who == "creator"), who
    # Counts: the collection's index and profile count only what the reader may read.
    guest_index = client_for(None).get("/collections/hush/").content.decode()
    assert "0 works" in guest_index
    # The moderator's queue lists it, and names its creator for them.
    queue = client_for(fest.moderator).get("/collections/hush/items/?status=approved")
    assert HIDDEN in queue.content.decode() and NAME in queue.content.decode()


def test_subscribers_hear_of_an_unrevealed_work_at_the_reveal_once(
    fest: Fest, django_capture_on_commit_callbacks: OnCommit
) -> None:
    assert not Notification.objects.filter(recipient=fest.follower).exists()
    with django_capture_on_commit_callbacks(execute=True):
        count = reveal_collection(fest.moderator, fest.hush)
    assert count == 1
    fest.hidden.refresh_from_db()
    assert (fest.hidden.anonymous, fest.hidden.unrevealed) == (False, False)
    posted = Notification.objects.filter(recipient=fest.follower, kind="posted")
    assert [n.message for n in posted] == [f"{NAME} posted a new work: {HIDDEN}"]
    # The creator and the recipient are told.
    assert Notification.objects.filter(recipient=fest.creator, kind="collection-reveal").exists()
    assert Notification.objects.filter(
        recipient=fest.recipient, key__startswith="gift-reveal:"
    ).exists()
    # A second run (the date passing after the button) sends nothing again.
    with django_capture_on_commit_callbacks(execute=True):
        fest.hush.reveal_at = timezone.now() - timedelta(minutes=1)
        fest.hush.revealed_at = None
        fest.hush.save()
        reveal_due()
        refresh_work_flags([fest.hidden.pk])
    assert Notification.objects.filter(recipient=fest.follower).count() == 1
    assert Notification.objects.filter(recipient=fest.recipient).count() == 2  # gift, reveal


def test_after_the_reveal_every_surface_shows_and_names_the_work(
    fest: Fest, django_capture_on_commit_callbacks: OnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        reveal_collection(fest.moderator, fest.hush)
        reveal_collection(fest.moderator, fest.masked_in)
    for who, user in fest.viewers().items():
        client = client_for(user)
        for path in _unrevealed_pages(fest.hidden):
            status, body = _text(client, path)
            assert status == 200, (who, path)
        status, body = _text(client, f"/works/{fest.hidden.pk}/")
        assert NAME in body and HIDDEN_WORD in body, who
        for path in ("/works/", f"/works/?q={HIDDEN_WORD}", f"/users/{NAME}/", "/opds/new/"):
            status, body = _text(client, path)
            assert HIDDEN in body, (who, path)
            assert MASKED in _text(client, f"/users/{NAME}/")[1]
        assert HIDDEN in _text(client, "/users/giftee/gifts/")[1], who
        assert f"/users/{NAME}/" in _text(client, "/collections/masquerade/participants/")[1]
        assert NAME in _text(client, f"/works/?q={NAME}")[1], who
        assert NAME in _text(client, f"/works/{fest.masked.pk}/download/txt/")[1], who
        status, body = _api(f"/api/v1/works/{fest.hidden.pk}/", user)
        assert status == 200 and NAME in body, who
    comment = Comment.objects.filter(user=fest.creator).first()
    assert (
        comment is None
        or "Anonymous Creator" not in _text(client_for(None), f"/comments/{comment.pk}/")[1]
    )


# --- the reveal: the button, the date, the worker -----------------------------------------


def test_only_moderators_reveal_and_the_page_asks_first(fest: Fest) -> None:
    assert client_for(fest.member).get("/collections/hush/reveal/").status_code == 404
    assert client_for(fest.member).post("/collections/hush/reveal/").status_code == 404
    assert client_for(None).post("/collections/hush/reveal/").status_code == 302
    moderator = client_for(fest.moderator)
    page = moderator.get("/collections/hush/").content.decode()
    assert 'href="/collections/hush/reveal/"' in page
    assert "Reveal now" in moderator.get("/collections/hush/reveal/").content.decode()
    response = moderator.post("/collections/hush/reveal/", follow=True)
    assert "is revealed (1 work)" in response.content.decode()
    hush = Collection.objects.get(pk=fest.hush.pk)
    assert not hush.hides and hush.revealed_at is not None
    # Nothing left to reveal: said, not a 500.
    again = moderator.post("/collections/hush/reveal/", follow=True).content.decode()
    assert "is not anonymous or unrevealed" in again


def test_a_reveal_date_reveals_through_the_worker(fest: Fest) -> None:
    owner = client_for(fest.moderator)
    soon = timezone.now() + timedelta(hours=1)
    response = owner.post(
        "/collections/hush/edit/",
        {
            "name": "hush",
            "title": "Hush Exchange",
            "open": "on",
            "anonymous": "on",
            "unrevealed": "on",
            "reveal_at": soon.strftime("%Y-%m-%d %H:%M"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hush = Collection.objects.get(pk=fest.hush.pk)
    assert hush.reveal_at is not None and hush.hides
    assert reveal_due() == 0  # not yet
    assert reveal_due(now=soon + timedelta(seconds=1)) == 1
    fest.hidden.refresh_from_db()
    assert not fest.hidden.unrevealed
    assert client_for(None).get(f"/works/{fest.hidden.pk}/").status_code == 200
    assert reveal_due(now=soon + timedelta(hours=1)) == 0  # once


def test_a_worker_that_starts_reveals_what_is_due(fest: Fest) -> None:
    Collection.objects.filter(pk=fest.hush.pk).update(reveal_at=timezone.now() - timedelta(days=1))
    start_reveals()
    fest.hidden.refresh_from_db()
    assert not fest.hidden.unrevealed and not fest.hidden.anonymous


def test_the_form_refuses_a_reveal_date_with_nothing_to_reveal(fest: Fest) -> None:
    response = client_for(fest.moderator).post(
        "/collections/new/",
        {"name": "plain", "title": "Plain", "open": "on", "reveal_at": "2030-01-01 10:00"},
    )
    assert response.status_code == 200
    assert "A reveal date needs an anonymous or unrevealed collection" in response.content.decode()
    assert not Collection.objects.filter(name="plain").exists()
    typo = client_for(fest.moderator).post(
        "/collections/new/",
        {"name": "plain", "title": "Plain", "anonymous": "on", "reveal_at": "next tuesday"},
    )
    assert "Give the reveal date as year-month-day" in typo.content.decode()
    bad = client_for(fest.moderator).post(
        "/collections/new/",
        {"name": "plain", "title": "Plain", "anonymous": "on", "reveal_at": "\x00never"},
    )
    assert bad.status_code in (200, 400) and not Collection.objects.filter(name="plain").exists()


def test_turning_a_collection_anonymous_hides_its_existing_works(fest: Fest) -> None:
    plain = create_collection(fest.moderator, CollectionInput(name="plain", title="Plain"))
    work = make_work(fest.creator, "Plain Work")
    set_work_collections(fest.creator, work, [plain])
    assert NAME in client_for(None).get("/works/").content.decode()
    client_for(fest.moderator).post(
        "/collections/plain/edit/",
        {"name": "plain", "title": "Plain", "open": "on", "anonymous": "on"},
    )
    work.refresh_from_db()
    assert work.anonymous
    assert NAME not in client_for(None).get("/works/").content.decode()
    # A work in two collections stays hidden until both reveal.
    set_work_collections(fest.creator, work, [plain, fest.hush])
    reveal_collection(fest.moderator, Collection.objects.get(name="plain"))
    work.refresh_from_db()
    assert work.anonymous and work.unrevealed


def test_list_pages_keep_their_query_counts_with_anonymous_works(fest: Fest) -> None:
    def counts() -> list[int]:
        found = []
        for path in ("/works/", "/collections/plain/works/", "/tags/Masks/works/"):
            client = client_for(fest.member)
            client.get(path)  # warm the caches of the first request
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            found.append(len(queries))
        return found

    plain = create_collection(fest.moderator, CollectionInput(name="plain", title="Plain"))
    more = [make_work(fest.creator, f"More {index}", freeforms=["Masks"]) for index in range(5)]
    for work in more:
        set_work_collections(fest.creator, work, [plain])
    named = counts()
    # The same works, anonymous: the same queries.
    for work in more:
        set_work_collections(fest.creator, work, [plain, fest.masked_in])
    assert counts() == named


# --- the page cache ------------------------------------------------------------------------


@commits
def test_the_page_cache_never_gives_a_guest_what_a_moderator_saw() -> None:
    from django.core.wsgi import get_wsgi_application

    from ficarchive.core import pagecache
    from tests.test_page_cache import Visitor, _member

    creator = sign_up(NAME, "q@example.org", PASSWORD)
    moderator = sign_up("modmin", "m@example.org", PASSWORD)
    masquerade = create_collection(
        moderator, CollectionInput(name="masquerade", title="Masquerade", anonymous=True)
    )
    hush = create_collection(
        moderator, CollectionInput(name="hush", title="Hush", anonymous=True, unrevealed=True)
    )
    masked = _post(creator, MASKED, MASKED_WORD, masquerade)
    hidden = _post(creator, HIDDEN, HIDDEN_WORD, hush)
    app = pagecache.PageCache(get_wsgi_application())
    first = Visitor(app, "203.0.113.1").get(f"/works/{masked.pk}/")
    assert first.status == 200 and first.cache == "miss" and NAME not in first.body
    seen = _member(app, moderator).get(f"/works/{masked.pk}/")
    assert seen.cache is None and f"shown to you only: {NAME}" in seen.body
    again = Visitor(app, "203.0.113.2").get(f"/works/{masked.pk}/")
    assert again.cache == "hit" and NAME not in again.body
    assert Visitor(app, "203.0.113.2").get(f"/works/{hidden.pk}/").status == 404
    assert _member(app, moderator).get(f"/works/{hidden.pk}/").status == 200
    assert Visitor(app, "203.0.113.2").get(f"/works/{hidden.pk}/").status == 404
    listing = Visitor(app, "203.0.113.3").get("/works/")
    assert HIDDEN not in listing.body and NAME not in listing.body
    # The reveal shows at once to every guest.
    reveal_collection(moderator, masquerade)
    reveal_collection(moderator, hush)
    after = Visitor(app, "203.0.113.4").get(f"/works/{masked.pk}/")
    assert after.cache == "miss" and NAME in after.body
    assert HIDDEN_WORD in Visitor(app, "203.0.113.4").get(f"/works/{hidden.pk}/").body
    assert HIDDEN in Visitor(app, "203.0.113.5").get("/works/").body
