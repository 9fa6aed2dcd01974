"""axe-core on the pages people use most, in both themes: no serious or critical violations.
The server holds demo works (see conftest), so listings show real blurbs; the reader pages
(kudos, comments, bookmarks, series, history, subscriptions, inbox, moderation) are checked
as a guest, a reader, a creator and staff, with content made for them (SCENE). A few keyboard
checks follow.

A failure lists every violation axe found (all impacts), with the elements and axe's advice.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    PASSWORD,
    Account,
    LiveServer,
    LogIn,
    NewContext,
    SignUp,
    label,
    proceed_past_adult_notice,
    unique_username,
)

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
THEMES = ["light", "dark"]


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"][:8]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:400]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more elements")
    return "\n".join(lines)


def assert_accessible(page: Page, what: str) -> None:
    """Run axe on the page; fail on serious or critical violations, listing all of them."""
    results = Axe().run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    report = _describe(violations)
    if violations:
        print(f"\naxe on {what} ({page.url}):\n{report}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, (
        f"axe found {len(blocking)} serious or critical violation(s) on {what} ({page.url}); "
        f"all it found:\n{report}"
    )


def _themed_page(new_context: NewContext, live_server_url: str, theme: str) -> Page:
    context = new_context()
    context.add_cookies([{"name": "theme", "value": theme, "url": live_server_url}])
    return context.new_page()


@pytest.mark.parametrize("theme", THEMES)
def test_it_has_an_accessible_home_page(
    new_context: NewContext, live_server_url: str, theme: str
) -> None:
    page = _themed_page(new_context, live_server_url, theme)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("data-theme", theme)
    expect(page.get_by_role("heading", name="Newest works")).to_be_visible()
    expect(page.locator(".blurb").first).to_be_visible()  # Demo works are listed.
    assert_accessible(page, f"the home page ({theme} theme)")


@pytest.mark.parametrize("theme", THEMES)
def test_it_has_an_accessible_work_page(
    new_context: NewContext, live_server_url: str, theme: str
) -> None:
    page = _themed_page(new_context, live_server_url, theme)
    page.goto("/")
    page.locator(".blurb-title a").first.click()
    expect(page).to_have_url(re.compile(r"/works/\d+/$"))
    proceed_past_adult_notice(page)  # a demo work may be Mature, Explicit or Not Rated
    expect(page.locator("h1.work-title")).to_be_visible()
    assert_accessible(page, f"a work page ({theme} theme)")


@pytest.mark.parametrize("theme", THEMES)
def test_it_has_an_accessible_posting_form(
    new_context: NewContext, live_server_url: str, sign_up: SignUp, theme: str
) -> None:
    page = _themed_page(new_context, live_server_url, theme)
    sign_up(page, "a11y")
    page.goto("/works/new/")
    expect(page.get_by_label(label("Work text"))).to_be_visible()
    assert_accessible(page, f"the posting form ({theme} theme)")
    # The same form showing errors (an empty submission) must stay accessible too.
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="Nothing was saved yet")).to_be_visible()
    expect(page.get_by_role("link", name="Work text")).to_be_visible()
    assert_accessible(page, f"the posting form with errors ({theme} theme)")


# --- every reader page, with content on it -----------------------------------------------------

# Run once in `ficarchive shell` on the session server: a creator with two works in a series
# (kudos, a threaded comment, a paragraph comment, a bookmark, a subscription, a notification),
# a work by another writer "inspired by" the first one (waiting for approval), a reader who
# muted that writer, a staff member, two reports (one closed, so the log has a line). Prints
# the ids the tests visit, as JSON.
SCENE = """
import json
from django.contrib.auth import get_user_model
from ficarchive.accounts.actions import sign_up
from ficarchive.blocking.actions import mute_user
from ficarchive.bookmarks.actions import BookmarkInput, save_bookmark
from ficarchive.comments.actions import CommentInput, add_comment
from ficarchive.kudos.actions import leave_kudos
from ficarchive.moderation.actions import close_report, file_report
from ficarchive.notifications.actions import notify
from ficarchive.series.actions import SeriesInput, add_related_work, add_work, create_series
from ficarchive.subscriptions.actions import subscribe_to_creator, subscribe_to_series
from ficarchive.tags.models import Tag
from ficarchive.works.actions import ChapterInput, WorkInput, add_chapter, post_work

