"""A gift exchange in the browser: a moderator sets it up, two members sign up, the worker
beside the server matches them while the matching page refreshes itself (no JavaScript),
the assignments are sent, and a giver finds their recipient's request."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NewContext, SignUp, label

pytestmark = pytest.mark.browser


def _when(delta: timedelta) -> str:
    """A datetime-local value, in UTC (the site's zone, which members without a time zone
    preference see)."""
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M")


def _sign_up_for(page: Page, name: str, request: str, offer: str) -> None:
    page.goto(f"/collections/{name}/exchange/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label(label("Request 1: fandom tags")).fill(request)
    page.get_by_label(label("Offer 1: fandom tags")).fill(offer)
    page.get_by_label(label("Request 1: description")).fill(f"{request}, with rain.")
    page.get_by_role("button", name="Save sign-up").click()
    expect(page.get_by_text("Your sign-up was saved.")).to_be_visible()


def test_a_gift_exchange_from_settings_to_an_assignment(
    new_context: NewContext, sign_up: SignUp
) -> None:
    moderator = new_context().new_page()
    sign_up(moderator, "exmod")
    name = f"exchange{secrets.token_hex(3)}"
    moderator.goto("/collections/new/")
    moderator.get_by_label(label("Name")).fill(name)
    moderator.get_by_label(label("Title")).fill("Browser Exchange")
    moderator.get_by_role("button", name="Create collection").click()
    moderator.get_by_role("link", name="Gift exchange").click()
    moderator.get_by_label(label("Sign-ups open")).fill(_when(timedelta(days=-1)))
    moderator.get_by_label(label("Sign-ups close")).fill(_when(timedelta(days=1)))
    moderator.get_by_role("button", name="Save settings").click()
    expect(moderator.get_by_text("Gift exchange settings saved.")).to_be_visible()

    first = new_context().new_page()
    giver = sign_up(first, "exgiver")
    _sign_up_for(first, name, "Cowboy Bebop", "Trigun")
    second = new_context().new_page()
    recipient = sign_up(second, "exrecipient")
    _sign_up_for(second, name, "Trigun", "Cowboy Bebop")

    # Reversed dates are refused; closing sign-ups a minute ago is fine.
    moderator.goto(f"/collections/{name}/exchange/")
    moderator.get_by_label(label("Sign-ups close")).fill(_when(timedelta(days=-2)))
    moderator.get_by_role("button", name="Save settings").click()
    expect(moderator.get_by_text("Sign-ups must close after they open")).to_be_visible()
    moderator.get_by_label(label("Sign-ups close")).fill(_when(timedelta(minutes=-1)))
    moderator.get_by_role("button", name="Save settings").click()
    expect(moderator.get_by_text("Sign-ups are closed.")).to_be_visible()

    moderator.get_by_role("link", name="Matching and assignments").click()
    moderator.get_by_role("button", name="Run the matching").click()
    # The worker beside the server runs it; the page refreshes itself until it is done.
    expect(moderator.get_by_text("Latest matching: Done")).to_be_visible(timeout=60_000)
    expect(moderator.get_by_text("2 assignments proposed.")).to_be_visible()
    moderator.get_by_role("button", name="Send assignments").click()
    expect(moderator.get_by_text("2 assignments were sent.")).to_be_visible()

    first.goto("/inbox/")
    first.get_by_role("link", name=re.compile("^You have an assignment")).click()
    expect(
        first.get_by_role("heading", name=f"Your assignment for {recipient.username}")
    ).to_be_visible()
    first.goto("/assignments/")
    first.get_by_role("link", name=f"For {recipient.username}").click()
    expect(first.get_by_text("Trigun, with rain.")).to_be_visible()
    expect(first.get_by_text("Cowboy Bebop, with rain.")).to_have_count(0)
    assert giver.username not in first.locator("h1").inner_text()
