"""The public API under /api/v1/: reading, token auth, writes through the actions, errors as
JSON, filters identical to the HTML listing, pagination, hostile input, rate limits, query
counts, the OpenAPI document and the token settings page."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast
from urllib.parse import quote

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.utils import timezone

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.api.actions import create_token
from ficarchive.api.models import ApiToken
from ficarchive.api.schema import ref, validate
from ficarchive.api.tokens import hash_token
from ficarchive.api.views import OPERATIONS
from ficarchive.bookmarks.models import Bookmark
from ficarchive.kudos.models import Kudos
from ficarchive.moderation.actions import suspend_user
from ficarchive.tags.actions import add_parent, make_canonical, make_synonym
from ficarchive.tags.models import Tag
from ficarchive.works.actions import ChapterInput, add_chapter
from ficarchive.works.listing import build_listing
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable

pytestmark = pytest.mark.django_db


def token_for(user: User, name: str = "test") -> str:
    return create_token(user, name)[1]


def call(
    method: str,
    url: str,
    token: str | None = None,
    body: Any = None,
    *,
    client: Client | None = None,
    raw: bytes | None = None,
    content_type: str = "application/json",
    schema: str | None = None,
) -> Any:
    """Send one API request and return the response, checking it is JSON (or empty, for a
    204) and, with `schema`, that its body fits that schema of the OpenAPI document."""
    client = client or Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data: Any = raw if raw is not None else (json.dumps(body) if body is not None else None)
    kwargs: dict[str, Any] = dict(headers)
    if data is not None:
        kwargs.update(data=data, content_type=content_type)
    response = getattr(client, method.lower())(url, **kwargs)
    if response.status_code != 204:
        assert response["Content-Type"].startswith("application/json"), response.content[:200]
        response.json_body = json.loads(response.content)
        if response.status_code >= 400:
            assert not validate(response.json_body, ref("Error")), response.json_body
        elif schema is not None:
            problems = validate(response.json_body, ref(schema))
            assert not problems, problems
    return response


@pytest.fixture
def wrangler(db: None) -> User:
    user = sign_up("wrangler", "wrangler@example.org", PASSWORD)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def shelf(author: User, stranger: User) -> dict[str, Work]:
    return {
        "dome": make_work(
            author,
            "Dome Weather",
            text="word " * 500,
            rating="teen",
            relationships=["Spike Spiegel/Julia"],
            freeforms=["Angst"],
            complete=True,
        ),
        "blues": make_work(
            author,
            "Asteroid Blues",
            text="blues " * 1200,
            rating="general",
            fandoms=("Cowboy Bebop", "Trigun"),
            freeforms=["Fluff"],
        ),
        "ballad": make_work(stranger, "The Ballad of Fallen Angels", rating="teen"),
        "stampede": make_work(stranger, "A Stampede", fandoms=("Trigun",), language="es"),
        "secret": make_work(author, "Secret", restricted=True),
        "draft": make_work(author, "Unfinished", draft=True),
    }


# --- reading ---------------------------------------------------------------------------------


def test_it_lists_posted_public_works_to_guests(shelf: dict[str, Work]) -> None:
    response = call("GET", "/api/v1/works/", schema="WorkPage")
    assert response.status_code == 200
    data = response.json_body
    titles = {w["title"] for w in data["results"]}
    assert titles == {"Dome Weather", "Asteroid Blues", "The Ballad of Fallen Angels", "A Stampede"}
    assert data["count"] == 4 and data["page"] == 1 and data["next"] is None
    assert data["previous"] is None


def test_token_users_see_registered_only_works_and_creators_their_drafts(
    shelf: dict[str, Work], author: User, reader: User
) -> None:
    reader_titles = {
        w["title"] for w in call("GET", "/api/v1/works/", token_for(reader)).json_body["results"]
    }
    assert "Secret" in reader_titles and "Unfinished" not in reader_titles
    draft = shelf["draft"].pk
    assert call("GET", f"/api/v1/works/{draft}/", token_for(reader)).status_code == 404
    assert call("GET", f"/api/v1/works/{draft}/").status_code == 404
    mine = call("GET", f"/api/v1/works/{draft}/", token_for(author), schema="Work")
    assert mine.status_code == 200 and mine.json_body["status"] == "draft"
    assert call("GET", f"/api/v1/works/{shelf['secret'].pk}/").status_code == 404


def test_work_detail_has_metadata_counts_creators_and_links(shelf: dict[str, Work]) -> None:
    work = shelf["dome"]
    data = call("GET", f"/api/v1/works/{work.pk}/", schema="Work").json_body
    assert data["title"] == "Dome Weather"
    assert data["rating"] == "teen"
    assert data["relationships"] == ["Spike Spiegel/Julia"]
    assert data["fandoms"] == ["Cowboy Bebop"]
    assert data["words"] == 500
    assert data["chapters"] == {"posted": 1, "expected": 1}
    assert data["complete"] is True
    assert data["creators"][0]["username"] == "author"
    assert data["counts"] == {"kudos": 0, "hits": 0, "bookmarks": 0, "comments": 0}
    assert data["links"]["downloads"]["epub"] == f"/works/{work.pk}/download/epub/"


def test_chapters_list_and_text_are_sanitized(author: User) -> None:
    work = make_work(author, text="Hello <script>alert(1)</script> <b>there</b>")
    chapters = call("GET", f"/api/v1/works/{work.pk}/chapters/", schema="ChapterList").json_body
    assert [c["position"] for c in chapters["results"]] == [1]
    chapter = call("GET", f"/api/v1/works/{work.pk}/chapters/1/", schema="Chapter").json_body
    assert "<script" not in chapter["html"] and "Hello" in chapter["html"]
    assert call("GET", f"/api/v1/works/{work.pk}/chapters/2/").status_code == 404


def test_a_works_chapters_come_a_page_at_a_time_by_number_or_cursor(author: User) -> None:
    work = make_work(author)
    for n in range(2, 6):
        add_chapter(author, work, ChapterInput(text=f"Part {n}.", text_format="text"))
    base = f"/api/v1/works/{work.pk}/chapters/"
    first = call("GET", f"{base}?per_page=2", schema="ChapterList").json_body
    assert first["count"] == 5 and first["work_id"] == work.pk
    assert [c["position"] for c in first["results"]] == [1, 2]
    positions = [c["position"] for c in first["results"]]
    cursor = first["next_cursor"]
    while cursor:
        page = call("GET", f"{base}?per_page=2&cursor={quote(cursor)}", schema="ChapterList")
        positions += [c["position"] for c in page.json_body["results"]]
        cursor = page.json_body["next_cursor"]
    assert positions == [1, 2, 3, 4, 5]
    third = call("GET", f"{base}?per_page=2&page=3", schema="ChapterList").json_body
    assert [c["position"] for c in third["results"]] == [5] and third["next"] is None
    bad = call("GET", f"{base}?cursor=not-a-cursor")
    assert bad.status_code == 400 and "cursor" in bad.json_body["error"].lower()


def test_filters_give_the_same_works_as_the_html_listing(
    shelf: dict[str, Work], reader: User, wrangler: User
) -> None:
    canonical = make_canonical(wrangler, Tag.objects.get(name="Cowboy Bebop"))
    make_canonical(wrangler, Tag.objects.get(name="Trigun"))
    make_synonym(
        wrangler,
        Tag.objects.get(name="Angst"),
        make_canonical(wrangler, Tag.objects.get(name="Fluff")),
    )
    add_parent(wrangler, Tag.objects.get(name="Spike Spiegel/Julia"), canonical)
    shapes = [
        "",
        "include=Cowboy+Bebop",
        "include=angst",
        "exclude=Trigun",
        "rating=teen&rating=general&sort=title",
        "language=es",
        "complete=1",
        "crossover=only",
        "crossover=exclude&sort=words",
        "words_from=100&words_to=1000",
        "updated_since=2000-01-01&sort=kudos",
        "q=blues",
        "q=word&include=Cowboy+Bebop",
    ]
    token = token_for(reader)
    for shape in shapes:
        html_ids = [
            w.pk
            for w in build_listing(
                Work.objects.visible_to(reader).posted(),
                QueryDict(shape),
                viewer=f"user:{reader.pk}",
            ).works
        ]
        api_ids = [
            w["id"] for w in call("GET", f"/api/v1/works/?{shape}", token).json_body["results"]
        ]
        assert api_ids == html_ids, shape


@pytest.mark.parametrize(
    "query",
    [
        "include=No+Such+Tag",
        "rating=lovely",
        "language=xx",
        "complete=perhaps",
        "crossover=both",
        "words_from=-3",
        "words_to=many",
        "updated_since=yesterday",
        "sort=colour",
        "page=0",
        "page=abc",
        "per_page=101",
        "per_page=0",
        "q=" + "a" * 501,
        "language=en&language=es",
    ],
)
def test_invalid_filters_are_400_with_problems(shelf: dict[str, Work], query: str) -> None:
    response = call("GET", f"/api/v1/works/?{query}")
    assert response.status_code == 400
    assert response.json_body["problems"]


def test_pagination(author: User) -> None:
    for n in range(5):
        make_work(author, f"Work {n}")
    first = call("GET", "/api/v1/works/?per_page=2&sort=title", schema="WorkPage").json_body
    assert first["count"] == 5 and len(first["results"]) == 2
    assert first["next"] == "/api/v1/works/?sort=title&page=2&per_page=2"
    third = call("GET", "/api/v1/works/?per_page=2&sort=title&page=3").json_body
    assert [w["title"] for w in third["results"]] == ["Work 4"]
    assert third["next"] is None and third["previous"].endswith("page=2&per_page=2")
    beyond = call("GET", "/api/v1/works/?per_page=2&page=9").json_body
    assert beyond["results"] == [] and beyond["count"] == 5


def test_search(shelf: dict[str, Work]) -> None:
    data = call("GET", "/api/v1/search/?q=blues", schema="WorkPage").json_body
    assert [w["title"] for w in data["results"]] == ["Asteroid Blues"]
    assert call("GET", "/api/v1/search/").status_code == 400
    nothing = call("GET", "/api/v1/search/?q=-blues")
    assert nothing.status_code == 400 and "Add a word" in nothing.json_body["error"]


def test_tags(shelf: dict[str, Work], wrangler: User) -> None:
    bebop = make_canonical(wrangler, Tag.objects.get(name="Cowboy Bebop"))
    make_canonical(wrangler, Tag.objects.get(name="Trigun"))
    pair = make_canonical(wrangler, Tag.objects.get(name="Spike Spiegel/Julia"))
    add_parent(wrangler, pair, bebop)
    Tag.objects.create(name="Bebop", type="fandom")
    make_synonym(wrangler, Tag.objects.get(name="Bebop"), bebop)
    listed = call("GET", "/api/v1/tags/?q=cow", schema="TagPage").json_body
    assert [t["name"] for t in listed["results"]] == ["Cowboy Bebop"]
    typed = call("GET", "/api/v1/tags/?type=relationship").json_body
    assert [t["name"] for t in typed["results"]] == ["Spike Spiegel/Julia"]
    assert call("GET", "/api/v1/tags/?type=planet").status_code == 400
    detail = call("GET", "/api/v1/tags/Cowboy%20Bebop/", schema="TagDetail").json_body
    assert detail["synonyms"] == ["Bebop"]
    assert [t["name"] for t in detail["children"]] == ["Spike Spiegel/Julia"]
    assert detail["work_count"] == 3
    slash = call("GET", "/api/v1/tags/Spike%20Spiegel*s*Julia/", schema="TagDetail").json_body
    assert [t["name"] for t in slash["parents"]] == ["Cowboy Bebop"]
    synonym = call("GET", "/api/v1/tags/bebop/", schema="TagDetail").json_body
    assert synonym["merger"]["name"] == "Cowboy Bebop" and synonym["work_count"] == 3
    assert call("GET", "/api/v1/tags/Nothing%20Here/").status_code == 404


def test_users_and_me(shelf: dict[str, Work], author: User, reader: User) -> None:
    data = call("GET", "/api/v1/users/author/", schema="User").json_body
    assert data["pseuds"][0]["name"] == "author" and data["work_count"] == 2
    assert call("GET", "/api/v1/users/author/", token_for(reader)).json_body["work_count"] == 3
    assert call("GET", "/api/v1/users/nobody/").status_code == 404
    me = call("GET", "/api/v1/me/", token_for(author, "laptop"), schema="Me").json_body
    assert me["username"] == "author" and me["token"]["name"] == "laptop"
    guest = call("GET", "/api/v1/me/")
    assert guest.status_code == 401 and guest["WWW-Authenticate"].startswith("Bearer")


# --- tokens ----------------------------------------------------------------------------------


def test_tokens_are_stored_hashed_and_revocable(author: User) -> None:
    row, token = create_token(author, "e-reader")
    stored = ApiToken.objects.get(pk=row.pk)
    assert stored.key_hash == hash_token(token) and token not in stored.key_hash
    assert token.startswith(stored.prefix)
    assert call("GET", "/api/v1/me/", token).status_code == 200
    assert ApiToken.objects.get(pk=row.pk).last_used_at is not None
    ApiToken.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
    revoked = call("GET", "/api/v1/me/", token)
    assert revoked.status_code == 401
    assert 'error="invalid_token"' in revoked["WWW-Authenticate"]


@pytest.mark.parametrize(
    "header", ["Bearer nope", "Basic dXNlcjpwYXNz", "Bearer fa_" + "x" * 43, "Bearer", "Token x"]
)
def test_bad_tokens_are_401_even_on_reads(shelf: dict[str, Work], header: str) -> None:
    response = Client().get("/api/v1/works/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_inactive_accounts_tokens_stop_working(author: User) -> None:
    token = token_for(author)
    author.is_active = False
    author.save()
    assert call("GET", "/api/v1/me/", token).status_code == 401


def test_the_api_ignores_session_cookies(author: User) -> None:
    """A logged-in browser cannot write through the API without a token (so no CSRF risk)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    body = {"title": "Via cookie", "fandoms": ["X"], "chapter": {"text": "Hi"}}
    response = call("POST", "/api/v1/works/", body=body, client=client)
    assert response.status_code == 401
    assert not Work.objects.filter(title="Via cookie").exists()


