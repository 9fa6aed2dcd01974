"""Deleting an account (orphan or delete the works; keep or remove the comments), and
orphaning single works and series from their pages."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.test import Client

from ficarchive.accounts import actions
from ficarchive.accounts.actions import DeletionChoices, delete_account
from ficarchive.accounts.models import ORPHAN_USERNAME, Pseud, User
from ficarchive.api.actions import create_token
from ficarchive.api.models import ApiToken
from ficarchive.bookmarks.actions import BookmarkInput, save_bookmark
from ficarchive.bookmarks.models import Bookmark
from ficarchive.comments.actions import CommentInput, add_comment
from ficarchive.comments.models import Comment
from ficarchive.history.models import Reading
from ficarchive.kudos.actions import leave_kudos
from ficarchive.kudos.models import Kudos
from ficarchive.notifications.models import Notification
from ficarchive.series.actions import SeriesInput, add_work, create_series
from ficarchive.series.models import Series
from ficarchive.subscriptions.actions import subscribe_to_creator, subscribe_to_work
from ficarchive.subscriptions.models import Subscription
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, client_for, hostile_corpus, make_work


def _comment(user: User, work: Work, text: str, parent: Comment | None = None) -> Comment:
    chapter = work.chapters.get(position=1)
    comment, _ = add_comment(
        work, chapter, CommentInput(text=text, nonce=secrets.token_hex(16)), user=user,
        parent=parent,
    )  # fmt: skip
    return comment


@pytest.fixture
def busy_author(author: User, reader: User, stranger: User) -> dict[str, Any]:
    """The author with works, a draft, a series, and traces on the reader's work: kudos, a
    public bookmark, comments, a subscription and a reading; the reader's kudos, bookmark,
    comment and subscription on the author's work."""
    mine = make_work(author, "Mine")
    draft = make_work(author, "My Draft", draft=True)
    shared = make_work(author, "Shared")
    shared.creatorships.create(pseud=stranger.default_pseud(), position=1)
    series = create_series(author, SeriesInput(title="My Series"))
    add_work(author, series, mine)
    theirs = make_work(reader, "Theirs")
    leave_kudos(theirs, user=author)
    save_bookmark(author, BookmarkInput(notes="lovely"), work=theirs)
    kept = _comment(author, theirs, "A comment that may stay.")
    _comment(reader, theirs, "A reply to it.", parent=kept)
    _comment(author, theirs, "A comment nobody answered.")
    subscribe_to_work(author, theirs)
    subscribe_to_creator(reader, author)
    Reading.objects.create(user=author, work=theirs, last_read_at=mine.created_at)
    leave_kudos(mine, user=reader)
    save_bookmark(reader, BookmarkInput(), work=mine)
    _comment(reader, mine, "Reader on mine.")
    create_token(author, "script")
    theirs.refresh_from_db()
    assert (theirs.kudos_count, theirs.bookmark_count, theirs.comment_count) == (1, 1, 3)
    return {"mine": mine, "draft": draft, "shared": shared, "series": series, "theirs": theirs}


def _delete(user: User, **data: Any) -> Any:
    form = {"works": "orphan", "comments": "keep", "password": PASSWORD, "confirm": user.username}
    form.update(data)
    return client_for(user).post("/settings/delete/", form)