names = json.loads(%(names)r)
password = %(password)r
creator = sign_up(names["creator"], names["creator"] + "@example.org", password)
reader = sign_up(names["reader"], names["reader"] + "@example.org", password)
other = sign_up(names["other"], names["other"] + "@example.org", password)
staff = sign_up(names["staff"], names["staff"] + "@example.org", password)
get_user_model().objects.filter(pk=staff.pk).update(is_staff=True)
staff.refresh_from_db()

text = "".join(
    f"<p>Paragraph {n} of the story: the lighthouse keeper counted ships until dawn.</p>"
    for n in range(1, 6)
)
meta = dict(fandoms=["A11y Fandom"], warnings=["No Archive Warnings Apply"], rating="general",
            characters=["Keeper"], freeforms=["Fluff"],
            summary="A quiet story about a lighthouse.", notes="Thanks to my beta.")
first = post_work(creator, WorkInput(title="Lamp One", complete=True, **meta),
                  ChapterInput(text=text, notes="Chapter notes."))
second = post_work(creator, WorkInput(title="Lamp Two", **meta), ChapterInput(text=text))
add_chapter(creator, second, ChapterInput(text=text, title="The Second Night"))
third = post_work(other, WorkInput(title="After the Lamp", fandoms=["A11y Fandom"],
                                     warnings=["No Archive Warnings Apply"], rating="general"),
                  ChapterInput(text=text))
add_related_work(other, third, parent_work=first)

series = create_series(creator, SeriesInput(title="Lamps", summary="Two lamps.", complete=False))
add_work(creator, series, first)
add_work(creator, series, second)

leave_kudos(first, user=reader)
leave_kudos(first, user=other)
leave_kudos(first, user=None, guest="a11y-guest")
chapter = first.chapters.get()
root, _ = add_comment(first, chapter, CommentInput(text="Lovely <em>opening</em>.", nonce="a1" * 16),
                      user=reader)
reply, _ = add_comment(first, chapter, CommentInput(text="Thank you!", nonce="a2" * 16),
                       user=creator, parent=root)
add_comment(first, chapter, CommentInput(text="This paragraph!", nonce="a3" * 16, paragraph=2),
            user=reader)

save_bookmark(reader, BookmarkInput(notes="A favourite.", tags=["comfort read"],
                                    recommend=True), work=first)
save_bookmark(reader, BookmarkInput(for_later=True), work=second)
save_bookmark(reader, BookmarkInput(notes="The whole series."), series=series)
subscribe_to_series(reader, series)
subscribe_to_creator(reader, creator)
notify(reader, kind="posted", message="Lamps: a new chapter of Lamp Two",
       url=f"/works/{second.pk}/", key=f"a11y:{second.pk}")
mute_user(reader, other)

file_report(reader, target_type="work", target=third, reason="spam", details="Adverts.")
dismissed, _ = file_report(reader, target_type="comment", target=reply, reason="other",
                           details="Test report.")
close_report(staff, dismissed, "dismissed", "Nothing wrong.")

