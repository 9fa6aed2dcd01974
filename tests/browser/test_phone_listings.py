"""A reader on a phone (390 px wide) reaches a listing's filters from the top of the page, and
the site's header takes one line there (the rest of it opens from "Menu")."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from playwright.sync_api import FloatRect, Locator, Page, ViewportSize, expect

from tests.browser.conftest import NewContext, SignUp

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
FILTERS = re.compile(r"^Filters")


def phone_page(new_context: NewContext) -> Page:
    return new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()


def box(locator: Locator) -> FloatRect:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not rendered"
    return found


def assert_header_is_one_line(page: Page) -> None:
    """The header holds one row: the site's name and "Menu", side by side, and it is no taller
    than one line of its text (plus its padding and the menu link's touch height)."""
    header = page.locator("header.site-header")
    name = header.locator(".site-name")
    menu = header.get_by_role("link", name="Menu")
    expect(name).to_be_visible()
    expect(menu).to_be_visible()
    expect(header.locator(".nav-links")).to_be_hidden()
    expect(header.get_by_role("search")).to_be_hidden()
    name_box, menu_box, header_box = box(name), box(menu), box(header)
    line_height = float(name.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert header_box["height"] < 2 * max(line_height, menu_box["height"]), header_box
    # Same row: the two overlap vertically.
    assert menu_box["y"] < name_box["y"] + name_box["height"]
    assert name_box["y"] < menu_box["y"] + menu_box["height"]
    assert header_box["width"] <= PHONE["width"]


def assert_filters_reachable_from_the_top(page: Page) -> None:
    """The Filters control is in the first screen; activating it brings the form into view."""
    filters = page.get_by_role("link", name=FILTERS)
    expect(filters).to_be_in_viewport()
    sort_by = page.get_by_label("Sort by")
    expect(sort_by).not_to_be_in_viewport()  # today's results push the form down
    filters.click()
    expect(page.get_by_role("heading", name="Sort and filter")).to_be_in_viewport()
    expect(sort_by).to_be_in_viewport()
    page.get_by_role("link", name="Back to the results").click()
    expect(filters).to_be_in_viewport()


def test_it_reaches_the_filters_from_the_top_of_the_works_listing(new_context: NewContext) -> None:
    page = phone_page(new_context)
    page.goto("/works/")
    expect(page.locator(".work-list .blurb").first).to_be_visible()
    assert_header_is_one_line(page)
    assert_filters_reachable_from_the_top(page)

    # The filter form still works from there.
    page.get_by_label("Sort by").select_option(label="Word count")
    page.get_by_role("button", name="Sort and filter").click()
    expect(page).to_have_url(re.compile(r"[?&]sort="))
    assert_header_is_one_line(page)
    expect(page.get_by_role("link", name=FILTERS)).to_be_in_viewport()


def test_it_does_the_same_on_a_tags_works_and_on_search_results(new_context: NewContext) -> None:
    page = phone_page(new_context)
    page.goto("/works/")
    tag_href = page.locator(".blurb .blurb-fandoms a").first.get_attribute("href")
    assert tag_href and tag_href.startswith("/tags/"), tag_href
    page.goto(urllib.parse.urljoin(tag_href, "works/"))
    expect(page.get_by_role("heading", name="Works in")).to_be_visible()
    assert_header_is_one_line(page)
    assert_filters_reachable_from_the_top(page)

    page.goto("/works/?q=the")
    assert_header_is_one_line(page)
    expect(page.get_by_role("link", name=FILTERS)).to_be_in_viewport()
    page.get_by_role("link", name=FILTERS).click()
    expect(page.get_by_label("Search within results")).to_be_in_viewport()
    expect(page.get_by_label("Search within results")).to_have_value("the")


def test_it_opens_and_closes_the_header_menu_of_a_member(
    new_context: NewContext, sign_up: SignUp
) -> None:
    page = new_context().new_page()
    account = sign_up(page, "phone")  # on a wide screen: the whole header shows
    expect(page.get_by_role("link", name="Menu")).to_be_hidden()
    expect(page.get_by_role("link", name=FILTERS)).to_be_hidden()
    page.set_viewport_size(PHONE)
    page.goto("/works/")
    assert_header_is_one_line(page)
    expect(page.get_by_role("link", name=account.username)).to_be_hidden()

    page.get_by_role("link", name="Menu").click()
    expect(page.get_by_role("link", name=account.username)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("search").get_by_label("Search")).to_be_visible()
    page.get_by_role("link", name="Close menu").click()
    assert_header_is_one_line(page)
    assert_filters_reachable_from_the_top(page)
