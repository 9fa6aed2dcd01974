"""Token scopes and expiry dates (the API, the tokens page and `ficarchive api-token`),
per-token rate limits with X-RateLimit headers, and CORS on the read-only endpoints."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.api.actions import clean_scopes, create_token
from ficarchive.api.models import ApiToken
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, make_work
from tests.test_api import call

pytestmark = pytest.mark.django_db


def scoped(user: User, *scopes: str, expires: dt.datetime | None = None) -> str:
    return create_token(user, "scoped", scopes=scopes, expires_at=expires)[1]


NEW_WORK = {
    "title": "Scoped",
    "fandoms": ["Cowboy Bebop"],
    "warnings": ["No Archive Warnings Apply"],
    "chapter": {"text": "Text."},
}


# --- scopes ----------------------------------------------------------------------------------


def test_a_read_only_token_reads_and_every_write_is_403_naming_the_scope(
    author: User, reader: User
) -> None:
    work = make_work(author)
    token = scoped(reader, "read")
    assert call("GET", "/api/v1/works/", token).status_code == 200
    assert call("GET", "/api/v1/bookmarks/", token).status_code == 200
    refused = call("POST", f"/api/v1/works/{work.pk}/kudos/", token)
    assert refused.status_code == 403
    assert "read-only" in refused.json_body["error"] and "“kudos”" in refused.json_body["error"]
    refused = call("POST", "/api/v1/bookmarks/", token, {"work": work.pk})
    assert refused.status_code == 403 and "“bookmarks”" in refused.json_body["error"]
    refused = call("POST", "/api/v1/works/", token, NEW_WORK)
    assert refused.status_code == 403 and "“works”" in refused.json_body["error"]
    assert not Work.objects.filter(title="Scoped").exists()


def test_a_token_with_named_scopes_writes_only_in_them(author: User, reader: User) -> None:
    work = make_work(author)
    token = scoped(reader, "kudos")
    assert call("POST", f"/api/v1/works/{work.pk}/kudos/", token).status_code == 201
    refused = call("POST", "/api/v1/bookmarks/", token, {"work": work.pk})
    assert refused.status_code == 403
    assert "limited to read; kudos" in refused.json_body["error"]
    assert "“bookmarks”" in refused.json_body["error"]
    writer = scoped(author, "works", "bookmarks")
    assert call("POST", "/api/v1/works/", writer, NEW_WORK).status_code == 201
    assert call("POST", f"/api/v1/works/{work.pk}/kudos/", writer).status_code == 403


def test_every_write_operation_names_its_scope() -> None:
    from ficarchive.api.models import SCOPES
    from ficarchive.api.views import OPERATIONS

    writes = [op for op in OPERATIONS if op.write]
    assert writes and all(op.scope in SCOPES for op in writes), [
        op.operation_id for op in writes if op.scope not in SCOPES
    ]


def test_a_token_without_scopes_may_do_everything(author: User, reader: User) -> None:
    work = make_work(author)
    token = scoped(reader)
    assert call("POST", f"/api/v1/works/{work.pk}/kudos/", token).status_code == 201
    assert call("POST", "/api/v1/bookmarks/", token, {"work": work.pk}).status_code == 201


@pytest.mark.parametrize(
    ("scopes", "says"),
    [
        (["read", "works"], "cannot go with write scopes"),
        (["admin"], "No such scope: “admin”"),
        (["works", "x" * 500], "No such scope"),
        (["\x00"], "No such scope"),
    ],
)
def test_wrong_scopes_are_refused_with_a_message(scopes: list[str], says: str) -> None:
    with pytest.raises(ValidationError) as error:
        clean_scopes(scopes)
    assert says in " ".join(error.value.messages)


def test_scopes_are_stored_in_one_order_without_repeats() -> None:
    assert clean_scopes(["Bookmarks, works", "works"]) == "works bookmarks"
    assert clean_scopes([]) == ""


# --- expiry ----------------------------------------------------------------------------------


def test_an_expired_token_is_401_with_the_date(reader: User) -> None:
    token = scoped(reader, "kudos", expires=timezone.now() + dt.timedelta(days=1))
    me = call("GET", "/api/v1/me/", token, schema="Me").json_body["token"]
    assert me["scopes"] == ["kudos"] and me["expires_at"].endswith("Z")
    ApiToken.objects.filter(user=reader).update(expires_at=timezone.now() - dt.timedelta(days=1))
    refused = call("GET", "/api/v1/me/", token)
    assert refused.status_code == 401 and "expired on" in refused.json_body["error"]
    assert "invalid_token" in refused["WWW-Authenticate"]


def test_an_expiry_date_in_the_past_or_too_far_is_refused(reader: User) -> None:
    with pytest.raises(ValidationError, match="has passed"):
        create_token(reader, "old", expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="five years"):
        create_token(reader, "far", expires_at=timezone.now() + dt.timedelta(days=3000))


# --- the tokens page and the command ---------------------------------------------------------


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_tokens_page_sets_and_shows_scopes_and_expiry(reader: User) -> None:
    client = signed_in(reader)
    page = client.get("/settings/tokens/")
    assert page.status_code == 200 and b'name="scopes"' in page.content
    assert b'name="expires"' in page.content
    day = (timezone.now() + dt.timedelta(days=30)).date().isoformat()
    made = client.post(
        "/settings/tokens/",
        {"name": "reader app", "scopes": ["kudos", "bookmarks"], "expires": day},
    )
    assert made.status_code == 200
    row = ApiToken.objects.get(user=reader)
    assert row.scopes == "kudos bookmarks" and row.expires_at is not None
    assert row.expires_at.date().isoformat() == day
    text = made.content.decode()
    assert "read; kudos, bookmarks" in text and row.prefix in text


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"scopes": ["read", "works"]}, "cannot go with write scopes"),
        ({"scopes": ["root"]}, "Select a valid choice"),
        ({"expires": "2001-01-01"}, "has passed"),
        ({"expires": "99999-01-01"}, "Enter a valid date"),
        ({"expires": "garbage"}, "Enter a valid date"),
    ],
)
def test_the_tokens_page_refuses_wrong_scopes_and_dates(
    reader: User, data: dict[str, Any], says: str
) -> None:
    response = signed_in(reader).post("/settings/tokens/", {"name": "x", **data})
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not ApiToken.objects.filter(user=reader).exists()


def test_the_command_sets_and_lists_scopes_and_expiry(reader: User) -> None:
    out = io.StringIO()
    day = (timezone.now() + dt.timedelta(days=100)).date().isoformat()
    call_command(
        "api-token", "reader", "--name", "sync", "--scopes", "read", "--expires", day,
        stdout=out,
    )  # fmt: skip
    assert out.getvalue().startswith("fa_")
    row = ApiToken.objects.get(user=reader)
    assert row.scopes == "read" and row.expires_at is not None
    listing = io.StringIO()
    call_command("api-token", "reader", "--list", stdout=listing)
    assert "may do read only" in listing.getvalue() and f"expires {day}" in listing.getvalue()
    with pytest.raises(CommandError, match="No such scope"):
        call_command("api-token", "reader", "--scopes", "works,admin")
    with pytest.raises(CommandError, match="must be a date"):
        call_command("api-token", "reader", "--expires", "tomorrow")
    with pytest.raises(CommandError, match="has passed"):
        call_command("api-token", "reader", "--expires", "2000-01-01")


# --- rate limits -----------------------------------------------------------------------------


def test_every_api_answer_carries_rate_limit_headers_and_429_retry_after(
    author: User, reader: User, settings: Any
) -> None:
    settings.MODERATION_RATE_LIMITS_ENABLED = True
    settings.MODERATION_RATE_LIMITS = {
        "api_read": [("token", 2, 3600), ("account", 4, 3600), ("address", 100, 3600)],
    }
    make_work(author)
    first = scoped(reader)
    second = scoped(reader)
    answer = call("GET", "/api/v1/works/", first)
    assert answer["X-RateLimit-Limit"] == "2" and answer["X-RateLimit-Remaining"] == "1"
    assert 0 < int(answer["X-RateLimit-Reset"]) <= 3600
    answer = call("GET", "/api/v1/works/999999/", first)  # an error answer counts and says so
    assert answer.status_code == 404 and answer["X-RateLimit-Remaining"] == "0"
    limited = call("GET", "/api/v1/works/", first)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "this token" in limited.json_body["error"]
    assert limited["X-RateLimit-Remaining"] == "0" and limited["X-RateLimit-Limit"] == "2"
    # Another token of the same account has its own budget, within the account's.
    assert call("GET", "/api/v1/works/", second).status_code == 200
    assert call("GET", "/api/v1/works/", second)["X-RateLimit-Remaining"] == "0"
    limited = call("GET", "/api/v1/works/", scoped(reader))
    assert limited.status_code == 429 and "your account" in limited.json_body["error"]
    guest = call("GET", "/api/v1/works/")
    assert guest.status_code == 200 and guest["X-RateLimit-Limit"] == "100"
    wrong = call("GET", "/api/v1/works/", "fa_" + "x" * 43)
    assert wrong.status_code == 401 and wrong["X-RateLimit-Limit"] == "100"


def test_the_token_scope_is_accepted_in_the_rate_limit_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ficarchive.core.env import envlimits

    monkeypatch.setenv("FICARCHIVE_RATE_LIMITS", "api_read=token:10/60")
    assert envlimits("RATE_LIMITS")["api_read"] == [("token", 10, 60)]


# --- CORS ------------------------------------------------------------------------------------

ORIGIN = {"Origin": "https://reader.example"}


def preflight_of(url: str, method: str) -> Any:
    return Client().options(url, headers={**ORIGIN, "Access-Control-Request-Method": method})


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/works/",
        "/api/v1/search/?q=dome",
        "/api/v1/tags/",
        "/api/v1/users/author/",
        "/api/v1/openapi.json",
        "/opds/",
        "/tags/Cowboy%20Bebop/feed.atom",
    ],
)
def test_read_only_endpoints_allow_any_origin_without_credentials(author: User, url: str) -> None:
    work = make_work(author)
    for target in (url, f"/api/v1/works/{work.pk}/", f"/api/v1/works/{work.pk}/chapters/1/"):
        response = Client().get(target, headers=ORIGIN)
        assert response["Access-Control-Allow-Origin"] == "*", target
        assert "Access-Control-Allow-Credentials" not in response, target
        assert "X-RateLimit-Remaining" in response["Access-Control-Expose-Headers"]
    preflight = preflight_of(url, "GET")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in preflight


def test_writes_and_private_pages_get_no_cors(author: User, reader: User) -> None:
    work = make_work(author)
    for url in ("/api/v1/works/", f"/api/v1/works/{work.pk}/kudos/", "/api/v1/bookmarks/"):
        preflight = preflight_of(url, "POST")
        assert "Access-Control-Allow-Origin" not in preflight, url
    posted = call("POST", f"/api/v1/works/{work.pk}/kudos/", scoped(reader))
    assert "Access-Control-Allow-Origin" not in posted
    for url in ("/api/v1/bookmarks/", "/api/v1/me/", "/settings/tokens/", "/works/"):
        assert "Access-Control-Allow-Origin" not in Client().get(url, headers=ORIGIN), url


def test_an_operator_can_turn_cors_off(author: User, settings: Any) -> None:
    settings.CORS_READ_ONLY = False
    response = Client().get("/api/v1/works/", headers=ORIGIN)
    assert "Access-Control-Allow-Origin" not in response
    preflight = preflight_of("/api/v1/works/", "GET")
    assert "Access-Control-Allow-Origin" not in preflight