fandom = Tag.objects.get(name="A11y Fandom")
print(json.dumps({
    "first": first.pk, "second": second.pk, "third": third.pk, "series": series.pk,
    "comment": root.pk, "reply": reply.pk, "fandom_url": fandom.get_absolute_url(),
}))
"""


@dataclass(frozen=True)
class Scene:
    """The accounts and content SCENE made, by name and id."""

    names: dict[str, str]
    ids: dict[str, Any]

    def account(self, role: str) -> Account:
        return Account(self.names[role], f"{self.names[role]}@example.org")


@pytest.fixture(scope="module")
def scene(ficarchive_server: LiveServer) -> Scene:
    names = {role: unique_username(role) for role in ("creator", "reader", "other", "staff")}
    output = ficarchive_server.shell(SCENE % {"names": json.dumps(names), "password": PASSWORD})
    return Scene(names, json.loads(output.strip().splitlines()[-1]))


def _pages(role: str, scene: Scene) -> list[tuple[str, str]]:
    """Return (what, path) of the pages `role` visits, each showing the scene's content."""
    ids, names = scene.ids, scene.names
    work, second, series = ids["first"], ids["second"], ids["series"]
    creator, reader = names["creator"], names["reader"]
    everyone = [
        ("the works listing", "/works/?sort=kudos"),
        ("the works listing with filters", "/works/?include=A11y+Fandom&exclude=Angst&complete=1"),
        ("a tag's works", f"{ids['fandom_url']}works/"),
        ("a work with kudos and comments", f"/works/{work}/"),
        ("a comment thread", f"/comments/{ids['comment']}/"),
        ("a work's bookmarks", f"/works/{work}/bookmarks/"),
        ("a user's bookmarks", f"/users/{reader}/bookmarks/"),
        ("a series", f"/series/{series}/"),
        ("a user's series", f"/users/{creator}/series/"),
        ("a user page", f"/users/{creator}/"),
    ]
    by_role = {
        "guest": [
            *everyone,
            ("the report form (guest)", f"/report/work/{work}/"),
        ],
        "reader": [
            *everyone,
            ("my bookmarks", "/bookmarks/"),
            ("marked for later", "/bookmarks/?show=later"),
            ("the bookmark form", f"/works/{work}/bookmark/"),
            ("the series bookmark form", f"/series/{series}/bookmark/"),
            ("the reply form", f"/comments/{ids['comment']}/reply/"),
            ("the comment edit form", f"/comments/{ids['comment']}/edit/"),
            ("the comment delete page", f"/comments/{ids['comment']}/delete/"),
            ("my user page", f"/users/{reader}/"),
            ("a work of two chapters", f"/works/{second}/"),
            ("its second chapter", f"/works/{second}/chapters/2/"),
            ("a whole work of two chapters", f"/works/{second}/full/"),
            ("history", "/history/"),
            ("blocked and muted", "/blocked/"),
            ("subscriptions", "/subscriptions/"),
            ("the inbox", "/inbox/"),
            ("the inbox settings", "/inbox/settings/"),
            ("the report form for a work", f"/report/work/{work}/"),
            ("the report form for a comment", f"/report/comment/{ids['reply']}/"),
            ("the report form for a user", f"/report/user/{creator}/"),
        ],
        "creator": [
            ("my work with kudos and comments", f"/works/{work}/"),
            ("my series", f"/series/{series}/"),
            ("the series form", f"/series/{series}/edit/"),
            ("the series order form", f"/series/{series}/order/"),
            ("the new series form", "/series/new/"),
            ("inspired-by links of a work", f"/works/{work}/related/"),
            ("related works waiting for approval", "/related/"),
            ("my user page", f"/users/{creator}/"),
            ("my series list", f"/users/{creator}/series/"),
            ("the inbox", "/inbox/"),
        ],
        "staff": [
            ("the moderation queue", "/moderation/"),
            ("dismissed reports", "/moderation/?status=dismissed"),
            ("the moderation log", "/moderation/log/"),
            ("moderating a work", f"/moderation/works/{ids['third']}/"),
            ("moderating a user", f"/moderation/users/{names['other']}/"),
            ("a work, as staff", f"/works/{work}/"),
            ("a user page, as staff", f"/users/{creator}/"),
        ],
    }
    return by_role[role]


def _problems(page: Page, what: str) -> list[str]:
    """Return axe's serious or critical findings on the page, each with its details."""
    results = Axe().run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    if violations:
        print(f"\naxe on {what} ({page.url}):\n{_describe(violations)}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    return [f"{what} ({page.url}):\n{_describe(blocking)}"] if blocking else []


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("role", ["guest", "reader", "creator", "staff"])
def test_it_has_accessible_reader_pages(
    new_context: NewContext,
    live_server_url: str,
    log_in: LogIn,
    scene: Scene,
    role: str,
    theme: str,
) -> None:
    page = _themed_page(new_context, live_server_url, theme)
    if role != "guest":
        log_in(page, scene.account(role))
    problems: list[str] = []
    for what, path in _pages(role, scene):
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{what}: {path} answered " + (
            str(response.status) if response else "nothing"
        )
        expect(page.locator("html")).to_have_attribute("data-theme", theme)
        expect(page.locator("main h1").first).to_be_visible()
        problems += _problems(page, f"{what} as {role} ({theme} theme)")
    assert not problems, "axe found serious or critical violations:\n" + "\n".join(problems)


