"""A reader's whole loop with a writer: read, leave kudos, comment on one paragraph,
bookmark, subscribe, and hear about chapter 2 when the writer posts it (through the
background worker that runs beside the server)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NewContext, PostWork, SignUp, label

pytestmark = pytest.mark.browser

CHAPTER_ONE = (
    "The rain came sideways off the harbour and found every gap in the old coat.\n\n"
    "It was a day that wasn't going to be like any other.\n\n"
    "Kindly R&R."
)
NOTIFICATION_WAIT = 45.0  # seconds: the worker polls for tasks every second or so


def wait_for_notification(page: Page, text: str) -> None:
    """Reload the inbox until a notification with `text` is there (the fan-out is a
    background task, so it arrives a moment after the chapter is posted)."""
    deadline = time.monotonic() + NOTIFICATION_WAIT
    while True:
        page.goto("/inbox/")
        if text in page.get_by_role("main").inner_text():
            return
        if time.monotonic() > deadline:
            pytest.fail(
                f"No notification mentioning {text!r} in the inbox after {NOTIFICATION_WAIT:.0f} s"
            )
        page.wait_for_timeout(500)


def test_a_reader_reads_reacts_keeps_and_hears_about_chapter_two(
    new_context: NewContext, sign_up: SignUp, post_work: PostWork
) -> None:
    writer = new_context().new_page()
    sign_up(writer, "rrwriter")
    work = post_work(writer, "Sideways Rain", CHAPTER_ONE, fandoms="Harbour Town")

    reader = new_context().new_page()
    account = sign_up(reader, "rrreader")
    reader.goto(work.path)
    expect(reader.get_by_role("heading", name="Sideways Rain", level=1)).to_be_visible()

    # Kudos: the count and the list change in place.
    # (The box at the end of the work, kudos then comments, shows the same list.)
    reader.locator("#kudos").get_by_role("button", name="Kudos ♥").click()
    expect(reader.locator("#kudos .kudos-count")).to_have_text("Kudos: 1")
    expect(reader.locator("#kudos .kudos-names")).to_contain_text(account.username)
    expect(reader.locator("#kudos-end .kudos-names")).to_contain_text(account.username)

    # A comment on the second paragraph, from the link beside it: the form opens under it.
    second = re.compile("^Comment on the paragraph “It was a day")
    reader.get_by_role("link", name=second).click()
    reader.get_by_label(label("Comment")).fill("This line made me stop reading for a minute.")
    reader.get_by_role("button", name="Comment", exact=True).click()
    expect(
        reader.get_by_role("link", name=re.compile(r"“It was a day.*\(1 comment so far\)"))
    ).to_be_visible()
    expect(reader.get_by_role("main")).to_contain_text("This line made me stop reading")

    # A bookmark with a note.
    reader.get_by_role("link", name="Bookmark", exact=True).click()
    reader.get_by_label(label("Notes")).fill("Read again when chapter 2 is up.")
    reader.get_by_role("button", name="Create bookmark").click()
    reader.goto("/bookmarks/")
    expect(reader.get_by_role("main")).to_contain_text("Sideways Rain")

    # A subscription to the work.
    reader.goto(work.path)
    reader.get_by_role("button", name=re.compile("^Subscribe")).click()
    expect(reader.get_by_role("button", name="Unsubscribe")).to_be_visible()

    # The writer sees the comment and posts chapter 2.
    writer.goto(work.path)
    expect(writer.get_by_role("main")).to_contain_text("This line made me stop reading")
    writer.get_by_role("link", name="Add chapter").click()
    writer.get_by_label(label("Chapter title")).fill("Low Tide")
    writer.get_by_label(label("Work text")).fill("The water went out further than anyone had seen.")
    writer.get_by_role("button", name="Post chapter", exact=True).click()
    expect(writer).to_have_url(re.compile(rf"/works/{work.id}/chapters/2/$"))

    # The reader hears about it, and the notification leads to the new chapter.
    wait_for_notification(reader, "Sideways Rain")
    reader.get_by_role("main").get_by_role("link", name=re.compile("Sideways Rain")).first.click()
    expect(reader.get_by_role("main")).to_contain_text("The water went out further")