def test_it_orphans_works_and_leaves_nothing_else(
    author: User, reader: User, stranger: User, busy_author: dict[str, Any]
) -> None:
    response = _delete(author)
    assert response.status_code == 200
    assert "Account deleted" in response.content.decode()
    assert not User.objects.filter(username="author").exists()
    orphans = User.objects.get(username=ORPHAN_USERNAME)
    assert not orphans.has_usable_password()
    mine = Work.objects.get(pk=busy_author["mine"].pk)
    assert [p.user_id for p in mine.creator_pseuds()] == [orphans.pk]
    assert [str(p) for p in mine.creator_pseuds()] == [ORPHAN_USERNAME]
    assert "orphan_account" in Client().get(f"/works/{mine.pk}/").content.decode()
    shared = Work.objects.get(pk=busy_author["shared"].pk)
    assert {p.user.username for p in shared.creator_pseuds()} == {"stranger", ORPHAN_USERNAME}
    assert not Work.objects.filter(pk=busy_author["draft"].pk).exists()
    assert Series.objects.get(pk=busy_author["series"].pk).creator == orphans
    # Their traces went, and the counters on the reader's work say so.
    theirs = Work.objects.get(pk=busy_author["theirs"].pk)
    assert (theirs.kudos_count, theirs.bookmark_count, theirs.comment_count) == (0, 0, 3)
    # Others' traces on the orphaned work stay, counted.
    assert (mine.kudos_count, mine.bookmark_count, mine.comment_count) == (1, 1, 1)
    for model in (Kudos, Bookmark, Subscription, Reading, ApiToken):
        assert not model.objects.filter(user__username="author").exists(), model
    assert not Notification.objects.filter(recipient__username="author").exists()
    assert not Subscription.objects.filter(user=reader, creator__isnull=False).exists()
    assert not Pseud.objects.filter(name="author").exists()
    # Comments stay, as "deleted user", with their text.
    kept = Comment.objects.filter(work=theirs, user__isnull=True)
    assert kept.count() == 2
    assert all(c.author_name == "deleted user" for c in kept)
    page = client_for(reader).get(f"/works/{theirs.pk}/").content.decode()
    assert "deleted user" in page and "A comment that may stay." in page


def test_it_keeps_pseud_names_on_orphaned_works_when_asked(
    author: User, busy_author: dict[str, Any]
) -> None:
    Pseud.objects.create(user=author, name="Night Owl")
    owl_work = make_work(author, "Owl Work")
    owl_work.creatorships.update(pseud=author.pseuds.get(name="Night Owl"))
    _delete(author, keep_pseud_names="on")
    names = {str(p) for p in Work.objects.get(pk=owl_work.pk).creator_pseuds()}
    assert names == {f"Night Owl ({ORPHAN_USERNAME})"}
    mine = Work.objects.get(pk=busy_author["mine"].pk)
    assert {str(p) for p in mine.creator_pseuds()} == {f"author ({ORPHAN_USERNAME})"}


def test_it_deletes_works_and_removes_comments_when_asked(
    author: User, reader: User, stranger: User, busy_author: dict[str, Any]
) -> None:
    response = _delete(author, works="delete", comments="remove")
    assert response.status_code == 200
    assert not Work.objects.filter(
        pk__in=[busy_author["mine"].pk, busy_author["draft"].pk]
    ).exists()
    shared = Work.objects.get(pk=busy_author["shared"].pk)
    assert [p.user.username for p in shared.creator_pseuds()] == ["stranger"]
    assert not Series.objects.filter(pk=busy_author["series"].pk).exists()
    theirs = Work.objects.get(pk=busy_author["theirs"].pk)
    left = list(Comment.objects.filter(work=theirs).order_by("pk"))
    # The answered comment stays as a deleted placeholder (its reply keeps its place).
    assert [(c.status, c.text) for c in left] == [("deleted", ""), ("published", "A reply to it.")]
    assert (theirs.kudos_count, theirs.bookmark_count, theirs.comment_count) == (0, 0, 1)
    assert (
        not User.objects.filter(username=ORPHAN_USERNAME).exists()
        or not Work.objects.filter(creatorships__pseud__user__username=ORPHAN_USERNAME).exists()
    )


def test_it_is_one_transaction(
    author: User, busy_author: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(work_ids: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "recount_work_counters", broken)
    with pytest.raises(RuntimeError):
        delete_account(author, PASSWORD, DeletionChoices(works="orphan"))
    assert User.objects.filter(pk=author.pk).exists()
    assert Work.objects.filter(pk=busy_author["draft"].pk).exists()
    assert Comment.objects.filter(user=author).count() == 2
    assert Kudos.objects.filter(user=author).count() == 1


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"password": "wrong"}, "not your current password"),
        ({"confirm": "someone"}, "Type your username exactly"),
        ({"confirm": ""}, "required"),
        ({"works": "burn"}, "Select a valid choice"),
        ({"comments": "maybe"}, "Select a valid choice"),
        ({"confirm": "x" * 151}, "at most"),
        ({"confirm": "author\x00"}, "NUL character"),
    ],
)
def test_it_refuses_bad_deletion_input(
    author: User, busy_author: dict[str, Any], data: dict[str, str], problem: str
) -> None:
    response = _delete(author, **data)
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert User.objects.filter(pk=author.pk).exists()
    assert Work.objects.created_by(author).count() == 3


