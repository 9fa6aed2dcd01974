"""The browse pages on a phone (390 px wide) without JavaScript: nothing wider than the
screen, each list reachable and followable (the demo archive files its fandoms under media,
so the Fandoms page has some to show), and no serious or critical axe-core violation on any
of them in either theme (axe runs as a script, so that test lets the page run JavaScript: with
it turned off the script tag never loads and the check would wait for ever)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.conftest import NewContext
from tests.browser.test_accessibility import THEMES, assert_accessible

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}


def phone_page(new_context: NewContext) -> Page:
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    return context.new_page()


def assert_fits(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def test_the_browse_pages_fit_a_phone_without_javascript(new_context: NewContext) -> None:
    page = phone_page(new_context)
    page.goto("/media/")
    expect(page.get_by_role("heading", name="Fandoms", level=1)).to_be_visible()
    assert_fits(page)
    tv = page.get_by_role("heading", name="TV Shows")
    expect(tv).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^All \d+ fandoms? in TV Shows$")).click()
    expect(page.get_by_role("heading", name="TV Shows", level=1)).to_be_visible()
    assert_fits(page)
    page.get_by_role("link", name="Starfall Academy (TV)").click()
    expect(page.get_by_role("heading", name="Works in Starfall Academy (TV)")).to_be_visible()

    page.goto("/languages/")
    assert_fits(page)
    page.get_by_role("link", name="English", exact=True).click()
    expect(page).to_have_url(re.compile(r"/works/\?language=en$"))

    page.goto("/people/search/")
    page.get_by_label("Name").fill("a")
    page.get_by_role("button", name="Find").click()
    expect(page.locator(".browse-results li").first).to_be_visible()
    assert_fits(page)

    page.goto("/tags/search/")
    page.get_by_label("Name starts with").fill("s")
    page.get_by_label("Type").select_option(label="Fandom")
    page.get_by_role("button", name="Find").click()
    # The canonical fandom, and its synonyms "Starfall Academy" and "SFA" pointing at it.
    expect(page.get_by_role("link", name="Starfall Academy (TV)")).to_have_count(3)
    assert_fits(page)


@pytest.mark.parametrize("theme", THEMES)
def test_the_browse_pages_are_accessible(
    new_context: NewContext, live_server_url: str, theme: str
) -> None:
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "theme", "value": theme, "url": live_server_url}])
    page = context.new_page()
    page.goto("/media/")
    expect(page.locator("html")).to_have_attribute("data-theme", theme)
    assert_accessible(page, f"the Fandoms page ({theme} theme)")
    page.get_by_role("link", name=re.compile(r"^All \d+ fandoms? in TV Shows$")).click()
    expect(page.get_by_role("heading", name="TV Shows", level=1)).to_be_visible()
    assert_accessible(page, f"a medium's fandoms ({theme} theme)")
    for path, what in (
        ("/languages/", "the Languages page"),
        ("/people/search/?q=a", "people search"),
        ("/tags/search/?q=s&type=fandom", "tag search"),
    ):
        page.goto(path)
        assert_accessible(page, f"{what} ({theme} theme)")
