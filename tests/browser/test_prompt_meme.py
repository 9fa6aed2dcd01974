"""A prompt meme in the browser: an owner starts one, a prompter posts an anonymous prompt, a
writer claims it and fills it through "Fill this prompt", the prompter finds the fill in their
inbox (the worker delivers it), and the writer never sees who the prompter is."""

from __future__ import annotations

import re
import secrets
import time

from playwright.sync_api import Page, expect

from tests.browser.conftest import NewContext, SignUp, label

INBOX_WAIT = 30.0


def _wait_for_inbox(page: Page, text: str) -> None:
    """Reload the inbox until a notification holding text shows (the worker sends it)."""
    deadline = time.monotonic() + INBOX_WAIT
    while True:
        page.goto("/inbox/")
        if page.get_by_role("link", name=re.compile(text)).count():
            break
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect(page.get_by_role("link", name=re.compile(text)).first).to_be_visible()


def test_an_anonymous_prompt_is_claimed_filled_and_its_prompter_told(
    new_context: NewContext, sign_up: SignUp
) -> None:
    name = f"meme_{secrets.token_hex(4)}"

    # The owner makes a collection and starts a prompt meme on it.
    owner_page = new_context().new_page()
    sign_up(owner_page, "owner")
    owner_page.goto("/collections/new/")
    owner_page.get_by_label(label("Name")).fill(name)
    owner_page.get_by_label(label("Title")).fill("Weather Meme")
    owner_page.get_by_role("button", name="Create collection").click()
    owner_page.goto(f"/collections/{name}/prompt_meme/")
    owner_page.get_by_role("button", name="Save prompt meme").click()
    expect(owner_page.get_by_text("Prompt meme saved.")).to_be_visible()

    # A prompter posts an anonymous prompt.
    prompter_page = new_context().new_page()
    prompter = sign_up(prompter_page, "prompter")
    prompter_page.goto(f"/collections/{name}/prompts/new/")
    prompter_page.get_by_label(label("Title")).fill("Rain under the dome")
    prompter_page.get_by_label(label("Description")).fill("Someone finally sees it rain.")
    prompter_page.get_by_label(label("Fandoms")).fill("Original Work")
    prompter_page.get_by_label(label("Post anonymously")).check()
    prompter_page.get_by_role("button", name="Post prompt").click()
    expect(prompter_page.get_by_text("Prompt posted.")).to_be_visible()
    expect(prompter_page.locator(".prompt-by")).to_contain_text(prompter.username)

    # A writer finds it (anonymous to them), claims it and fills it.
    writer_page = new_context().new_page()
    sign_up(writer_page, "filler")
    writer_page.goto(f"/collections/{name}/prompts/")
    expect(writer_page.locator(".prompt-by").first).to_contain_text("Anonymous")
    expect(writer_page.locator("main")).not_to_contain_text(prompter.username)
    writer_page.get_by_role("link", name="Rain under the dome").click()
    writer_page.get_by_role("button", name="Claim").click()
    expect(writer_page.get_by_text("Prompt claimed.")).to_be_visible()
    expect(writer_page.locator(".prompt-claims")).to_contain_text("filler_")
    writer_page.get_by_role("link", name="Fill this prompt").click()
    expect(writer_page.get_by_label(label("Collections"))).to_have_value(name)
    expect(writer_page.get_by_label(label("Fandoms"))).to_have_value("Original Work")
    expect(writer_page.get_by_label("Rain under the dome (Weather Meme)")).to_be_checked()
    writer_page.get_by_label(label("Title")).fill("It Rained")
    writer_page.get_by_label(label("Rating")).select_option("general")
    writer_page.get_by_label("No Archive Warnings Apply", exact=True).check()
    writer_page.get_by_label(label("Work text")).fill("It rained under the dome at last.")
    writer_page.get_by_role("button", name="Post", exact=True).click()
    expect(writer_page.get_by_role("heading", name="It Rained", level=1)).to_be_visible()
    work_url = writer_page.url

    # The prompt lists its fill.
    writer_page.goto(f"/collections/{name}/prompts/")
    expect(writer_page.locator(".prompt-fills")).to_contain_text("It Rained")

    # The prompter is told (through the worker) and follows the notification to the prompt.
    _wait_for_inbox(prompter_page, "fills your prompt")
    link = prompter_page.get_by_role("link", name=re.compile("fills your prompt")).first
    expect(link).to_contain_text("It Rained")
    link.click()
    expect(prompter_page.locator(".prompt-fills")).to_contain_text("It Rained")

    # Nowhere the writer looks names the prompter.
    for path in (
        f"/collections/{name}/prompts/",
        "/claims/",
        "/inbox/",
        work_url,
        f"/collections/{name}/",
    ):
        writer_page.goto(path)
        assert prompter.username not in writer_page.content(), path