def test_it_survives_hostile_deletion_input(author: User) -> None:
    client = client_for(author)
    for value in hostile_corpus()[::9]:
        response = client.post(
            "/settings/delete/",
            {"works": value, "comments": value, "password": value, "confirm": value},
        )
        assert response.status_code == 400
    assert User.objects.filter(pk=author.pk).exists()


def test_the_orphan_account_is_never_a_member(author: User) -> None:
    orphans = actions.orphan_account()
    assert actions.orphan_account().pk == orphans.pk
    assert orphans.default_pseud().name == ORPHAN_USERNAME
    assert not Client().login(username=ORPHAN_USERNAME, password="")
    with pytest.raises(Exception, match="orphan account"):
        delete_account(orphans, "", DeletionChoices(works="orphan"))


# --- orphaning from the work and series pages --------------------------------------------


def test_it_orphans_one_work_from_its_page(author: User, reader: User) -> None:
    work = make_work(author, "Let Go")
    other = make_work(author, "Keep")
    client = client_for(author)
    page = client.get(f"/works/{work.pk}/").content.decode()
    assert f'href="/works/{work.pk}/orphan/"' in page
    assert client.get(f"/works/{work.pk}/orphan/").status_code == 200
    assert client_for(reader).get(f"/works/{work.pk}/orphan/").status_code == 404
    assert client_for(reader).post(f"/works/{work.pk}/orphan/").status_code == 404
    response = client.post(f"/works/{work.pk}/orphan/", {"keep_pseud": "on"})
    assert response.status_code == 302
    assert [str(p) for p in Work.objects.get(pk=work.pk).creator_pseuds()] == [
        f"author ({ORPHAN_USERNAME})"
    ]
    assert client.get(f"/works/{work.pk}/edit/").status_code == 404
    assert Work.objects.created_by(author).get().pk == other.pk


def test_it_orphans_a_series_with_the_members_works(author: User, reader: User) -> None:
    first = make_work(author, "First")
    theirs = make_work(reader, "Theirs")
    series = create_series(author, SeriesInput(title="Saga"))
    add_work(author, series, first)
    series.entries.create(work=theirs, position=2)
    client = client_for(author)
    assert (
        f'href="/series/{series.pk}/orphan/"'
        in client.get(f"/series/{series.pk}/").content.decode()
    )
    assert client_for(reader).post(f"/series/{series.pk}/orphan/").status_code == 404
    assert client.post(f"/series/{series.pk}/orphan/").status_code == 302
    series.refresh_from_db()
    assert series.creator.username == ORPHAN_USERNAME
    assert [str(p) for p in Work.objects.get(pk=first.pk).creator_pseuds()] == [ORPHAN_USERNAME]
    assert [str(p) for p in Work.objects.get(pk=theirs.pk).creator_pseuds()] == ["reader"]


def test_orphaning_refreshes_search_and_blurbs(author: User) -> None:
    work = make_work(author, "Findable Rain")
    before = Work.objects.get(pk=work.pk).revised_at
    actions.orphan_works(author, [work], keep_pseud=False)
    assert Work.objects.get(pk=work.pk).revised_at > before
    listing = Client().get("/works/?q=orphan_account").content.decode()
    assert "Findable Rain" in listing


def test_deleting_a_user_any_other_way_fixes_the_counters_too(author: User, reader: User) -> None:
    """The Django admin (or a script) deleting a user: the counters follow as well."""
    theirs = make_work(reader, "Theirs")
    leave_kudos(theirs, user=author)
    save_bookmark(author, BookmarkInput(), work=theirs)
    _comment(author, theirs, "Hello.")
    theirs.refresh_from_db()
    assert (theirs.kudos_count, theirs.bookmark_count, theirs.comment_count) == (1, 1, 1)
    boss = User.objects.create_superuser("boss", "boss@example.org", PASSWORD)
    response = client_for(boss).post(f"/admin/accounts/user/{author.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert (theirs.kudos_count, theirs.bookmark_count, theirs.comment_count) == (0, 0, 0)
