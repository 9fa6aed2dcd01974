"""Collections: owners and moderators, works added by their creators or invited by
moderators, the moderation queue, sub-collections, and the collection's pages (works with
the listing's filters, bookmarks, participants, fandoms, the Atom feed, the work page line)."""

from __future__ import annotations

from typing import Any

import feedparser
import pytest
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ficarchive.accounts.models import User
from ficarchive.bookmarks.actions import BookmarkInput, save_bookmark
from ficarchive.collections.actions import (
    CollectionInput,
    add_member,
    add_work,
    create_collection,
    delete_collection,
    invite_work,
    moderate_item,
    update_collection,
)
from ficarchive.collections.models import Approval, Collection, CollectionItem, CollectionMember
from ficarchive.core import pagecache
from ficarchive.notifications.models import Notification
from ficarchive.works.models import Work
from tests.conftest import client_for, commits, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable
from tests.test_page_cache import Visitor

pytestmark = pytest.mark.django_db


def collection(owner: User, name: str = "dome_fest", **fields: Any) -> Collection:
    fields.setdefault("title", "Dome Fest")
    return create_collection(owner, CollectionInput(name=name, **fields))


def work_form(title: str = "Dome Weather", **fields: str) -> dict[str, str]:
    data = {
        "title": title,
        "rating": "general",
        "warnings": "No Archive Warnings Apply",
        "fandoms": "Cowboy Bebop",
        "text_format": "text",
        "language": "en",
        "allow_guest_kudos": "on",
        "comment_permission": "anyone",
        "text": "It rained under the dome.",
        "intent": "post",
    }
    data.update(fields)
    return data