def test_token_settings_page(author: User, stranger: User) -> None:
    client = Client()
    assert client.get("/settings/tokens/").status_code == 302
    client.force_login(author)
    page = client.get("/settings/tokens/")
    assert (
        page.status_code == 200 and "Token name" in page.text and "You have no tokens" in page.text
    )
    created = client.post("/settings/tokens/", {"name": "Phone <b>app</b>"})
    assert created.status_code == 200
    row = ApiToken.objects.get(user=author)
    token = created.text.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert hash_token(token) == row.key_hash
    assert "Phone &lt;b&gt;app&lt;/b&gt;" in created.text
    assert_nothing_executable(created.text, page=True)
    assert token not in client.get("/settings/tokens/").text  # shown once
    assert client.post("/settings/tokens/", {"name": "  "}).status_code == 400
    other = create_token(stranger, "theirs")[0]
    client.post("/settings/tokens/", {"revoke": str(other.pk)})
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None
    for hostile in ["\x00", "9" * 40, "-1", "x"]:
        assert client.post("/settings/tokens/", {"revoke": hostile}).status_code in {302, 400}
    client.post("/settings/tokens/", {"revoke": str(row.pk)})
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None
    assert call("GET", "/api/v1/me/", token).status_code == 401


def test_api_token_command(author: User) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("api-token", "author", "--name", "ci", stdout=out)
    token = out.getvalue().strip()
    assert call("GET", "/api/v1/me/", token).json_body["token"]["name"] == "ci"
    call_command("api-token", "author", "--revoke", token[:10], stdout=StringIO())
    assert call("GET", "/api/v1/me/", token).status_code == 401