def test_it_shows_the_scene_on_the_pages(
    new_context: NewContext, log_in: LogIn, scene: Scene
) -> None:
    """The pages checked above really hold the content: kudos, both comments of the thread
    and the paragraph comment, the series' parts, a report link on others' comments, the
    Subscribe button on the series and the user's bookmarks and series linked from their
    page."""
    page = new_context().new_page()
    log_in(page, scene.account("reader"))
    ids, names = scene.ids, scene.names
    page.goto(f"/works/{ids['first']}/")
    expect(page.locator("#kudos")).to_contain_text(names["reader"])
    expect(page.get_by_text("Lovely opening.")).to_be_visible()
    expect(page.get_by_text("Thank you!")).to_be_visible()
    expect(page.get_by_text("Comments on paragraphs")).to_be_visible()
    # The creator's reply can be reported; the reader's own comment cannot.
    reply = page.locator(f"#comment-{ids['reply']}")
    expect(reply.get_by_role("link", name=f"Report comment {ids['reply']}")).to_be_visible()
    own = page.locator(f"#comment-{ids['comment']} > article")
    expect(own.get_by_role("link", name=re.compile("^Report"))).to_have_count(0)

    page.goto(f"/series/{ids['series']}/")
    expect(page.locator(".work-list .blurb")).to_have_count(2)
    expect(page.get_by_role("button", name="Unsubscribe")).to_be_visible()

    page.goto(f"/users/{names['creator']}/")
    page.get_by_role("link", name=f"Series by {names['creator']}").click()
    expect(page).to_have_url(re.compile(rf"/users/{names['creator']}/series/$"))
    expect(page.get_by_role("link", name="Lamps")).to_be_visible()
    page.goto(f"/users/{names['reader']}/")
    page.get_by_role("link", name=f"Bookmarks by {names['reader']}").click()
    expect(page).to_have_url(re.compile(rf"/users/{names['reader']}/bookmarks/$"))
    expect(page.get_by_role("link", name="Lamp One")).to_be_visible()

    # A guest sees a Subscribe button (a log-in link) on the series too.
    guest = new_context().new_page()
    guest.goto(f"/series/{ids['series']}/")
    expect(guest.get_by_role("link", name="Log in to subscribe")).to_be_visible()


def test_it_makes_paragraph_comment_controls_real_focusable_links(
    new_context: NewContext, log_in: LogIn, scene: Scene
) -> None:
    page = new_context().new_page()
    log_in(page, scene.account("reader"))
    page.goto(f"/works/{scene.ids['first']}/")
    counted = page.get_by_role("link", name=re.compile(r"\(1 comment so far\)$"))
    expect(counted).to_be_visible()
    assert counted.evaluate("a => a.tagName") == "A"
    counted.focus()
    expect(counted).to_be_focused()
    page.keyboard.press("Enter")  # Opens the form under the paragraph, set to it.
    expect(page.locator(".chapter-text input[name=paragraph]")).to_have_value("2")
    expect(page.get_by_label(label("Comment")).first).to_be_focused()
    third = page.locator(".chapter-text a.paragraph-comment-link[data-paragraph=p3]")
    third.focus()
    expect(third).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".chapter-text input[name=paragraph]")).to_have_value("3")


def test_it_lets_the_keyboard_reach_the_reader_actions(
    new_context: NewContext, log_in: LogIn, scene: Scene
) -> None:
    """Tab from the top of the work page reaches Kudos, Bookmark, Mark for later, Subscribe
    and Report in that order, each showing a focus outline."""
    page = new_context().new_page()
    log_in(page, scene.account("other"))
    page.goto(f"/works/{scene.ids['second']}/")
    wanted = ["Kudos ♥", "Bookmark", "Mark for later", "Subscribe", "Report"]
    seen: list[str] = []
    for _ in range(80):
        page.keyboard.press("Tab")
        name = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e && e.closest('.reader-actions') ? e.textContent.trim() : ''; }"
        )
        if name:
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{name!r} shows no focus outline"
            seen.append(name)
        if name == "Report":
            break
    assert [n for n in seen if n in wanted] == wanted, seen
