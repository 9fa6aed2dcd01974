"""A tag that only drafts or hidden works use is not public: its page, works, feed, OPDS
catalog and API answer 404 to whoever cannot see a work using it, unless it is canonical (or a
synonym of a canonical tag: wranglers made both public)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from ficarchive.accounts.models import User
from ficarchive.moderation.actions import set_work_hidden
from ficarchive.tags.actions import grant_wrangling
from ficarchive.tags.models import Tag
from tests.conftest import client_for, make_work

pytestmark = pytest.mark.django_db

SECRET = "Secret Plot Twist"
SECRET_FANDOM = "Unannounced Fandom"


def _urls(name: str) -> list[str]:
    path = quote(name)
    return [
        f"/tags/{path}/",
        f"/tags/{path}/works/",
        f"/tags/{path}/feed.atom",
        f"/opds/fandoms/{path}/",
        f"/api/v1/tags/{path}/",
    ]


def _assert_hidden(client: Client, name: str) -> None:
    for url in _urls(name):
        response = client.get(url)
        assert response.status_code == 404, url
        assert name not in response.content.decode(), url


@pytest.fixture
def moderator(db: None) -> User:
    user = User.objects.create_user("modder", "modder@example.org", "x")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_a_tag_only_a_draft_uses_is_not_public(author: User, reader: User) -> None:
    make_work(author, draft=True, fandoms=(SECRET_FANDOM,), freeforms=[SECRET])
    for name in (SECRET, SECRET_FANDOM):
        _assert_hidden(Client(), name)
        _assert_hidden(client_for(reader), name)
    # The draft's creator sees their own tag.
    assert client_for(author).get(f"/tags/{quote(SECRET)}/").status_code == 200


def test_a_tag_only_a_hidden_work_uses_is_not_public(
    author: User, reader: User, moderator: User
) -> None:
    work = make_work(author, fandoms=(SECRET_FANDOM,), freeforms=[SECRET])
    assert Client().get(f"/tags/{quote(SECRET)}/").status_code == 200
    set_work_hidden(moderator, work, True, "Spam")
    for name in (SECRET, SECRET_FANDOM):
        _assert_hidden(Client(), name)
        _assert_hidden(client_for(reader), name)


def test_a_tag_shows_again_once_a_visible_work_uses_it(author: User) -> None:
    make_work(author, draft=True, freeforms=[SECRET])
    _assert_hidden(Client(), SECRET)
    make_work(author, "Posted", freeforms=[SECRET])
    assert Client().get(f"/tags/{quote(SECRET)}/").status_code == 200
    assert Client().get(f"/api/v1/tags/{quote(SECRET)}/").status_code == 200


def test_a_canonical_tag_stays_public_without_works(author: User) -> None:
    make_work(author, draft=True, fandoms=(SECRET_FANDOM,))
    Tag.objects.filter(name=SECRET_FANDOM).update(canonical=True)
    assert Client().get(f"/tags/{quote(SECRET_FANDOM)}/").status_code == 200
    assert Client().get(f"/api/v1/tags/{quote(SECRET_FANDOM)}/").status_code == 200
    assert Client().get(f"/opds/fandoms/{quote(SECRET_FANDOM)}/").status_code == 200


def test_a_registered_only_work_shows_its_tags_to_members_only(author: User, reader: User) -> None:
    make_work(author, restricted=True, freeforms=[SECRET])
    _assert_hidden(Client(), SECRET)
    assert client_for(reader).get(f"/tags/{quote(SECRET)}/").status_code == 200


def test_wranglers_see_every_tag(author: User, reader: User) -> None:
    make_work(author, draft=True, freeforms=[SECRET])
    grant_wrangling(reader)
    assert client_for(reader).get(f"/tags/{quote(SECRET)}/").status_code == 200


def test_the_visible_tags_query(author: User, reader: User) -> None:
    make_work(author, draft=True, freeforms=[SECRET])
    make_work(author, "Posted", freeforms=["Fluff"])
    for viewer in (AnonymousUser(), reader):
        names = set(Tag.objects.visible_to(viewer).values_list("name", flat=True))
        assert "Fluff" in names and SECRET not in names
    assert SECRET in set(Tag.objects.visible_to(author).values_list("name", flat=True))


def test_a_canonical_tags_page_lists_no_private_children(author: User) -> None:
    make_work(author, "Posted", freeforms=["Fluff"])
    make_work(author, draft=True, freeforms=[SECRET])
    fluff = Tag.objects.get(name="Fluff")
    Tag.objects.filter(pk=fluff.pk).update(canonical=True)
    Tag.objects.get(name=SECRET).parents.add(fluff)
    for url in ["/tags/Fluff/", "/api/v1/tags/Fluff/"]:
        page = Client().get(url).content.decode()
        assert SECRET not in page, url
    _assert_hidden(Client(), SECRET)


def test_a_synonym_of_a_canonical_tag_is_public(author: User) -> None:
    make_work(author, "Posted", freeforms=["Fluff"])
    make_work(author, draft=True, freeforms=[SECRET])
    fluff = Tag.objects.get(name="Fluff")
    Tag.objects.filter(pk=fluff.pk).update(canonical=True)
    Tag.objects.filter(name=SECRET).update(merger=fluff)
    assert Client().get(f"/tags/{quote(SECRET)}/").status_code == 200
    assert SECRET in Client().get("/tags/Fluff/").content.decode()
