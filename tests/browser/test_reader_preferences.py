"""Readers choose what they see, in a real browser: a guest meets the adult content notice on
an Explicit work and proceeds; a reader mutes a tag and its works vanish from the listing and
from search; "Show warnings" reveals hidden warnings without JavaScript. axe checks the new
pages and states (the notice, the preferences page, "Show warnings") in both themes."""

from __future__ import annotations

import json
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    PASSWORD,
    Account,
    LiveServer,
    LogIn,
    NewContext,
    label,
    unique_username,
)
from tests.browser.test_accessibility import THEMES, assert_accessible

pytestmark = pytest.mark.browser

# A reader, and three works by one writer: an Explicit one, and two under a made-up tag of
# their own (so the demo content cannot clash), one of them also tagged "Gloom Rain".
SCENE = """
import json
from ficarchive.accounts.actions import sign_up
from ficarchive.works.actions import ChapterInput, WorkInput, post_work

names = json.loads(%(names)r)
writer = sign_up(names["writer"], names["writer"] + "@example.org", %(password)r)
sign_up(names["reader"], names["reader"] + "@example.org", %(password)r)
tag = names["tag"]
common = dict(fandoms=["Prefs Fandom"], warnings=["Major Character Death"])
explicit = post_work(writer, WorkInput(title="Heatwave Notice", rating="explicit",
                                       freeforms=["Slow Burn"], **common),
                     ChapterInput(text="<p>The words behind the notice.</p>"))
gloomy = post_work(writer, WorkInput(title="Gloomy Lantern " + tag, rating="general",
                                     freeforms=[tag, "Gloom Rain " + tag], **common),
                   ChapterInput(text="<p>Rain on the lantern glass.</p>"))
sunny = post_work(writer, WorkInput(title="Sunny Lantern " + tag, rating="general",
                                    freeforms=[tag], **common),
                  ChapterInput(text="<p>Sun on the lantern glass.</p>"))
print(json.dumps({"explicit": explicit.pk, "gloomy": gloomy.pk, "sunny": sunny.pk}))
"""


@pytest.fixture(scope="module")
def scene(ficarchive_server: LiveServer) -> dict[str, object]:
    names = {
        "writer": unique_username("writer"),
        "reader": unique_username("reader"),
        # One word (letters and digits), so search finds it as one token.
        "tag": "Lantern" + secrets.token_hex(4),
    }
    output = ficarchive_server.shell(SCENE % {"names": json.dumps(names), "password": PASSWORD})
    ids: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return {**names, **ids}


def _reader(scene: dict[str, object]) -> Account:
    name = str(scene["reader"])
    return Account(name, f"{name}@example.org")


def _themed(new_context: NewContext, url: str, theme: str) -> Page:
    context = new_context()
    context.add_cookies([{"name": "theme", "value": theme, "url": url}])
    return context.new_page()


def test_it_shows_a_guest_the_adult_notice_and_proceeds(
    page: Page, scene: dict[str, object]
) -> None:
    page.goto(f"/works/{scene['explicit']}/")
    expect(page.get_by_role("heading", name="Adult content notice")).to_be_visible()
    expect(page.get_by_text("This work could have adult content")).to_be_visible()
    expect(page.get_by_text("The words behind the notice.")).to_have_count(0)
    page.get_by_role("link", name="Proceed").click()
    expect(page.get_by_role("heading", name="Heatwave Notice", level=1)).to_be_visible()
    expect(page.get_by_text("The words behind the notice.")).to_be_visible()
    # Remembered for the session.
    page.goto(f"/works/{scene['explicit']}/")
    expect(page.get_by_text("The words behind the notice.")).to_be_visible()
    # Go back leads to the works.
    other = page.context.browser
    assert other is not None
    fresh = other.new_context(base_url=page.url.split("/works/")[0]).new_page()
    fresh.goto(f"/works/{scene['explicit']}/")
    fresh.get_by_role("link", name="Go back").click()
    expect(fresh).to_have_url(f"{page.url.split('/works/')[0]}/works/")
    fresh.context.close()


