"""The log-in throttle: per account and address pair, names normalized as authentication
reads them, a per-address limit a correct password passes, and a warning when requests come
through a proxy the app does not trust."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from ficarchive.accounts.actions import login_key
from ficarchive.accounts.models import LoginFailure, User
from ficarchive.core import proxies
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _log_in(client: Client, username: str, password: str) -> int:
    return client.post("/login/", {"username": username, "password": password}).status_code


def test_it_normalizes_names_as_authentication_does() -> None:
    for raw in ["bob", " bob ", "bob\t", "\nBOB", "Bob ", "ｂｏｂ"]:
        assert login_key(raw) == "bob", raw


@pytest.mark.parametrize(
    "variant", [" author ", "author\t", "AUTHOR", "\tAuthor\n", "ａｕｔｈｏｒ"]
)
def test_it_gives_no_more_guesses_for_a_name_with_whitespace_or_case(
    author: User, variant: str
) -> None:
    client = Client()
    for _ in range(5):
        assert _log_in(client, "author", "wrong") == 200
    assert _log_in(client, variant, "wrong") == 429
    assert _log_in(client, variant, PASSWORD) == 429
    assert "_auth_user_id" not in client.session
    assert set(LoginFailure.objects.values_list("username", flat=True)) == {"author"}


def test_it_counts_variants_of_a_name_as_one_account(author: User) -> None:
    client = Client()
    for variant in [" author ", "author\t", "AUTHOR", "author", " Author"]:
        assert _log_in(client, variant, "wrong") == 200
    assert LoginFailure.objects.filter(username="author").count() == 5
    assert _log_in(client, "author", PASSWORD) == 429


def test_a_log_in_with_whitespace_clears_the_account_failures(author: User) -> None:
    client = Client()
    for _ in range(4):
        _log_in(client, "author", "wrong")
    assert _log_in(client, " author ", PASSWORD) == 302
    assert not LoginFailure.objects.filter(username="author").exists()


def test_it_locks_the_account_only_from_the_guessing_address(author: User) -> None:
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        _log_in(guesser, "author", "wrong")
    assert _log_in(guesser, "author", PASSWORD) == 429
    # The owner, elsewhere, still logs in: a stranger cannot lock them out.
    assert _log_in(Client(REMOTE_ADDR="198.51.100.7"), "author", PASSWORD) == 302
    # ...and that does not give the guesser new guesses.
    assert _log_in(guesser, "author", PASSWORD) == 429


def test_a_correct_password_passes_the_per_address_limit(author: User, reader: User) -> None:
    """Behind a proxy every reader may share one address: twenty bad guesses must not lock
    the whole site out. Wrong passwords from the address are refused with 429; right ones log
    in."""
    shared = "203.0.113.50"
    for i in range(20):
        _log_in(Client(REMOTE_ADDR=shared), f"guess{i}", "wrong")
    assert LoginFailure.objects.filter(address=shared).count() == 20
    refused = Client(REMOTE_ADDR=shared).post(
        "/login/", {"username": "reader", "password": "wrong"}
    )
    assert refused.status_code == 429
    assert "from this address" in refused.content.decode()
    client = Client(REMOTE_ADDR=shared)
    assert _log_in(client, "author", PASSWORD) == 302
    assert client.session["_auth_user_id"] == str(author.pk)


@pytest.fixture
def fresh_warning() -> None:
    proxies.ProxyHeaderWarningMiddleware.warned = False


def test_it_warns_once_when_requests_come_through_an_untrusted_proxy(
    fresh_warning: None, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(HTTP_X_FORWARDED_FOR="198.51.100.7")
    with caplog.at_level(logging.WARNING, logger="ficarchive.proxy"):
        client.get("/works/")
        client.get("/works/")
    warnings = [r.getMessage() for r in caplog.records if r.name == "ficarchive.proxy"]
    assert len(warnings) == 1
    assert "X-Forwarded-For" in warnings[0]
    assert "FICARCHIVE_TRUSTED_PROXIES" in warnings[0]


@pytest.mark.parametrize(
    ("proxies", "headers"), [(1, {"X-Forwarded-For": "198.51.100.7"}), (0, {})]
)
def test_it_does_not_warn_without_reason(
    fresh_warning: None, caplog: pytest.LogCaptureFixture, proxies: int, headers: dict[str, str]
) -> None:
    with override_settings(TRUSTED_PROXIES=proxies), caplog.at_level(logging.WARNING):
        Client().get("/works/", headers=headers)
    assert not [r for r in caplog.records if r.name == "ficarchive.proxy"]


def test_check_deploy_says_when_https_runs_behind_an_untrusted_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The browser tests set this for Playwright's event loop; check --deploy calls it an error.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    out = StringIO()
    with override_settings(
        TRUSTED_PROXIES=0, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
    ):
        call_command("check", "--deploy", stdout=out, stderr=out)
    assert "ficarchive.W001" in out.getvalue()
    out = StringIO()
    with override_settings(
        TRUSTED_PROXIES=1, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
    ):
        call_command("check", "--deploy", stdout=out, stderr=out)
    assert "ficarchive.W001" not in out.getvalue()