# --- writing ---------------------------------------------------------------------------------

NEW_WORK = {
    "title": "Posted by API",
    "summary": "A <em>summary</em> <script>x()</script>",
    "rating": "teen",
    "fandoms": ["Cowboy Bebop"],
    "characters": ["Faye Valentine", "faye valentine"],
    "freeforms": ["  Angst  "],
    "warnings": ["No Archive Warnings Apply"],
    "language": "en",
    "chapter": {"text": "First chapter.\n\nSecond paragraph.", "text_format": "text"},
}


def test_it_posts_updates_and_adds_chapters(author: User, stranger: User) -> None:
    token = token_for(author)
    created = call("POST", "/api/v1/works/", token, NEW_WORK, schema="Work")
    assert created.status_code == 201, created.json_body
    data = created.json_body
    assert data["status"] == "posted" and data["words"] == 4
    assert data["characters"] == ["Faye Valentine"] and data["freeforms"] == ["Angst"]
    assert "<script" not in data["summary_html"] and "<em>summary</em>" in data["summary_html"]
    work_id = data["id"]
    assert call("GET", f"/api/v1/works/{work_id}/").status_code == 200

    patched = call("PATCH", f"/api/v1/works/{work_id}/", token, {"title": "Renamed"}, schema="Work")
    assert patched.status_code == 200
    assert patched.json_body["title"] == "Renamed" and patched.json_body["rating"] == "teen"
    assert patched.json_body["characters"] == ["Faye Valentine"]

    refused = call("PATCH", f"/api/v1/works/{work_id}/", token_for(stranger), {"title": "Mine"})
    assert refused.status_code == 403
    assert Work.objects.get(pk=work_id).title == "Renamed"

    chapter = call(
        "POST", f"/api/v1/works/{work_id}/chapters/", token,
        {"text": "Chapter two.", "title": "Two", "text_format": "text"}, schema="Chapter",
    )  # fmt: skip
    assert chapter.status_code == 201 and chapter.json_body["position"] == 2
    updated = call(
        "PATCH", f"/api/v1/works/{work_id}/chapters/2/", token, {"text": "New words here."},
        schema="Chapter",
    )  # fmt: skip
    assert updated.status_code == 200 and updated.json_body["words"] == 3
    assert updated.json_body["title"] == "Two"
    assert call("GET", f"/api/v1/works/{work_id}/").json_body["chapters"]["posted"] == 2
    assert (
        call("POST", f"/api/v1/works/{work_id}/chapters/", token_for(stranger), {"text": "x"})
    ).status_code == 403


