"""Every version kept, in a real browser: a writer edits a chapter three times, sees what
changed in its history and restores the first version; an imported plain-text story is
edited as the plain text the writer wrote, not as the pipeline's HTML."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from tests.browser.conftest import ConsoleLog, PostWork, SignUp, label

pytestmark = pytest.mark.browser

FIRST = "The lighthouse keeper counted ships.\n\nNone came that winter."


def _edit_chapter(page: Page, work_id: int, text: str) -> None:
    page.goto(f"/works/{work_id}/chapters/1/edit/")
    page.get_by_label(label("Work text")).fill(text)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="Chapter updated.")).to_be_visible()


def test_a_writer_edits_a_chapter_three_times_and_restores_the_first_version(
    page: Page, sign_up: SignUp, post_work: PostWork, console_log: ConsoleLog
) -> None:
    sign_up(page, "keeper")
    work = post_work(page, "The Keeper's Count", FIRST)
    _edit_chapter(page, work.id, FIRST.replace("counted ships", "counted gulls"))
    _edit_chapter(page, work.id, FIRST.replace("counted ships", "counted stars"))
    _edit_chapter(page, work.id, "Everything was rewritten.")

    page.goto(f"/works/{work.id}/chapters/1/edit/")
    page.get_by_role("link", name="History of this chapter").click()
    expect(page).to_have_url(re.compile(rf"/works/{work.id}/chapters/1/history/$"))
    versions = page.locator(".version")
    expect(versions).to_have_count(4)
    expect(versions.nth(0)).to_contain_text("Version 4 (current)")
    expect(versions.nth(0)).to_contain_text("Words: 3")
    # What changed, word by word: "gulls" became "stars" in version 3.
    third = page.locator("#version-3")
    expect(third.locator("del")).to_have_text("gulls")
    expect(third.locator("ins")).to_have_text("stars")

    page.get_by_role("button", name="Restore version 1").click()
    expect(page.get_by_role("status").filter(has_text="Version 1 restored")).to_be_visible()
    expect(versions).to_have_count(5)
    expect(versions.nth(0)).to_contain_text("Version 5 (current)")
    expect(versions.nth(0)).to_contain_text("restores version 1")

    page.goto(f"/works/{work.id}/chapters/1/")
    main = page.get_by_role("main")
    expect(main).to_contain_text("The lighthouse keeper counted ships.")
    expect(main).not_to_contain_text("Everything was rewritten.")
    assert console_log.csp_violations == []


STORY = (
    "Title: Salt and Signal\n"
    "Fandom: Original Work\n"
    "Rating: General Audiences\n\n"
    "Chapter 1: Low Tide\n\n"
    "The radio hissed all night.\n\n"
    "Ana wrote down every word it almost said.\n\n"
    "Chapter 2: High Tide\n\n"
    "By morning the sea had come to the door.\n"
)


def test_an_imported_plain_text_story_is_edited_as_plain_text(
    page: Page, sign_up: SignUp, console_log: ConsoleLog
) -> None:
    sign_up(page, "signal")
    page.goto("/works/import/")
    page.get_by_label(label("File")).set_input_files(
        FilePayload(name="salt.txt", mimeType="text/plain", buffer=STORY.encode())
    )
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r"/works/\d+/edit/$"))
    work_id = int(page.url.rstrip("/").split("/")[-2])

    page.goto(f"/works/{work_id}/chapters/1/edit/")
    text = page.get_by_label(label("Work text"))
    expect(text).to_have_value(
        "The radio hissed all night.\n\nAna wrote down every word it almost said."
    )
    expect(page.get_by_label(label("Chapter text format"))).to_have_value("text")
    text.fill("The radio hissed all night.\n\nAna wrote down every word it said.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="Chapter updated.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Ana wrote down every word it said.")

    page.goto(f"/works/{work_id}/chapters/1/edit/")
    expect(page.get_by_label(label("Work text"))).to_have_value(
        "The radio hissed all night.\n\nAna wrote down every word it said."
    )
    page.goto(f"/works/{work_id}/chapters/1/history/")
    expect(page.locator(".version")).to_have_count(2)
    expect(page.locator("#version-2 del")).to_have_text(re.compile(r"^\s*almost\s*$"))
    assert console_log.csp_violations == []