def test_it_hides_a_muted_tags_works_from_the_listing_and_search(
    page: Page, log_in: LogIn, scene: dict[str, object]
) -> None:
    log_in(page, _reader(scene))
    tag = str(scene["tag"])
    page.goto(f"/works/?q={tag}")
    expect(page.get_by_role("link", name=f"Gloomy Lantern {tag}")).to_be_visible()
    page.goto("/preferences/")
    page.get_by_label(label("Tag to mute")).fill(f"Gloom Rain {tag}")
    page.get_by_role("button", name="Mute tag").click()
    expect(page.get_by_text(f"You muted “Gloom Rain {tag}”")).to_be_visible()
    expect(page.get_by_role("button", name=f"Unmute Gloom Rain {tag}")).to_be_visible()
    # The listing of the tag both works carry, and a search for them.
    page.goto(f"/tags/{tag}/works/")
    expect(page.get_by_role("link", name=f"Sunny Lantern {tag}")).to_be_visible()
    expect(page.get_by_role("link", name=f"Gloomy Lantern {tag}")).to_have_count(0)
    expect(page.get_by_text("1 work hidden by your muted tags")).to_be_visible()
    page.get_by_label("Search", exact=True).fill(tag)
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_role("link", name=f"Sunny Lantern {tag}")).to_be_visible()
    expect(page.get_by_role("link", name=f"Gloomy Lantern {tag}")).to_have_count(0)
    expect(page.get_by_text("1 work hidden by your muted tags")).to_be_visible()
    # Unmuting brings it back.
    page.goto("/preferences/")
    page.get_by_role("button", name=f"Unmute Gloom Rain {tag}").click()
    page.goto(f"/works/?q={tag}")
    expect(page.get_by_role("link", name=f"Gloomy Lantern {tag}")).to_be_visible()


def test_it_reveals_hidden_warnings_without_javascript(
    new_context: NewContext, live_server_url: str, scene: dict[str, object]
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/preferences/")
    page.get_by_label(label("Hide archive warnings")).check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Your reading preferences were saved")).to_be_visible()
    page.goto(f"/works/{scene['gloomy']}/")
    warning = page.locator(".work-meta").get_by_text("Major Character Death")
    expect(warning).to_be_hidden()
    page.locator(".work-meta").get_by_text("Show warnings").click()
    expect(warning).to_be_visible()


@pytest.mark.parametrize("theme", THEMES)
def test_it_has_accessible_reader_preference_pages(
    new_context: NewContext,
    live_server_url: str,
    log_in: LogIn,
    scene: dict[str, object],
    theme: str,
) -> None:
    guest = _themed(new_context, live_server_url, theme)
    guest.goto(f"/works/{scene['explicit']}/")
    expect(guest.get_by_role("heading", name="Adult content notice")).to_be_visible()
    assert_accessible(guest, f"the adult content notice ({theme} theme)")
    guest.goto("/preferences/")
    expect(guest.get_by_role("heading", name="Reading preferences")).to_be_visible()
    assert_accessible(guest, f"the preferences page as a guest ({theme} theme)")

    member = _themed(new_context, live_server_url, theme)
    log_in(member, _reader(scene))
    member.goto("/preferences/")
    member.get_by_label(label("Hide archive warnings")).check()
    member.get_by_label(label("Hide additional tags")).check()
    member.get_by_role("button", name="Save preferences").click()
    expect(member.get_by_text("Your reading preferences were saved")).to_be_visible()
    member.get_by_label(label("Tag to mute")).fill("No Such Tag At All")
    member.get_by_role("button", name="Mute tag").click()
    expect(member.get_by_text("No tag is named")).to_be_visible()
    assert_accessible(member, f"the preferences page with an error ({theme} theme)")
    member.goto(f"/works/{scene['sunny']}/")
    expect(member.get_by_text("Show warnings")).to_be_visible()
    assert_accessible(member, f"a work with hidden warnings ({theme} theme)")
    member.get_by_text("Show warnings").click()
    member.get_by_text("Show additional tags").click()
    assert_accessible(member, f"a work with warnings shown ({theme} theme)")
    member.goto(f"/works/?q={scene['tag']}")
    expect(member.locator(".blurb").get_by_text("Show warnings").first).to_be_visible()
    assert_accessible(member, f"a listing with hidden warnings ({theme} theme)")
    # Put the reader back as the other tests expect.
    member.goto("/preferences/")
    member.get_by_label(label("Hide archive warnings")).uncheck()
    member.get_by_label(label("Hide additional tags")).uncheck()
    member.get_by_role("button", name="Save preferences").click()