def test_drafts_stay_with_their_creators(author: User, reader: User) -> None:
    token = token_for(author)
    data = call("POST", "/api/v1/works/", token, {**NEW_WORK, "draft": True}).json_body
    assert data["status"] == "draft"
    assert call("GET", f"/api/v1/works/{data['id']}/", token_for(reader)).status_code == 404
    assert call("GET", f"/api/v1/works/{data['id']}/chapters/1/", token).status_code == 200
    draft_chapter = call(
        "POST", f"/api/v1/works/{data['id']}/chapters/", token, {"text": "More", "draft": True}
    )
    assert draft_chapter.json_body["posted"] is False


def test_validation_errors_are_400_with_the_actions_message(author: User) -> None:
    token = token_for(author)
    no_fandom = call("POST", "/api/v1/works/", token, {**NEW_WORK, "fandoms": []})
    assert no_fandom.status_code == 400 and "fandom" in no_fandom.json_body["error"]
    bad_tag = call("POST", "/api/v1/works/", token, {**NEW_WORK, "freeforms": ["a,b"]})
    assert bad_tag.status_code == 400
    assert "freeforms[0] holds a character it cannot hold" in bad_tag.json_body["problems"][0]
    only_markup = {**NEW_WORK, "chapter": {"text": "<script>x</script>", "text_format": "html"}}
    assert call("POST", "/api/v1/works/", token, only_markup).status_code == 400
    assert not Work.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": "No chapter"},
        {"title": 5, "chapter": {"text": "x"}},
        {"title": "T", "chapter": {"text": "x"}, "rating": "lovely"},
        {"title": "T", "chapter": {"text": "x"}, "fandoms": "Bebop"},
        {"title": "T", "chapter": {"text": "x"}, "expected_chapters": "3"},
        {"title": "T", "chapter": {"text": "x"}, "expected_chapters": True},
        {"title": "T", "chapter": {"text": "x"}, "complete": "yes"},
        {"title": "T", "chapter": {"text": "x"}, "surprise": 1},
        {"title": "T\x00", "chapter": {"text": "x"}},
        {"title": "T", "chapter": {"text": "x" * 600_000}},
        [1, 2],
        "title",
        None,
    ],
)
def test_wrong_bodies_are_400(author: User, body: Any) -> None:
    response = call("POST", "/api/v1/works/", token_for(author), raw=json.dumps(body).encode())
    assert response.status_code == 400, response.json_body
    assert not Work.objects.exists()