def test_it_creates_edits_and_deletes_a_collection(author: User, stranger: User) -> None:
    client = client_for(author)
    response = client.post(
        "/collections/new/",
        {
            "name": "Dome_Fest_2026",
            "title": "  Dome   Fest ",
            "description": "<b>Rain</b><script>x</script>",
            "header_notes": "Posting closes in May.",
            "open": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/collections/Dome_Fest_2026/"
    made = Collection.objects.get()
    assert made.title == "Dome Fest" and made.description_html == "<p><b>Rain</b></p>"
    assert CollectionMember.objects.get(collection=made).user == author
    page = client_for(None).get("/collections/dome_fest_2026/").content.decode()
    assert "Dome Fest" in page and "Posting closes in May." in page and "author" in page
    # Strangers cannot reach the owners' pages.
    for path in ("edit/", "delete/", "members/", "items/"):
        assert client_for(stranger).get(f"/collections/Dome_Fest_2026/{path}").status_code == 404
    assert client_for(None).get("/collections/Dome_Fest_2026/edit/").status_code == 302
    response = client.post(
        "/collections/Dome_Fest_2026/edit/",
        {"name": "dome_fest", "title": "Dome Fest", "moderated": "on"},
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.name == "dome_fest" and made.moderated and not made.open
    work = make_work(author)
    add_work(author, made, work)
    client.post("/collections/dome_fest/delete/")
    assert not Collection.objects.exists() and not CollectionItem.objects.exists()
    assert Work.objects.filter(pk=work.pk).exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("dome fest", "only letters, digits and underscores"),
        ("dome-fest", "only letters, digits and underscores"),
        ("dôme", "only letters, digits and underscores"),
        ("../admin", "only letters, digits and underscores"),
        ("new", "a name the site uses"),
        ("ITEMS", "a name the site uses"),
        ("DOME_FEST", "already exists"),
        ("x" * 256, "at most 255 characters"),
    ],
)
def test_it_refuses_bad_names(author: User, name: str, message: str) -> None:
    collection(author)
    response = client_for(author).post("/collections/new/", {"name": name, "title": "T"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Collection.objects.count() == 1


def test_hostile_input_in_every_field_is_refused_or_kept_inert(author: User) -> None:
    client = client_for(author)
    collection(author, "target")
    for i, text in enumerate(hostile_corpus()[:150]):
        data = {
            "name": text,
            "title": text,
            "parent": text,
            "description": text,
            "header_notes": text,
            "open": text,
        }
        response = client.post("/collections/new/", data)
        assert response.status_code in (200, 302), text
        if response.status_code == 200:
            assert_nothing_executable(response.content.decode(), page=True)
        safe = {**data, "name": f"c{i}", "parent": ""}
        response = client.post("/collections/new/", safe)
        if response.status_code == 302:
            page = client_for(None).get(f"/collections/c{i}/")
            assert page.status_code == 200
            assert_nothing_executable(page.content.decode(), page=True)
        # Hostile names in every URL and form of the site's collection pages.
        assert client.get("/collections/target/works/", {"include": text}).status_code == 200
        assert (
            client.post("/collections/target/items/", {"verb": "invite", "work": text}).status_code
            == 200
        )
        assert (
            client.post(
                "/collections/target/members/", {"username": text, "role": text}
            ).status_code
            == 200
        )
        assert (
            client.post("/collections/items/", {"verb": "accept", "item": text}).status_code == 404
        )
    assert Collection.objects.filter(name="target").exists()


def test_a_creator_posts_a_work_to_an_open_collection(author: User, reader: User) -> None:
    fest = collection(reader)
    client = client_for(author)
    response = client.post("/works/new/", work_form(collections="DOME_FEST"))
    assert response.status_code == 302
    work = Work.objects.get()
    item = CollectionItem.objects.get()
    assert item.work == work and item.approved
    page = client_for(None).get(f"/works/{work.pk}/").content.decode()
    assert (
        "<dt>Collections:</dt>" in page
        and '<a href="/collections/dome_fest/">Dome Fest</a>' in page
    )
    listing = client_for(None).get("/collections/dome_fest/works/").content.decode()
    assert "Dome Weather" in listing and "1–1 of 1 work" in listing
    # The edit form shows the collection; clearing it takes the work out.
    edit = client.get(f"/works/{work.pk}/edit/").content.decode()
    assert 'value="dome_fest"' in edit
    response = client.post(f"/works/{work.pk}/edit/", work_form(collections=""))
    assert response.status_code == 302
    assert not CollectionItem.objects.exists()
    assert fest.pk


def test_a_closed_collection_refuses_with_a_clear_message(author: User, reader: User) -> None:
    collection(reader, open=False)
    client = client_for(author)
    response = client.post("/works/new/", work_form(collections="dome_fest"))
    assert response.status_code == 200
    assert "“dome_fest” is closed: it is not accepting new works." in response.content.decode()
    assert not Work.objects.exists()  # nothing half-posted
    response = client.post("/works/new/", work_form(collections="no_such, dome_fest"))
    assert "No collection is named “no_such”." in response.content.decode()
    # Its own members may still add works.
    response = client_for(reader).post("/works/new/", work_form(collections="dome_fest"))
    assert response.status_code == 302 and CollectionItem.objects.get().approved


def test_a_moderated_collection_holds_works_for_approval(
    author: User, reader: User, stranger: User
) -> None:
    fest = collection(reader, moderated=True)
    work = make_work(author, "Waiting Room")
    item = add_work(author, fest, work)
    assert not item.approved and item.moderator_approval == Approval.PENDING
    assert Notification.objects.filter(recipient=reader, kind="collection-item").exists()
    guest = client_for(None)
    assert "Waiting Room" not in guest.get("/collections/dome_fest/works/").content.decode()
    assert "<dt>Collections:</dt>" not in guest.get(f"/works/{work.pk}/").content.decode()
    # The creator sees it waiting.
    mine = client_for(author).get("/collections/items/").content.decode()
    assert "waiting for the moderators" in mine
    moderator = client_for(reader)
    queue = moderator.get("/collections/dome_fest/items/").content.decode()
    assert "Waiting Room" in queue
    # A stranger cannot approve it.
    response = client_for(stranger).post(
        "/collections/dome_fest/items/", {"verb": "approve", "item": item.pk}
    )
    assert response.status_code == 404
    response = moderator.post("/collections/dome_fest/items/", {"verb": "approve", "item": item.pk})
    assert response.status_code == 302
    assert "Waiting Room" in guest.get("/collections/dome_fest/works/").content.decode()
    moderator.post("/collections/dome_fest/items/", {"verb": "reject", "item": item.pk})
    item.refresh_from_db()
    assert not item.approved and item.moderator_approval == Approval.REJECTED
    assert "Waiting Room" not in guest.get("/collections/dome_fest/works/").content.decode()
    # A rejected work cannot be added again by its creator.
    response = client_for(author).post(
        f"/works/{work.pk}/edit/", work_form("Waiting Room", collections="dome_fest")
    )
    assert "declined this work" in response.content.decode()


def test_a_moderator_invites_a_work_and_the_creator_answers(author: User, reader: User) -> None:
    fest = collection(reader)
    one, two = make_work(author, "First Light"), make_work(author, "Second Light")
    moderator = client_for(reader)
    response = moderator.post(
        "/collections/dome_fest/items/",
        {"verb": "invite", "work": f"https://x.example/works/{one.pk}/"},
    )
    assert response.status_code == 302
    invite_work(reader, fest, two)
    assert Notification.objects.filter(recipient=author, kind="collection-invitation").count() == 2
    guest = client_for(None)
    assert "First Light" not in guest.get("/collections/dome_fest/works/").content.decode()
    creator = client_for(author)
    items = {i.work_id: i for i in CollectionItem.objects.all()}
    creator.post("/collections/items/", {"verb": "accept", "item": items[one.pk].pk})
    creator.post("/collections/items/", {"verb": "decline", "item": items[two.pk].pk})
    listing = guest.get("/collections/dome_fest/works/").content.decode()
    assert "First Light" in listing and "Second Light" not in listing
    # Another member cannot answer for the creator.
    response = client_for(reader).post(
        "/collections/items/", {"verb": "accept", "item": items[two.pk].pk}
    )
    assert response.status_code == 404


def test_drafts_restricted_and_hidden_works_stay_out_of_every_collection_page(
    author: User, reader: User, stranger: User
) -> None:
    fest = collection(stranger)
    public = make_work(author, "Open Sky", fandoms=("Cowboy Bebop",))
    locked = make_work(author, "Members Only", restricted=True, fandoms=("Trigun",))
    draft = make_work(author, "Unfinished", draft=True, fandoms=("Hidden Fandom",))
    hidden = make_work(author, "Taken Down", fandoms=("Gone Fandom",))
    for work in (public, locked, draft, hidden):
        add_work(author, fest, work)
    Work.objects.filter(pk=hidden.pk).update(hidden=True)
    save_bookmark(reader, BookmarkInput(notes="Lovely"), work=locked)
    save_bookmark(reader, BookmarkInput(notes="Also good"), work=public)
    guest, member = client_for(None), client_for(reader)
    pages = ("", "works/", "bookmarks/", "participants/", "fandoms/")
    guest_text = "".join(guest.get(f"/collections/dome_fest/{p}").content.decode() for p in pages)
    member_text = "".join(member.get(f"/collections/dome_fest/{p}").content.decode() for p in pages)
    assert "Open Sky" in guest_text and "Cowboy Bebop" in guest_text
    for secret in (
        "Members Only",
        "Trigun",
        "Unfinished",
        "Hidden Fandom",
        "Taken Down",
        "Gone Fandom",
    ):
        assert secret not in guest_text, secret
    assert "Members Only" in member_text and "Trigun" in member_text
    for secret in ("Unfinished", "Hidden Fandom", "Taken Down", "Gone Fandom"):
        assert secret not in member_text, secret
    index = guest.get("/collections/").content.decode()
    assert "1 work" in index
    feed = feedparser.parse(guest.get("/collections/dome_fest/feed.atom").content)
    assert [e.title for e in feed.entries] == ["Open Sky"]


def test_the_feed_is_clean_atom_with_only_public_works(author: User, reader: User) -> None:
    fest = collection(reader, title="<Dome> & “Fest”")
    for i, title in enumerate(hostile_corpus()[:20]):
        add_work(author, fest, make_work(author, title or f"w{i}"))
    add_work(author, fest, make_work(author, "Members Only", restricted=True))
    response = client_for(reader).get("/collections/dome_fest/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title.startswith("<Dome> & “Fest”")
    assert len(feed.entries) == 20
    assert all(e.title != "Members Only" for e in feed.entries)
    assert client_for(None).get("/collections/nope/feed.atom").status_code == 404
    assert client_for(None).post("/collections/dome_fest/feed.atom").status_code == 405


def test_a_parent_collection_gathers_its_sub_collections_works(
    author: User, reader: User, stranger: User
) -> None:
    parent = collection(reader, "yuletide", title="Yuletide")
    client = client_for(reader)
    response = client.post(
        "/collections/new/",
        {"name": "yuletide_2026", "title": "Yuletide 2026", "parent": "Yuletide", "open": "on"},
    )
    assert response.status_code == 302
    child = Collection.objects.get(name="yuletide_2026")
    assert child.parent == parent
    add_work(author, child, make_work(author, "Gift Fic"))
    assert "Gift Fic" in client_for(None).get("/collections/yuletide/works/").content.decode()
    assert "Yuletide 2026" in client_for(None).get("/collections/yuletide/").content.decode()
    # One level only; a parent must be the maker's own.
    response = client.post(
        "/collections/new/", {"name": "deeper", "title": "D", "parent": "yuletide_2026"}
    )
    assert "sub-collections go one level deep" in response.content.decode()
    response = client.post(
        "/collections/yuletide/edit/", {"name": "yuletide", "title": "Y", "parent": "yuletide_2026"}
    )
    assert "has sub-collections, so it cannot be a sub-collection" in response.content.decode()
    response = client_for(stranger).post(
        "/collections/new/", {"name": "mine", "title": "M", "parent": "yuletide"}
    )
    assert "only put a collection inside one you own" in response.content.decode()
    assert Collection.objects.count() == 2


def test_owners_manage_members_and_keep_one_owner(
    author: User, reader: User, stranger: User
) -> None:
    fest = collection(reader)
    owner = client_for(reader)
    response = owner.post(
        "/collections/dome_fest/members/", {"username": "Author", "role": "moderator"}
    )
    assert response.status_code == 302
    assert CollectionMember.objects.get(collection=fest, user=author).role == "moderator"
    response = owner.post(
        "/collections/dome_fest/members/", {"username": "nobody_here", "role": "owner"}
    )
    assert "No member is named “nobody_here”." in response.content.decode()
    # A moderator moderates but does not edit or add members.
    mod = client_for(author)
    assert mod.get("/collections/dome_fest/items/").status_code == 200
    assert mod.get("/collections/dome_fest/edit/").status_code == 404
    response = mod.post(
        "/collections/dome_fest/members/", {"username": "stranger", "role": "owner"}
    )
    assert not CollectionMember.objects.filter(user=stranger).exists()
    assert response.status_code == 403
    # The last owner cannot leave.
    response = owner.post("/collections/dome_fest/members/", {"remove": reader.pk}, follow=True)
    assert "A collection needs at least one owner." in response.content.decode()
    # A moderator may leave.
    mod.post("/collections/dome_fest/members/", {"remove": author.pk})
    assert not CollectionMember.objects.filter(user=author).exists()
    add_member(reader, fest, "stranger", "owner")
    assert CollectionMember.objects.filter(collection=fest, role="owner").count() == 2


def test_the_listing_filters_within_the_collection(author: User, reader: User) -> None:
    fest = collection(reader)
    add_work(author, fest, make_work(author, "Bebop One", fandoms=("Cowboy Bebop",)))
    add_work(author, fest, make_work(author, "Trigun One", fandoms=("Trigun",)))
    make_work(author, "Bebop Outside", fandoms=("Cowboy Bebop",))
    page = client_for(None).get("/collections/dome_fest/works/", {"include": "Cowboy Bebop"})
    text = page.content.decode()
    assert "Bebop One" in text and "Trigun One" not in text and "Bebop Outside" not in text
    assert "1–1 of 1 work" in text
    fandoms = client_for(None).get("/collections/dome_fest/fandoms/").content.decode()
    assert "Cowboy Bebop</a> (1)" in fandoms and "Trigun</a> (1)" in fandoms
    participants = client_for(None).get("/collections/dome_fest/participants/").content.decode()
    assert "/users/author/pseuds/author/" in participants


def _queries(path: str, client: Any) -> int:
    client.get(path)  # a member's first page of a session loads what later pages reuse
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "path",
    [
        "/collections/",
        "/collections/c0/",
        "/collections/c0/works/",
        "/collections/c0/bookmarks/",
        "/collections/c0/participants/",
        "/collections/c0/fandoms/",
        "/collections/c0/feed.atom",
    ],
)
def test_list_pages_cost_the_same_queries_for_more_rows(
    author: User, reader: User, stranger: User, path: str, django_assert_max_num_queries: Any
) -> None:
    def grow(n: int, start: int) -> None:
        for i in range(start, start + n):
            made = collection(reader, f"c{i}", title=f"Collection {i}")
            work = make_work(author, f"Work {i}", fandoms=(f"Fandom {i}",))
            add_work(author, made, work)
            add_work(author, Collection.objects.get(name="c0"), work)
            save_bookmark(stranger, BookmarkInput(notes="ok"), work=work)

    grow(2, 0)
    guest, member = client_for(None), client_for(reader)
    small = (_queries(path, guest), _queries(path, member))
    grow(6, 2)
    big = (_queries(path, guest), _queries(path, member))
    assert big == small, (small, big)
    with django_assert_max_num_queries(25):
        guest.get(path)


@commits
def test_a_guests_cached_work_page_shows_collection_changes_at_once(
    author: User, reader: User
) -> None:
    app = pagecache.PageCache(get_wsgi_application())
    work = make_work(author, "Cached Lantern")
    fest = collection(reader, moderated=True)
    path = f"/works/{work.pk}/"
    assert Visitor(app, "203.0.113.1").get(path).cache == "miss"
    assert Visitor(app, "203.0.113.2").get(path).cache == "hit"
    item = add_work(author, fest, work)  # waiting: the page does not change
    assert "<dt>Collections:</dt>" not in Visitor(app, "203.0.113.3").get(path).body
    moderate_item(reader, item, approve=True)
    page = Visitor(app, "203.0.113.4").get(path)
    assert page.cache == "miss" and "Dome Fest" in page.body
    update_collection(reader, fest, CollectionInput(name="dome_fest", title="Rain Fest"))
    page = Visitor(app, "203.0.113.5").get(path)
    assert page.cache == "miss" and "Rain Fest" in page.body
    delete_collection(reader, fest)
    assert "<dt>Collections:</dt>" not in Visitor(app, "203.0.113.6").get(path).body
