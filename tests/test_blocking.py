"""Blocking and muting: the buttons on user pages, the list page, and what they change."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from ficarchive.accounts.models import User
from ficarchive.blocking.actions import block_user, mute_user, unblock_user, unmute_user
from ficarchive.blocking.models import Block, Mute
from ficarchive.blocking.queries import blocked_by, muted_user_ids
from ficarchive.works.models import Work
from tests.conftest import make_work


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_it_blocks_and_unblocks_from_the_user_page(author: User, reader: User) -> None:
    client = _client(author)
    page = client.get("/users/reader/").content.decode()
    assert 'action="/users/reader/block/"' in page
    response = client.post("/users/reader/block/", follow=True)
    assert "You blocked reader" in response.content.decode()
    assert blocked_by([author.pk], reader)
    assert 'action="/users/reader/unblock/"' in client.get("/users/reader/").content.decode()
    again = client.post("/users/reader/block/", follow=True).content.decode()
    assert "already blocked" in again
    assert Block.objects.count() == 1
    client.post("/users/reader/unblock/")
    assert not blocked_by([author.pk], reader)


def test_it_mutes_and_unmutes(author: User, reader: User) -> None:
    client = _client(reader)
    client.post("/users/author/mute/")
    assert list(muted_user_ids(reader)) == [author.pk]
    listing = client.get("/blocked/").content.decode()
    assert "Unmute author" in listing
    client.post("/users/author/unmute/", {"next": "/blocked/"})
    assert not Mute.objects.exists()


def test_you_cannot_block_or_mute_yourself(author: User) -> None:
    with pytest.raises(ValidationError, match="block yourself"):
        block_user(author, author)
    with pytest.raises(ValidationError, match="mute yourself"):
        mute_user(author, author)
    page = _client(author).post("/users/author/mute/", follow=True).content.decode()
    assert "You can&#x27;t mute yourself." in page
    with pytest.raises(IntegrityError), transaction.atomic():
        Block.objects.create(blocker=author, blocked=author)


def test_the_database_keeps_one_block_per_pair(author: User, reader: User) -> None:
    assert block_user(author, reader) is True
    assert block_user(author, reader) is False
    with pytest.raises(IntegrityError), transaction.atomic():
        Block.objects.create(blocker=author, blocked=reader)
    assert unblock_user(author, reader) is True
    assert unblock_user(author, reader) is False
    assert unmute_user(author, reader) is False


def test_guests_and_strangers_get_no_buttons_and_cannot_post(author: User) -> None:
    page = _client().get("/users/author/").content.decode()
    assert "/block/" not in page
    response = _client().post("/users/author/block/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert _client(author).get("/users/author/block/").status_code == 405
    assert _client(author).post("/users/nobody-here/block/").status_code == 404
    assert _client().get("/blocked/").status_code == 302
    own = _client(author).get("/users/author/").content.decode()
    assert 'href="/blocked/"' in own


def test_muted_users_works_disappear_from_listings(
    author: User, reader: User, stranger: User
) -> None:
    work = make_work(author, "Muted Weather")
    mute_user(reader, author)
    assert not Work.objects.visible_to(reader).filter(pk=work.pk).exists()
    assert Work.objects.visible_to(stranger).filter(pk=work.pk).exists()
    assert Work.objects.visible_to(author).filter(pk=work.pk).exists()
    client = _client(reader)
    assert "Muted Weather" not in client.get("/works/").content.decode()
    assert "Muted Weather" not in client.get("/works/?q=dome").content.decode()
    assert "Muted Weather" in _client(stranger).get("/works/").content.decode()
    assert client.get(f"/works/{work.pk}/").status_code == 404


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "a" * 500, "%00", "../../etc"])
def test_hostile_usernames_are_refused(author: User, name: str) -> None:
    response = _client(author).post(f"/users/{name}/block/")
    assert response.status_code in {400, 404}  # NUL bytes are refused first
