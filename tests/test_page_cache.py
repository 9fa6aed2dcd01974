"""The page cache's rules (core/pagecache.py), through the WSGI application as a server
calls it: what one visitor is given never reaches another, and every change shows at once.

These tests commit their writes (transaction=True), as a real request does: the cache's
versions move when a transaction commits."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.wsgi import get_wsgi_application
from django.middleware.csrf import _unmask_cipher_token  # type: ignore[attr-defined]
from django.test import RequestFactory

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.blocking.actions import mute_user
from ficarchive.core import pagecache, warmup
from ficarchive.moderation.actions import set_work_hidden
from ficarchive.works.actions import ChapterInput, WorkInput, add_chapter, update_work
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, client_for, commits, make_work

pytestmark = commits

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: str

    @property
    def cache(self) -> str | None:
        return next((v for k, v in self.headers if k == pagecache.STATUS_HEADER), None)

    def cookies(self) -> dict[str, str]:
        found = {}
        for name, value in self.headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                found[key.strip()] = rest.split(";", 1)[0]
        return found


@dataclass
class Visitor:
    """A browser: its address, its cookies, and the application it asks."""

    app: Any
    address: str = "203.0.113.7"
    cookies: dict[str, str] = field(default_factory=dict)

    def _call(self, environ: dict[str, Any]) -> Answer:
        environ["REMOTE_ADDR"] = self.address
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status, headers, body = warmup.call(self.app, environ)
        answer = Answer(int(status.split()[0]), headers, body.decode())
        self.cookies.update(answer.cookies())
        return answer

    def get(self, path: str) -> Answer:
        return self._call(dict(RequestFactory().get(path).environ))

    def post(self, path: str, data: dict[str, str]) -> Answer:
        return self._call(dict(RequestFactory().post(path, data).environ))


@pytest.fixture
def app() -> pagecache.PageCache:
    return pagecache.PageCache(get_wsgi_application())


def _member(app: Any, user: User) -> Visitor:
    session = client_for(user).cookies["sessionid"].value
    return Visitor(app, address="198.51.100.9", cookies={"sessionid": session})


def test_two_guests_share_the_page_but_not_the_token(app: Any, author: User) -> None:
    work = make_work(author, "Shared Lantern")
    first, second = Visitor(app, "203.0.113.1"), Visitor(app, "203.0.113.2")
    a = first.get(f"/works/{work.pk}/")
    b = second.get(f"/works/{work.pk}/")
    assert (a.status, a.cache, b.cache) == (200, "miss", "hit")
    assert "Shared Lantern" in b.body
    assert pagecache.PLACEHOLDER not in a.body + b.body
    # Each guest's forms carry a token of their own secret, set in their own cookie.
    secret_a, secret_b = first.cookies["csrftoken"], second.cookies["csrftoken"]
    assert secret_a != secret_b
    assert {_unmask_cipher_token(t) for t in TOKEN.findall(a.body)} == {secret_a}
    assert {_unmask_cipher_token(t) for t in TOKEN.findall(b.body)} == {secret_b}
    # A guest with a token already keeps it: no new cookie.
    again = second.get(f"/works/{work.pk}/")
    assert again.cache == "hit" and "csrftoken" not in again.cookies()
    assert {_unmask_cipher_token(t) for t in TOKEN.findall(again.body)} == {secret_b}


def test_a_form_on_a_cached_page_posts(app: Any, author: User) -> None:
    work = make_work(author, "Kudos Please")
    Visitor(app, "203.0.113.1").get(f"/works/{work.pk}/")
    guest = Visitor(app, "203.0.113.3")
    page = guest.get(f"/works/{work.pk}/")
    assert page.cache == "hit"
    token = TOKEN.findall(page.body)[0]
    answer = guest.post(f"/works/{work.pk}/kudos/", {"csrfmiddlewaretoken": token})
    assert answer.status == 302
    # The kudos show at once, to every guest.
    after = Visitor(app, "203.0.113.4").get(f"/works/{work.pk}/")
    assert after.cache == "miss"
    assert Work.objects.get(pk=work.pk).kudos_count == 1
    assert re.search(r"Kudos:</dt>\s*<dd[^>]*>1<", after.body) or "1 guest" in after.body


def test_members_pages_are_never_cached_nor_shown_to_guests(
    app: Any, author: User, reader: User
) -> None:
    work = make_work(author, "Member View")
    member = _member(app, reader)
    page = member.get(f"/works/{work.pk}/")
    assert page.status == 200 and page.cache is None
    assert "reader" in page.body  # their own name in the header
    guest = Visitor(app).get(f"/works/{work.pk}/")
    assert guest.cache == "miss"
    assert "Log out" not in guest.body and ">reader<" not in guest.body


def test_an_edit_between_two_requests_shows_at_once(app: Any, author: User) -> None:
    work = make_work(author, "Before the Edit")
    guest = Visitor(app)
    assert guest.get(f"/works/{work.pk}/").cache == "miss"
    assert guest.get(f"/works/{work.pk}/").cache == "hit"
    assert guest.get("/works/").cache == "miss"
    update_work(
        author,
        work,
        WorkInput(
            title="After the Edit",
            fandoms=["Cowboy Bebop"],
            rating="general",
            warnings=["No Archive Warnings Apply"],
            text_format="text",
        ),
    )
    page = guest.get(f"/works/{work.pk}/")
    assert page.cache == "miss" and "After the Edit" in page.body
    listing = guest.get("/works/")
    assert listing.cache == "miss" and "After the Edit" in listing.body


def test_a_draft_chapter_of_a_posted_work_stays_hidden(app: Any, author: User) -> None:
    work = make_work(author, "Posted Part", text="The posted chapter.")
    guest = Visitor(app)
    guest.get(f"/works/{work.pk}/")
    add_chapter(
        author, work, ChapterInput(text="A secret draft chapter.", text_format="text"), draft=True
    )
    page = guest.get(f"/works/{work.pk}/")
    assert "The posted chapter." in page.body
    assert "secret draft" not in page.body
    # The author sees it: their page is their own, never the guests'.
    assert "secret draft" in _member(app, author).get(f"/works/{work.pk}/full/").body


def test_a_hidden_work_disappears_at_once(app: Any, author: User) -> None:
    work = make_work(author, "Soon Hidden")
    moderator = sign_up("modder", "modder@example.org", PASSWORD)
    moderator.is_staff = True
    moderator.save(update_fields=["is_staff"])
    guest = Visitor(app)
    assert guest.get(f"/works/{work.pk}/").status == 200
    assert "Soon Hidden" in guest.get("/works/").body
    set_work_hidden(moderator, work, True)
    assert guest.get(f"/works/{work.pk}/").status == 404
    assert "Soon Hidden" not in guest.get("/works/").body


def test_a_muted_creator_is_hidden_for_the_member_only(
    app: Any, author: User, reader: User
) -> None:
    make_work(author, "Muted Soon")
    guest = Visitor(app)
    member = _member(app, reader)
    assert "Muted Soon" in guest.get("/works/").body
    assert "Muted Soon" in member.get("/works/").body
    mute_user(reader, author)
    assert "Muted Soon" not in member.get("/works/").body
    listing = guest.get("/works/")
    assert "Muted Soon" in listing.body


def test_hits_are_counted_once_per_reader_per_day(app: Any, author: User) -> None:
    work = make_work(author, "Counted")
    one, two = Visitor(app, "203.0.113.10"), Visitor(app, "203.0.113.11")
    for _ in range(3):
        one.get(f"/works/{work.pk}/")
    assert Work.objects.get(pk=work.pk).hit_count == 1
    assert two.get(f"/works/{work.pk}/").cache == "hit"
    two.get(f"/works/{work.pk}/")
    assert Work.objects.get(pk=work.pk).hit_count == 2


def test_personal_cookies_and_answers_that_set_cookies_are_not_shared(
    app: Any, author: User
) -> None:
    work = make_work(author, "Adult Thing", rating="explicit")
    guest = Visitor(app)
    notice = guest.get(f"/works/{work.pk}/")
    assert "Adult Thing" in notice.body and notice.cache == "miss"
    # Proceed sets the session: that answer is the guest's own, and so is every later one.
    proceed = guest.get(f"/works/{work.pk}/?view_adult=true")
    assert proceed.cache == "pass", proceed.headers
    assert "sessionid" in guest.cookies, proceed.headers
    assert guest.get(f"/works/{work.pk}/").cache is None
    assert Visitor(app, "203.0.113.99").get(f"/works/{work.pk}/?view_adult=true").cache == "pass"
    # A guest's reading preferences (their own cookie) bypass the cache too.
    styled = Visitor(app, cookies={"reading": "x"})
    assert styled.get("/works/").cache is None
    # Theme and text size are part of the key: each variant is its own entry.
    dark = Visitor(app, cookies={"theme": "dark"})
    assert dark.get("/works/").cache == "miss"
    assert Visitor(app, cookies={"theme": "dark"}).get("/works/").cache == "hit"


def test_settings_changes_show_at_once(app: Any, author: User) -> None:
    from ficarchive.site.actions import save_settings, settings_input

    make_work(author)
    guest = Visitor(app)
    guest.get("/")
    assert guest.get("/").cache == "hit"
    save_settings(None, dataclasses.replace(settings_input(), notice="Maintenance on Sunday."))
    page = guest.get("/")
    assert page.cache == "miss" and "Maintenance on Sunday." in page.body


def test_the_cache_can_be_turned_off(author: User, settings: Any) -> None:
    settings.PAGE_CACHE = False
    application = get_wsgi_application()
    assert pagecache.wrap(application) is application


def test_the_warm_up_renders_the_first_pages_and_counts_no_hit(app: Any, author: User) -> None:
    work = make_work(author, "Early Riser")
    done = warmup.warm_up(get_wsgi_application(), "testserver")
    assert done == [("/", "200 OK"), ("/works/", "200 OK"), (f"/works/{work.pk}/", "200 OK")]
    assert Work.objects.get(pk=work.pk).hit_count == 0
