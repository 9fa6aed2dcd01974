"""Hostile and broken input through every form: never a 500, never stored markup that runs."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from ficarchive.accounts.models import User
from ficarchive.tags.models import Tag
from ficarchive.works.models import Chapter, Work
from tests.conftest import hostile_corpus
from tests.htmlcheck import assert_nothing_executable

pytestmark = pytest.mark.django_db


def corpus() -> list[str]:
    return list(hostile_corpus())


class PageScripts(HTMLParser):
    """Collects every script and event-handler attribute of a whole page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs).get("src") or "<inline>")
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def assert_page_safe(html: str) -> None:
    scan = PageScripts()
    scan.feed(html)
    # Only the site's own script files, never inline code or scripts from elsewhere.
    assert "/static/ficarchive/site.js" in scan.scripts, scan.scripts
    assert all(src.startswith("/static/") for src in scan.scripts), scan.scripts
    assert scan.handlers == []


def test_the_corpora_are_there() -> None:
    assert len(corpus()) > 1000


def test_every_text_field_takes_the_hostile_corpora(author: User) -> None:
    client = Client()
    client.force_login(author)
    statuses: dict[int, int] = {}
    for index, payload in enumerate(corpus()):
        fmt = ("html", "text", "markdown")[index % 3]
        response = client.post(
            "/works/new/",
            {
                "title": payload[:255],
                "rating": "general",
                "warnings": "No Archive Warnings Apply",
                "fandoms": "Hostile Fandom",
                "text_format": fmt,
                "summary": payload[:1250],
                "notes": payload,
                "end_notes": payload,
                "language": "en",
                "chapter_title": payload[:255],
                "text": payload + " words",
                "intent": "post",
            },
        )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code in (200, 302), (payload, response.status_code)
        if response.status_code == 302:
            assert_page_safe(client.get(response["Location"]).content.decode())
    assert statuses.get(302, 0) > 0.95 * len(corpus()), statuses
    for work in Work.objects.all():
        for html in (work.summary_html, work.notes_html, work.end_notes_html):
            assert_nothing_executable(html)
    for chapter in Chapter.objects.all():
        assert_nothing_executable(chapter.html)
    assert_page_safe(Client().get("/works/").content.decode())
    assert_page_safe(client.get("/users/author/").content.decode())


def test_tag_fields_take_the_hostile_corpora(author: User) -> None:
    client = Client()
    client.force_login(author)
    for payload in corpus():
        response = client.post(
            "/works/new/",
            {
                "title": "Tags",
                "rating": "general",
                "warnings": "No Archive Warnings Apply",
                "fandoms": payload[:150] or "F",
                "relationships": payload,
                "characters": payload[:150],
                "freeforms": payload,
                "text_format": "text",
                "language": "en",
                "text": "words",
                "intent": "post",
            },
        )
        assert response.status_code in (200, 302), (payload, response.status_code)
        if response.status_code == 302:
            assert_page_safe(client.get(response["Location"]).content.decode())
    assert Work.objects.exists()
    for tag in Tag.objects.all():
        assert "<" not in tag.name and ">" not in tag.name
        assert Client().get(tag.get_absolute_url()).status_code == 200, tag.name


@pytest.mark.parametrize(
    "query",
    [
        "page=%00",
        "page=" + "9" * 400,
        "page=<script>",
        "view=full%00",
        "page=1&page=2",
        "q=" + "x" * 5000,
    ],
)
def test_query_strings_never_break_a_page(author: User, query: str) -> None:
    Client().get("/")
    for url in ("/", "/works/", "/users/author/"):
        assert Client().get(f"{url}?{query}").status_code in (200, 400)


@pytest.mark.parametrize(
    "path",
    [
        "/tags/" + "a" * 3000 + "/",
        "/users/%3Cscript%3E/",
        "/works/99999999999999999999/",
        "/users/..%2F..%2Fetc/",
        "/tags/*s*/works/",
    ],
)
def test_odd_paths_are_404_not_500(path: str) -> None:
    assert Client().get(path).status_code == 404


def test_pages_send_a_strict_content_security_policy() -> None:
    response = Client().get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_forms_carry_csrf_tokens(author: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    assert b"csrfmiddlewaretoken" in client.get("/works/new/").content
    response = client.post("/works/new/", {"title": "No token"})
    assert response.status_code == 403
    assert b"The form expired" in response.content
    assert not Work.objects.exists()


def test_preferences_only_store_known_values() -> None:
    client = Client()
    client.post(
        "/preferences/", {"theme": "dark", "text_size": "large", "next": "https://evil.example/"}
    )
    assert client.cookies["theme"].value == "dark"
    page = client.get("/").content.decode()
    assert 'data-theme="dark"' in page and 'data-text-size="large"' in page
    client.cookies["theme"] = '"><script>alert(1)</script>'
    page = client.get("/").content.decode()
    assert "<script>alert" not in page
    response = Client().post("/preferences/", {"theme": "dark", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/tags/%00/", {}),
        ("get", "/users/a%00b/", {}),
        ("get", "/works/", {"page": "\x00"}),
        ("post", "/login/", {"username": "author\x00", "password": "x"}),
        (
            "post",
            "/signup/",
            {"username": "\x00", "email": "a@b.c", "password": "x", "password_again": "x"},
        ),
        ("post", "/password/reset/", {"email": "a\x00@example.org"}),
    ],
)
def test_nul_bytes_get_a_400_page_everywhere(
    author: User, method: str, url: str, data: dict[str, str]
) -> None:
    response = getattr(Client(), method)(url, data)
    assert response.status_code == 400
    assert b"NUL character" in response.content