def test_bodies_that_are_not_json(author: User) -> None:
    token = token_for(author)
    assert (
        call(
            "POST",
            "/api/v1/works/",
            token,
            raw=b"title=x",
            content_type="application/x-www-form-urlencoded",
        ).status_code
        == 415
    )
    assert call("POST", "/api/v1/works/", token, raw=b"{not json").status_code == 400
    assert call("POST", "/api/v1/works/", token, raw=b"\xff\xfe").status_code == 400
    assert call(
        "POST", "/api/v1/works/", token, raw=b"[" * 100_000 + b"]" * 100_000
    ).status_code in {400, 413}
    assert (
        call(
            "POST", "/api/v1/works/", token, raw=b'{"title": "\\ud800", "chapter": {"text": "x"}}'
        ).status_code
        == 400
    )
    huge = json.dumps({"title": "T", "chapter": {"text": "x" * (5 * 1024 * 1024)}}).encode()
    assert call("POST", "/api/v1/works/", token, raw=huge).status_code == 413


def test_kudos(shelf: dict[str, Work], author: User, reader: User) -> None:
    work = shelf["ballad"]
    token = token_for(reader)
    first = call("POST", f"/api/v1/works/{work.pk}/kudos/", token, schema="Kudos")
    assert first.status_code == 201 and first.json_body["kudos"] == 1
    again = call("POST", f"/api/v1/works/{work.pk}/kudos/", token, schema="Kudos")
    assert again.status_code == 200 and again.json_body["created"] is False
    assert Kudos.objects.filter(work=work).count() == 1
    own = call("POST", f"/api/v1/works/{shelf['dome'].pk}/kudos/", token_for(author))
    assert own.status_code == 400
    assert call("POST", f"/api/v1/works/{work.pk}/kudos/").status_code == 401
    assert call("POST", f"/api/v1/works/{shelf['draft'].pk}/kudos/", token).status_code == 404
    # Its creator sees the draft, and is told why kudos cannot go on it.
    drafted = call("POST", f"/api/v1/works/{shelf['draft'].pk}/kudos/", token_for(author))
    assert drafted.status_code == 400


