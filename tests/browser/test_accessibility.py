"""axe-core on the pages people use most, in both themes: no serious or critical violations.
The server holds demo works (see conftest), so listings show real blurbs.

A failure lists every violation axe found (all impacts), with the elements and axe's advice.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import NewContext, SignUp, label

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
