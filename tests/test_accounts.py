"""Sign up, log in (throttled), log out, passwords, pseuds and user pages."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from ficarchive.accounts.models import LoginFailure, Pseud, User
from tests.conftest import PASSWORD, make_work

pytestmark = pytest.mark.django_db


def test_it_signs_up_with_a_default_pseud_and_logs_in() -> None:
    client = Client()
    response = client.post(
        "/signup/",
        {
            "username": "quietorbit",
            "email": "q@example.org",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="quietorbit")
    assert user.password.startswith(("argon2", "md5"))
    assert [p.name for p in user.pseuds.all()] == ["quietorbit"]
    assert user.default_pseud().is_default
    assert b"quietorbit" in client.get("/").content


@pytest.mark.parametrize(
    ("username", "password", "again", "message"),
    [
        ("ab", PASSWORD, PASSWORD, "3 to 40 characters"),
        ("has space", PASSWORD, PASSWORD, "3 to 40 characters"),
        ("admin", PASSWORD, PASSWORD, "reserved"),
        ("newuser", "password", "password", "too common"),
        ("newuser", "12345678901", "12345678901", "entirely numeric"),
        ("newuser", PASSWORD, PASSWORD + "x", "differ"),
    ],
)
def test_it_refuses_bad_sign_ups_with_a_reason(
    username: str, password: str, again: str, message: str
) -> None:
    response = Client().post(
        "/signup/",
        {
            "username": username,
            "email": "x@example.org",
            "password": password,
            "password_again": again,
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username=username).exists()


def test_it_refuses_a_taken_username_in_any_case(author: User) -> None:
    response = Client().post(
        "/signup/",
        {
            "username": "AUTHOR",
            "email": "x@example.org",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert "taken" in response.content.decode()


def test_it_logs_in_and_rotates_the_session(author: User) -> None:
    client = Client()
    client.get("/login/")
    client.session.save()
    before = client.session.session_key
    response = client.post("/login/", {"username": "author", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.session_key != before
    client.post("/logout/")
    assert "_auth_user_id" not in client.session


def test_it_throttles_failed_log_ins_per_account(author: User) -> None:
    client = Client()
    for _ in range(5):
        assert (
            client.post("/login/", {"username": "author", "password": "wrong"}).status_code == 200
        )
    response = client.post("/login/", {"username": "author", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_throttles_failed_log_ins_per_address(author: User, settings: object) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    for i in range(20):
        client.post("/login/", {"username": f"guess{i}", "password": "wrong"})
    assert LoginFailure.objects.filter(address="203.0.113.9").count() == 20
    response = client.post("/login/", {"username": "author", "password": "wrong"})
    assert response.status_code == 429
    # The right password still logs in: behind a proxy, readers share one address.
    right = client.post("/login/", {"username": "author", "password": PASSWORD})
    assert right.status_code == 302


def test_it_changes_the_password(author: User) -> None:
    client = Client()
    client.force_login(author)
    response = client.post(
        "/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a new long passphrase 99",
            "new_password2": "a new long passphrase 99",
        },
    )
    assert response.status_code == 302
    author.refresh_from_db()
    assert author.check_password("a new long passphrase 99")


def test_it_resets_a_forgotten_password_by_email(author: User) -> None:
    client = Client()
    client.post("/password/reset/", {"email": "author@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password/reset/\S+/)", str(mail.outbox[0].body))
    assert link
    response = client.get(link.group(1), follow=True)
    form_url = response.redirect_chain[-1][0]
    client.post(
        form_url,
        {"new_password1": "brand new passphrase 7", "new_password2": "brand new passphrase 7"},
    )
    author.refresh_from_db()
    assert author.check_password("brand new passphrase 7")


def test_a_reset_for_an_unknown_address_says_the_same(author: User) -> None:
    response = Client().post("/password/reset/", {"email": "nobody@example.org"}, follow=True)
    assert b"Check your email" in response.content
    assert len(mail.outbox) == 0


def test_it_adds_pseuds(author: User) -> None:
    client = Client()
    client.force_login(author)
    client.post("/pseuds/", {"name": "Night Owl", "description": "my other name"})
    assert author.pseuds.filter(name="Night Owl").exists()
    response = client.post("/pseuds/", {"name": "night owl"})
    assert "already have" in response.content.decode()
    assert Pseud.objects.filter(user=author).count() == 2


def test_user_page_lists_pseuds_and_works(author: User) -> None:
    make_work(author, "Lamp Oil")
    page = Client().get("/users/author/").content.decode()
    assert "Lamp Oil" in page
    assert "/users/author/pseuds/author/" in page