def test_bookmarks(shelf: dict[str, Work], reader: User, stranger: User) -> None:
    token = token_for(reader)
    body = {
        "work": shelf["dome"].pk,
        "notes": "Loved it <script>x</script>",
        "tags": ["rain", "Rain"],
    }
    created = call("POST", "/api/v1/bookmarks/", token, body, schema="Bookmark")
    assert created.status_code == 201
    mark = created.json_body
    assert mark["tags"] == ["rain"] and "<script" not in mark["notes_html"]
    again = call("POST", "/api/v1/bookmarks/", token, {**body, "private": True}, schema="Bookmark")
    assert again.status_code == 200 and again.json_body["id"] == mark["id"]
    listed = call("GET", "/api/v1/bookmarks/", token, schema="BookmarkPage").json_body
    assert [b["id"] for b in listed["results"]] == [mark["id"]]
    assert (
        call("GET", f"/api/v1/bookmarks/{mark['id']}/", token, schema="Bookmark").status_code == 200
    )
    assert call("GET", f"/api/v1/bookmarks/{mark['id']}/", token_for(stranger)).status_code == 404
    assert (
        call("DELETE", f"/api/v1/bookmarks/{mark['id']}/", token_for(stranger)).status_code == 404
    )
    hidden = call("POST", "/api/v1/bookmarks/", token, {"work": shelf["draft"].pk})
    assert hidden.status_code == 404
    assert call("DELETE", f"/api/v1/bookmarks/{mark['id']}/", token).status_code == 204
    assert not Bookmark.objects.exists()
    assert call("GET", f"/api/v1/bookmarks/{mark['id']}/", token).status_code == 404
    assert call("GET", "/api/v1/bookmarks/").status_code == 401


