"""`/settings/`: profile, e-mail, username and pseuds, with hostile input to every form."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from ficarchive.accounts.actions import email_change_token
from ficarchive.accounts.models import ORPHAN_USERNAME, Pseud, User, UsernameChange
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, client_for, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable

SETTINGS_PAGES = [
    "/settings/",
    "/settings/email/",
    "/settings/username/",
    "/settings/pseuds/",
    "/settings/data/",
    "/settings/delete/",
]


def _confirm_link(message: mail.EmailMessage) -> str:
    match = re.search(r"http://testserver(/settings/email/confirm/[^/\s]+/)", str(message.body))
    assert match, message.body
    return match.group(1)


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_it_shows_each_settings_page_to_its_member_only(author: User, path: str) -> None:
    response = client_for(author).get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/settings/tokens/"' in page
    assert 'href="/password/change/"' in page
    assert response["Cache-Control"] == "no-store"
    guest = Client().get(path)
    assert guest.status_code == 302 and guest["Location"].startswith("/login/")


def test_it_links_settings_from_the_own_user_page(author: User, reader: User) -> None:
    assert 'href="/settings/"' in client_for(author).get("/users/author/").content.decode()
    assert 'href="/settings/"' not in client_for(reader).get("/users/author/").content.decode()


# --- profile -------------------------------------------------------------------------------


def test_it_saves_a_profile_and_shows_it_sanitized(author: User) -> None:
    response = client_for(author).post(
        "/settings/",
        {
            "display_name": "  Rain   Writer ",
            "bio": '<p>I write <em>rain</em>.</p><script>alert(1)</script><a href="javascript:x">x</a>'
            '<a href="https://example.org/">my site</a>',
        },
    )
    assert response.status_code == 302
    author.refresh_from_db()
    assert author.display_name == "Rain Writer"
    assert "<em>rain</em>" in author.bio_html
    assert "script" not in author.bio_html and "javascript" not in author.bio_html
    assert 'rel="nofollow ugc noopener"' in author.bio_html
    page = Client().get("/users/author/").content.decode()
    assert "Rain Writer" in page and "<em>rain</em>" in page and "alert(1)" not in page


def test_it_refuses_hostile_and_overlong_profiles_without_a_500(author: User) -> None:
    client = client_for(author)
    for value in hostile_corpus()[::7]:
        response = client.post("/settings/", {"display_name": value[:100], "bio": value})
        assert response.status_code in {302, 400}, value
        author.refresh_from_db()
        assert_nothing_executable(author.bio_html)
    assert_nothing_executable(Client().get("/users/author/").content.decode(), page=True)
    for data in (
        {"display_name": "x" * 101, "bio": ""},
        {"display_name": "", "bio": "x" * 5001},
    ):
        before = User.objects.values("display_name", "bio").get(pk=author.pk)
        response = client.post("/settings/", data)
        assert response.status_code == 400
        assert "at most" in response.content.decode() or "Ensure" in response.content.decode()
        assert User.objects.values("display_name", "bio").get(pk=author.pk) == before
    assert client.post("/settings/", {"display_name": "a\x00b", "bio": ""}).status_code == 400


# --- e-mail --------------------------------------------------------------------------------


def test_it_changes_the_email_only_through_the_link(
    author: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(author)
    response = client.post("/settings/email/", {"email": "new@example.org", "password": PASSWORD})
    assert response.status_code == 302
    author.refresh_from_db()
    assert author.email == "author@example.org"
    [message] = mail.outbox
    assert message.to == ["new@example.org"]
    link = _confirm_link(message)
    # Opening the link shows a button; only the POST changes the address.
    page = client.get(link)
    assert page.status_code == 200 and "new@example.org" in page.content.decode()
    author.refresh_from_db()
    assert author.email == "author@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 302
    author.refresh_from_db()
    assert author.email == "new@example.org"
    assert author.email_confirmed_at is not None
    # The old address is told.
    assert [m.to for m in mail.outbox[1:]] == [["author@example.org"]]
    assert "new@example.org" in str(mail.outbox[1].body)
    # The link works once.
    again = client.post(link)
    assert again.status_code == 400
    assert "already used" in again.content.decode()


def test_it_refuses_an_expired_link(author: User, settings: Any) -> None:
    token = email_change_token(author, "later@example.org")
    settings.EMAIL_CHANGE_LINK_SECONDS = -1
    response = client_for(author).post(f"/settings/email/confirm/{token}/")
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    author.refresh_from_db()
    assert author.email == "author@example.org"


def test_it_refuses_a_link_of_another_account_or_a_broken_one(author: User, reader: User) -> None:
    token = email_change_token(author, "mine@example.org")
    response = client_for(reader).post(f"/settings/email/confirm/{token}/")
    assert response.status_code == 400
    assert "another account" in response.content.decode()
    for broken in (token[:-3] + "abc", "x", "a" * 3000, "%00", "..%2F"):
        response = client_for(author).get(f"/settings/email/confirm/{broken}/")
        assert response.status_code in {400, 404}
    reader.refresh_from_db()
    author.refresh_from_db()
    assert (author.email, reader.email) == ("author@example.org", "reader@example.org")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"email": "new@example.org", "password": "wrong"}, "not your current password"),
        ({"email": "author@example.org", "password": PASSWORD}, "already your e-mail"),
        ({"email": "not an address", "password": PASSWORD}, "valid email"),
        ({"email": "a" * 250 + "@example.org", "password": PASSWORD}, "at most"),
        ({"email": "", "password": PASSWORD}, "required"),
    ],
)
def test_it_refuses_a_bad_email_change(author: User, data: dict[str, str], problem: str) -> None:
    response = client_for(author).post("/settings/email/", data)
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert not mail.outbox


def test_it_survives_hostile_email_input(author: User) -> None:
    client = client_for(author)
    for value in hostile_corpus()[::5]:
        response = client.post("/settings/email/", {"email": value, "password": value})
        assert response.status_code in {302, 400}
    author.refresh_from_db()
    assert author.email == "author@example.org"


# --- username ------------------------------------------------------------------------------


def test_it_renames_the_account_and_redirects_old_links(author: User) -> None:
    work = make_work(author)
    client = client_for(author)
    response = client.post("/settings/username/", {"username": "rainwriter", "password": PASSWORD})
    assert response.status_code == 302
    author.refresh_from_db()
    assert author.username == "rainwriter"
    assert author.default_pseud().name == "rainwriter"
    # Still logged in after the rename.
    assert client.get("/settings/").status_code == 200
    old = Client().get("/users/author/")
    assert old.status_code == 302 and old["Location"] == "/users/rainwriter/"
    sub = Client().get("/users/author/bookmarks/?page=2")
    assert sub.status_code == 302 and sub["Location"] == "/users/rainwriter/bookmarks/?page=2"
    assert "rainwriter" in Client().get(f"/works/{work.pk}/").content.decode()
    # The redirect stops after the hold.
    _backdate(days=31)
    assert Client().get("/users/author/").status_code == 404


def _backdate(days: int) -> None:
    for change in UsernameChange.objects.all():
        change.changed_at -= timedelta(days=days)
        change.save(update_fields=["changed_at"])


def test_it_holds_an_old_name_and_limits_how_often_it_changes(author: User, reader: User) -> None:
    assert (
        client_for(author)
        .post("/settings/username/", {"username": "rainwriter", "password": PASSWORD})
        .status_code
        == 302
    )
    taken = client_for(reader).post(
        "/settings/username/", {"username": "AUTHOR", "password": PASSWORD}
    )
    assert taken.status_code == 400 and "held" in taken.content.decode()
    again = client_for(author).post(
        "/settings/username/", {"username": "stormwriter", "password": PASSWORD}
    )
    assert again.status_code == 400 and "next change is possible" in again.content.decode()
    _backdate(days=8)
    ok = client_for(author).post(
        "/settings/username/", {"username": "stormwriter", "password": PASSWORD}
    )
    assert ok.status_code == 302
    taken = client_for(reader).post(
        "/settings/username/", {"username": "author", "password": PASSWORD}
    )
    assert taken.status_code == 400
    _backdate(days=40)
    ok = client_for(reader).post(
        "/settings/username/", {"username": "author", "password": PASSWORD}
    )
    assert ok.status_code == 302


@pytest.mark.parametrize(
    ("username", "problem"),
    [
        ("reader", "taken"),
        ("READER", "taken"),
        (ORPHAN_USERNAME, "reserved"),
        ("admin", "reserved"),
        ("Staff", "reserved"),
        ("a", "3 to 40"),
        ("x" * 41, "at most 40"),
        ("bad name!", "3 to 40"),
        ("author", "already your username"),
        ("nul\x00name", "NUL character"),
    ],
)
def test_it_refuses_a_bad_new_username(
    author: User, reader: User, username: str, problem: str
) -> None:
    response = client_for(author).post(
        "/settings/username/", {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert problem.lower() in response.content.decode().lower()
    author.refresh_from_db()
    assert author.username == "author"
    assert not UsernameChange.objects.exists()


def test_it_wants_the_password_to_rename(author: User) -> None:
    response = client_for(author).post(
        "/settings/username/", {"username": "newname", "password": "x"}
    )
    assert response.status_code == 400
    author.refresh_from_db()
    assert author.username == "author"


def test_it_survives_hostile_usernames(author: User) -> None:
    client = client_for(author)
    for value in hostile_corpus()[::5]:
        response = client.post("/settings/username/", {"username": value, "password": PASSWORD})
        assert response.status_code in {302, 400}, value
        if response.status_code == 302:  # a hostile string that is a fine name: undo the hold
            UsernameChange.objects.all().delete()
    assert User.objects.filter(pk=author.pk).exists()


# --- pseuds --------------------------------------------------------------------------------


def test_it_renames_a_pseud_on_its_works(author: User) -> None:
    client = client_for(author)
    client.post("/settings/pseuds/", {"name": "Night Owl", "description": ""})
    owl = author.pseuds.get(name="Night Owl")
    work = make_work(author, "Owl Story")
    work.creatorships.update(pseud=owl)
    response = client.post(
        f"/settings/pseuds/{owl.pk}/", {"name": "Day Owl", "description": "now by day"}
    )
    assert response.status_code == 302
    owl.refresh_from_db()
    assert (owl.name, owl.description) == ("Day Owl", "now by day")
    page = Client().get(f"/works/{work.pk}/").content.decode()
    assert "Day Owl" in page and "Night Owl" not in page
    # A case change of its own name is fine; another pseud's name is not.
    assert client.post(f"/settings/pseuds/{owl.pk}/", {"name": "day owl"}).status_code == 302
    clash = client.post(f"/settings/pseuds/{owl.pk}/", {"name": "AUTHOR"})
    assert clash.status_code == 400 and "already have a pseud" in clash.content.decode()


def test_it_deletes_a_pseud_and_moves_its_works_to_the_default(author: User) -> None:
    client = client_for(author)
    client.post("/settings/pseuds/", {"name": "Night Owl"})
    owl = author.pseuds.get(name="Night Owl")
    solo = make_work(author, "Owl Story")
    solo.creatorships.update(pseud=owl)
    both = make_work(author, "Both")
    both.creatorships.create(pseud=owl, position=1)
    response = client.post(f"/settings/pseuds/{owl.pk}/delete/")
    assert response.status_code == 302
    assert not Pseud.objects.filter(pk=owl.pk).exists()
    default = author.default_pseud()
    assert [p.pk for p in Work.objects.get(pk=solo.pk).creator_pseuds()] == [default.pk]
    assert [p.pk for p in Work.objects.get(pk=both.pk).creator_pseuds()] == [default.pk]


def test_it_refuses_to_delete_the_default_pseud_or_anothers(author: User, reader: User) -> None:
    default = author.default_pseud()
    response = client_for(author).post(f"/settings/pseuds/{default.pk}/delete/", follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert Pseud.objects.filter(pk=default.pk).exists()
    assert client_for(reader).post(f"/settings/pseuds/{default.pk}/delete/").status_code == 404
    assert client_for(reader).get(f"/settings/pseuds/{default.pk}/").status_code == 404
    assert client_for(author).get("/settings/pseuds/99999999999999999999/").status_code == 404


def test_it_survives_hostile_pseud_names(author: User) -> None:
    client = client_for(author)
    pseud = author.default_pseud()
    for value in hostile_corpus()[::5]:
        for url in ("/settings/pseuds/", f"/settings/pseuds/{pseud.pk}/"):
            response = client.post(url, {"name": value, "description": value})
            assert response.status_code in {302, 400}, value
        pseud.refresh_from_db()
        if pseud.name != "author":
            client.post(f"/settings/pseuds/{pseud.pk}/", {"name": "author"})
    assert client.post("/settings/pseuds/", {"name": "x" * 41}).status_code == 400
    assert client.post("/settings/pseuds/", {"name": "a\x00b"}).status_code == 400