def test_suspended_accounts_cannot_write_but_can_read(
    shelf: dict[str, Work], reader: User, wrangler: User
) -> None:
    token = token_for(reader)
    suspend_user(wrangler, reader, timezone.now() + dt.timedelta(days=2), "spam")
    assert call("GET", "/api/v1/works/", token).status_code == 200
    refused = call("POST", f"/api/v1/works/{shelf['ballad'].pk}/kudos/", token)
    assert refused.status_code == 403 and "suspended" in refused.json_body["error"]
    assert call("POST", "/api/v1/works/", token, NEW_WORK).status_code == 403
    assert (
        call("POST", "/api/v1/bookmarks/", token, {"work": shelf["ballad"].pk}).status_code == 403
    )


# --- errors, hostile input, limits, queries --------------------------------------------------


def test_errors_are_json(shelf: dict[str, Work]) -> None:
    for url in [
        "/api/v1/nope/",
        "/api/v2/works/",
        "/api/",
        "/api/v1/works/999999999/",
        "/api/v1/works/abc/",
    ]:
        response = call("GET", url)
        assert response.status_code == 404, url
    assert call("GET", f"/api/v1/works/{2**70}/").status_code == 404
    assert call("GET", f"/api/v1/works/{shelf['dome'].pk}/chapters/{2**70}/").status_code == 404
    wrong = call("PUT", "/api/v1/works/")
    assert wrong.status_code == 405 and wrong["Allow"] == "GET, POST"
    nul = call("GET", "/api/v1/works/?q=%00")
    assert nul.status_code == 400


def test_hostile_query_values_and_bodies_never_fail(shelf: dict[str, Work], author: User) -> None:
    token = token_for(author)
    client = Client()
    work = shelf["dome"].pk
    for value in hostile_corpus()[::3]:
        for key in ("q", "include", "language", "sort", "page", "updated_since"):
            response = client.get("/api/v1/works/", {key: value})
            assert response.status_code in {200, 400}, (key, value)
            assert response["Content-Type"] == "application/json"
        response = client.get("/api/v1/tags/", {"q": value})
        assert response.status_code in {200, 400}, value
    for value in hostile_corpus()[::25]:
        response = call(
            "PATCH", f"/api/v1/works/{work}/", token, {"title": value, "summary": value}
        )
        assert response.status_code in {200, 400}, value
        response = call(
            "POST", "/api/v1/bookmarks/", token, {"work": work, "notes": value, "tags": [value]}
        )
        assert response.status_code in {200, 201, 400}, value


def test_hostile_path_segments_are_json_404s(shelf: dict[str, Work]) -> None:
    client = Client()
    for value in hostile_corpus()[::7]:
        segment = quote(value, safe="")
        for url in (f"/api/v1/tags/{segment}/", f"/api/v1/users/{segment}/"):
            response = client.get(url)
            assert response.status_code in {200, 400, 404}, url
            assert response["Content-Type"] == "application/json", url


def test_rate_limits_answer_429_with_retry_after(
    shelf: dict[str, Work], reader: User, settings: Any
) -> None:
    settings.MODERATION_RATE_LIMITS_ENABLED = True
    settings.MODERATION_RATE_LIMITS = {
        "api_read": [("account", 2, 3600), ("address", 3, 3600)],
        "api_write": [("account", 1, 3600)],
    }
    token = token_for(reader)
    assert call("GET", "/api/v1/works/", token).status_code == 200
    assert call("GET", "/api/v1/works/", token).status_code == 200
    limited = call("GET", "/api/v1/works/", token)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "Too many API requests" in limited.json_body["error"]
    assert call("GET", "/api/v1/works/").status_code == 200  # refused calls are not counted
    assert call("GET", "/api/v1/works/").status_code == 429  # the address is at 3
    work = shelf["ballad"].pk
    assert call("POST", f"/api/v1/works/{work}/kudos/", token).status_code == 201
    assert call("POST", f"/api/v1/works/{work}/kudos/", token).status_code == 429
    settings.API_RATE_LIMITS = False
    assert call("GET", "/api/v1/works/", token).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/works/", "/api/v1/bookmarks/", "/api/v1/tags/"])
def test_list_endpoints_run_a_flat_number_of_queries(author: User, reader: User, url: str) -> None:
    token = token_for(reader)

    def fill(start: int, count: int) -> None:
        for n in range(start, start + count):
            work = make_work(author, f"Work {n}", fandoms=(f"Fandom {n}",), freeforms=[f"Tag {n}"])
            Tag.objects.filter(name=f"Fandom {n}").update(canonical=True)
            call("POST", "/api/v1/bookmarks/", token, {"work": work.pk, "tags": ["a", "b"]})

    fill(0, 2)
    call("GET", url, token)  # warm caches
    few = count_queries(lambda: call("GET", url, token))
    assert few <= 12
    fill(2, 12)
    assert count_queries(lambda: call("GET", url, token)) == few


def count_queries(action: Any) -> int:
    """Return how many SQL statements `action()` runs (counted as they execute, so the
    request_started signal's reset of the query log cannot hide any)."""
    seen: list[str] = []

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        action()
    return len(seen)


# --- the document ----------------------------------------------------------------------------


def test_openapi_document_lists_every_operation() -> None:
    response = call("GET", "/api/v1/openapi.json")
    doc = response.json_body
    assert doc["openapi"].startswith("3.")
    for op in OPERATIONS:
        entry = doc["paths"]["/api/v1/" + op.path][op.method.lower()]
        assert entry["operationId"] == op.operation_id
        assert "429" in entry["responses"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_openapi_document_is_valid_openapi() -> None:
    import schemathesis  # a dev dependency: always there where the suite runs

    doc = call("GET", "/api/v1/openapi.json").json_body
    schema = schemathesis.openapi.from_dict(doc)
    # Each result is Ok(operation) or Err(problem); .ok() raises on an Err.
    operations = [cast(Any, result).ok() for result in schema.get_all_operations()]
    assert len(operations) == len(OPERATIONS)
