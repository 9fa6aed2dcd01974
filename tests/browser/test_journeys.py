"""What readers and writers do on the site, done in a real browser against a real server.

Fields are found by their visible labels and buttons by their names, as a screen reader user
finds them: a renamed label breaks these tests on purpose.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Dialog, FilePayload, Page, expect

from tests.browser.conftest import (
    REPO,
    WORK_URL,
    ConsoleLog,
    LogIn,
    NewContext,
    PostWork,
    SignUp,
    WorkOnSite,
    label,
    work_id_of,
)

pytestmark = pytest.mark.browser

CHAPTER_ONE = (
    "Mira had worked the night shift at Dock Nine for three years, and it had never rained.\n\n"
    "So when the first drop hit her visor, she thought something had broken."
)
CHAPTER_TWO = (
    "The airlock groaned like an animal.\n\n"
    "Tobias put his shoulder to the hatch and pushed until the seal gave."
)


def _problem_page_text(page: Page) -> str:
    return page.get_by_role("main").inner_text()


def test_it_signs_up_posts_a_two_chapter_work_and_navigates_it(page: Page, sign_up: SignUp) -> None:
    sign_up(page, "author")
    page.get_by_role("link", name="Post a work").click()
    expect(page.get_by_role("heading", name="Post a work", level=1)).to_be_visible()

    page.get_by_label(label("Title")).fill("Rain over Dock Nine")
    page.get_by_label(label("Fandoms")).fill("The Long Dark Between")
    page.get_by_label(label("Characters")).fill("Mira Okafor, Tobias Lind")
    page.get_by_label(label("Additional tags")).fill("Slow Burn, Weather")
    page.get_by_label(label("Rating")).select_option(label="Teen And Up Audiences")
    page.get_by_label("No Archive Warnings Apply", exact=True).check()  # posting needs one
    page.get_by_label(label("Summary")).fill("A storm that isn't supposed to exist.")
    page.get_by_label(label("Chapter title")).fill("The Long Shift")
    page.get_by_label(label("Work text")).fill(CHAPTER_ONE)

    page.get_by_role("button", name="Preview", exact=True).click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("Rain over Dock Nine")
    expect(preview).to_contain_text("A storm that isn't supposed to exist.")
    expect(preview).to_contain_text("it had never rained.")
    expect(preview).to_contain_text("Nothing is saved yet")
    # The form comes back filled in, ready to post.
    expect(page.get_by_label(label("Title"))).to_have_value("Rain over Dock Nine")
    expect(page.get_by_label(label("Rating"))).to_have_value("teen")
    expect(page.get_by_label(label("Work text"))).to_have_value(CHAPTER_ONE)

    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_url(WORK_URL)
    work = WorkOnSite(work_id_of(page.url), "Rain over Dock Nine")
    expect(page.get_by_role("status").filter(has_text="Work posted.")).to_be_visible()
    expect(page.get_by_role("heading", name=work.title, level=1)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Chapters: 1/?")
    expect(page.get_by_role("main")).to_contain_text("Teen And Up Audiences")

    page.get_by_role("link", name="Add chapter").click()
    expect(page).to_have_url(re.compile(rf"/works/{work.id}/chapters/new/$"))
    page.get_by_label(label("Chapter title")).fill("Pressure")
    page.get_by_label(label("Work text")).fill(CHAPTER_TWO)
    page.get_by_role("button", name="Post chapter", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/works/{work.id}/chapters/2/$"))
    expect(page.get_by_role("status").filter(has_text="Chapter posted.")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Chapters: 2/?")
    expect(page.get_by_role("heading", name="Chapter 2: Pressure", exact=True)).to_be_visible()
    expect(main).to_contain_text("The airlock groaned like an animal.")
    expect(main).not_to_contain_text("it had never rained.")

    # Chapter by chapter: the work opens on chapter 1, "Next chapter" leads to chapter 2.
    page.goto(work.path)
    expect(
        page.get_by_role("heading", name=re.compile(r"^Chapter 1: The Long Shift( \(draft\))?$"))
    ).to_be_visible()
    expect(main).to_contain_text("it had never rained.")
    expect(main).not_to_contain_text("The airlock groaned")
    expect(page.get_by_role("link", name="← Previous chapter")).to_have_count(0)
    page.get_by_role("link", name="Next chapter →").first.click()
    expect(page).to_have_url(re.compile(rf"/works/{work.id}/chapters/2/$"))
    expect(page.get_by_role("heading", name="Chapter 2: Pressure", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Next chapter →")).to_have_count(0)
    page.get_by_role("link", name="← Previous chapter").first.click()
    expect(page).to_have_url(re.compile(rf"/works/{work.id}/chapters/1/$"))
    expect(main).to_contain_text("it had never rained.")

    # The entire work shows both chapters, and leads back to chapter-by-chapter reading.
    page.get_by_role("link", name="Entire work").click()
    expect(page).to_have_url(re.compile(rf"/works/{work.id}/full/$"))
    expect(
        page.get_by_role("heading", name=re.compile(r"^Chapter 1: The Long Shift( \(draft\))?$"))
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Chapter 2: Pressure", exact=True)).to_be_visible()
    expect(main).to_contain_text("it had never rained.")
    expect(main).to_contain_text("The airlock groaned like an animal.")
    page.get_by_role("link", name="Chapter by chapter").click()
    expect(page).to_have_url(re.compile(rf"/works/{work.id}/$"))

    # The chapter index names both chapters and links to each.
    page.get_by_text("Chapter index").first.click()
    page.get_by_role("link", name="Pressure", exact=True).first.click()
    expect(page).to_have_url(re.compile(rf"/works/{work.id}/chapters/2/$"))


def test_it_shows_a_posted_work_to_a_guest_with_working_tag_links(
    page: Page, new_context: NewContext, sign_up: SignUp, post_work: PostWork
) -> None:
    sign_up(page, "author")
    work = post_work(
        page,
        "Guest Reading Test",
        CHAPTER_ONE,
        fandoms="The Long Dark Between",
        fields={
            "Relationships": "Mira Okafor/Tobias Lind",
            "Characters": "Mira Okafor",
            "Additional tags": "Found Family",
            "Summary": "Two dock workers and one broken airlock.",
        },
    )

    guest = new_context().new_page()
    guest.goto(work.path)
    expect(guest.get_by_role("heading", name=work.title, level=1)).to_be_visible()
    expect(guest.get_by_role("link", name="Log in", exact=True)).to_be_visible()
    main = guest.get_by_role("main")
    expect(main).to_contain_text("Two dock workers and one broken airlock.")
    expect(main).to_contain_text("it had never rained.")
    expect(guest.get_by_role("link", name="Edit work")).to_have_count(0)
    for tag in ("The Long Dark Between", "Mira Okafor/Tobias Lind", "Mira Okafor", "Found Family"):
        expect(guest.get_by_role("link", name=tag, exact=True)).to_be_visible()

    # A tag with a "/" in its name has a working URL of its own.
    guest.get_by_role("link", name="Mira Okafor/Tobias Lind", exact=True).click()
    expect(guest).to_have_url(re.compile(r"/tags/[^/]+/$"))
    expect(guest.get_by_role("heading", name="Mira Okafor/Tobias Lind", level=1)).to_be_visible()
    expect(guest.get_by_role("link", name=work.title)).to_be_visible()

    guest.goto(work.path)
    guest.get_by_role("link", name="Found Family", exact=True).click()
    expect(guest).to_have_url(re.compile(r"/tags/Found(%20| )Family/$"))
    expect(guest.get_by_role("heading", name="Found Family", level=1)).to_be_visible()
    guest.get_by_role("link", name="All works tagged Found Family").click()
    expect(guest).to_have_url(re.compile(r"/tags/Found(%20| )Family/works/$"))
    guest.get_by_role("link", name=work.title).click()
    expect(guest).to_have_url(re.compile(rf"{work.path}$"))


def test_it_hides_a_registered_only_work_from_guests_until_they_log_in(
    page: Page, new_context: NewContext, sign_up: SignUp, log_in: LogIn, post_work: PostWork
) -> None:
    sign_up(page, "author")
    work = post_work(page, f"Members Only {secrets.token_hex(3)}", CHAPTER_ONE, restricted=True)
    expect(page.get_by_role("main")).to_contain_text("it had never rained.")
    reader = sign_up(new_context().new_page(), "reader")

    guest = new_context().new_page()
    guest.goto("/")
    expect(guest.get_by_role("heading", name="Newest works")).to_be_visible()
    expect(guest.get_by_role("main")).not_to_contain_text(work.title)
    guest.goto("/works/")
    expect(guest.get_by_role("heading", name="Works", level=1)).to_be_visible()
    expect(guest.get_by_role("main")).not_to_contain_text(work.title)

    guest.goto(work.path)
    expect(guest).to_have_url(re.compile(r"/login/\?next=" + re.escape(work.path)))
    expect(guest.get_by_role("heading", name="Log in", level=1)).to_be_visible()
    expect(guest.get_by_role("status")).to_contain_text("only for registered users")
    expect(guest.get_by_role("main")).not_to_contain_text("it had never rained.")
    log_in(guest, reader)
    expect(guest).to_have_url(re.compile(rf"{work.path}$"))
    expect(guest.get_by_role("heading", name=work.title, level=1)).to_be_visible()
    expect(guest.get_by_role("main")).to_contain_text("it had never rained.")
    guest.goto("/works/")
    expect(guest.get_by_role("link", name=work.title)).to_be_visible()


def test_it_shows_a_draft_to_its_author_only(
    page: Page, new_context: NewContext, sign_up: SignUp, post_work: PostWork
) -> None:
    author = sign_up(page, "author").username
    work = post_work(page, f"Unfinished Draft {secrets.token_hex(3)}", CHAPTER_ONE, draft=True)
    expect(page.get_by_text("This work is a draft: only you can see it.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("it had never rained.")
    expect(page.get_by_role("button", name="Post it now")).to_be_visible()
    page.goto(f"/users/{author}/")
    drafts = page.get_by_role("region", name="Your drafts")
    expect(drafts.get_by_role("link", name=work.title)).to_be_visible()

    stranger = new_context().new_page()
    sign_up(stranger, "stranger")
    stranger.goto(f"/users/{author}/")
    expect(stranger.get_by_role("heading", name=author, level=1)).to_be_visible()
    expect(stranger.get_by_role("main")).not_to_contain_text(work.title)
    guest = new_context().new_page()
    for visitor in (stranger, guest):
        for path in (
            work.path,
            f"{work.path}chapters/1/",
            f"{work.path}full/",
            f"{work.path}edit/",
        ):
            response = visitor.goto(path)
            assert response is not None
            if path.endswith("/edit/") and visitor is guest:
                expect(visitor).to_have_url(re.compile(r"/login/\?next="))
                continue
            assert response.status == 404, f"{path} answered {response.status}, not 404"
            expect(visitor.get_by_role("heading", name="Not found")).to_be_visible()
            expect(visitor.get_by_role("main")).not_to_contain_text("it had never rained.")
        visitor.goto("/works/")
        expect(visitor.get_by_role("main")).not_to_contain_text(work.title)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_it_remembers_the_chosen_theme_and_text_size(
    new_context: NewContext, javascript: bool
) -> None:
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto("/works/")
    html = page.locator("html")
    expect(page.get_by_label(label("Theme"))).to_have_value("auto")
    expect(html).not_to_have_attribute("data-theme", re.compile(".*"))

    page.get_by_label(label("Theme")).select_option(label="Dark")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"/works/$"))
    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    expect(page.get_by_label(label("Theme"))).to_have_value("dark")
    expect(page.get_by_label(label("Theme")).locator("option:checked")).to_have_text("Dark")

    page.get_by_label(label("Text size")).select_option(label="Large")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    page.reload()
    expect(html).to_have_attribute("data-text-size", "large")
    expect(html).to_have_attribute("data-theme", "dark")
    expect(page.get_by_label(label("Text size"))).to_have_value("large")
    expect(page.get_by_label(label("Text size")).locator("option:checked")).to_have_text("Large")
    if javascript:
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        assert page.evaluate("document.documentElement.dataset.textSize") == "large"

    # Preferences follow the reader to other pages.
    page.goto("/")
    expect(html).to_have_attribute("data-theme", "dark")
    expect(page.get_by_label(label("Theme"))).to_have_value("dark")


def test_it_applies_a_theme_as_soon_as_it_is_chosen_with_javascript(page: Page) -> None:
    page.goto("/")
    html = page.locator("html")
    with page.expect_response(lambda r: r.url.endswith("/preferences/")) as saved:
        page.get_by_label(label("Theme")).select_option("dark")
    expect(html).to_have_attribute("data-theme", "dark")
    assert saved.value.status in {200, 302}, f"saving the theme answered {saved.value.status}"
    # The script saved the choice too: a new page load keeps it without pressing Apply.
    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"


@pytest.mark.parametrize("path", ["/", "/works/", "/signup/"])
def test_it_makes_skip_to_content_the_first_tab_stop(page: Page, path: str) -> None:
    page.goto(path)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # It shows itself when focused.
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("#main")).to_be_focused()


def test_it_sends_a_strict_csp_and_violates_none_of_it(
    page: Page, console_log: ConsoleLog, sign_up: SignUp
) -> None:
    response = page.goto("/")
    assert response is not None
    header = response.headers.get("content-security-policy", "")
    assert header, f"no Content-Security-Policy header in {response.headers}"
    directives = {
        parts[0]: parts[1:]
        for parts in (d.split() for d in header.split(";"))
        if parts
    }  # fmt: skip
    assert "'self'" in directives.get("script-src", []), header
    assert "'unsafe-inline'" not in header, header
    assert "'unsafe-eval'" not in header, header

    # A journey over the pages with forms and scripts: sign up, preview, post hostile HTML,
    # read it, change the theme (site.js saves it with fetch), import page, log out.
    dialogs: list[str] = []

    def record_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record_dialog)
    sign_up(page, "csp")
    page.goto("/works/new/")
    page.get_by_label(label("Title")).fill("Policy Test")
    page.get_by_label(label("Fandoms")).fill("Original Work")
    page.get_by_label("Creator Chose Not To Use Archive Warnings", exact=True).check()
    page.get_by_label(label("Text format")).select_option(label="Rich text (HTML)")
    page.get_by_label(label("Summary")).fill('<em style="color: red">Styled summary</em>')
    page.get_by_label(label("Work text")).fill(
        '<p style="color: red" onclick="alert(1)">Styled paragraph</p>'
        "<script>alert(2)</script><b>bold</b>"
        '<a href="javascript:alert(3)">a link</a>'
    )
    page.get_by_role("button", name="Preview", exact=True).click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("Styled paragraph")
    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_url(WORK_URL)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Styled paragraph")
    expect(main).to_contain_text("Styled summary")
    # Nothing inline: only the site's own script files (kudos, comments) may sit in the page.
    expect(main.locator("[style], [onclick], script:not([src^='/static/'])")).to_have_count(0)
    page.get_by_text("Styled paragraph").click()
    with page.expect_response(lambda r: r.url.endswith("/preferences/")):
        page.get_by_label(label("Theme")).select_option("dark")
    page.goto("/works/")
    page.goto("/works/import/")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    assert not dialogs, f"a script from the work ran: {dialogs}"
    assert not console_log.csp_violations, "\n".join(console_log.csp_violations)
    # Chromium sometimes logs the missing /favicon.ico as an error; anything else is a fault.
    errors = [e for e in console_log.errors if "/favicon.ico" not in e]
    assert not errors, "console errors:\n" + "\n".join(errors)


def test_it_imports_a_windows_1252_file_as_a_three_chapter_draft_then_posts_it(
    page: Page, new_context: NewContext, sign_up: SignUp
) -> None:
    story = REPO / "tests" / "stories" / "tides-of-callisto.cp1252.txt"
    sign_up(page, "importer")
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import a work from a file")).to_be_visible()
    page.get_by_label(label("File")).set_input_files(story)
    page.get_by_role("button", name="Import", exact=True).click()

    page.wait_for_url(re.compile(r"/works/\d+/edit/$"))
    work_id = int(page.url.rstrip("/").split("/")[-2])
    expect(page.get_by_role("status")).to_contain_text("Tides of Callisto")
    expect(page.get_by_role("status")).to_contain_text("draft")
    # The archive says which encoding it decoded the file with, rather than guessing silently.
    expect(page.get_by_role("status")).to_contain_text("Windows-1252")
    expect(page.get_by_label(label("Title"))).to_have_value("Tides of Callisto")

    page.goto(f"/works/{work_id}/")
    expect(page.get_by_text("This work is a draft: only you can see it.")).to_be_visible()
    expect(page.get_by_role("heading", name="Tides of Callisto", level=1)).to_be_visible()
    chapters_nav = page.get_by_role("navigation", name="Chapters", exact=True)
    chapters_nav.get_by_text("Chapter index").click()
    index = chapters_nav.get_by_role("listitem")
    expect(index).to_have_count(3)
    expect(index.nth(0)).to_contain_text("The Night Watch")
    expect(index.nth(1)).to_contain_text("Undertow")
    expect(index.nth(2)).to_contain_text("The Harbour")
    expect(
        page.get_by_role("heading", name=re.compile(r"^Chapter 1: The Night Watch( \(draft\))?$"))
    ).to_be_visible()
    # Windows-1252 punctuation came through as the characters the author typed.
    expect(page.get_by_role("main")).to_contain_text("Tell me the pier isn’t wet.")
    expect(page.get_by_role("main")).not_to_contain_text("\ufffd")

    page.get_by_role("link", name="Entire work").click()
    for number, title in enumerate(("The Night Watch", "Undertow", "The Harbour"), start=1):
        heading = re.compile(rf"^Chapter {number}: {title}( \(draft\))?$")
        expect(page.get_by_role("heading", name=heading)).to_be_visible()

    # What the file said filled the form; saving it unchanged and posting makes it public.
    page.goto(f"/works/{work_id}/edit/")
    expect(page.get_by_label(label("Fandoms"))).to_have_value("The Quiet Moons (Original Verse)")
    expect(page.get_by_label(label("Rating"))).to_have_value("teen")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(re.compile(rf"/works/{work_id}/$"))
    expect(page.get_by_role("status").filter(has_text="Work updated.")).to_be_visible()
    page.get_by_role("button", name="Post it now").click()
    expect(page.get_by_role("status").filter(has_text="Work posted.")).to_be_visible()
    expect(page.get_by_text("This work is a draft")).to_have_count(0)
    expect(page.get_by_role("main")).to_contain_text("Chapters: 3/")

    guest = new_context().new_page()
    guest.goto(f"/works/{work_id}/full/")
    for number, title in enumerate(("The Night Watch", "Undertow", "The Harbour"), start=1):
        heading = re.compile(rf"^Chapter {number}: {title}$")
        expect(guest.get_by_role("heading", name=heading)).to_be_visible()


BAD_FILES = [
    FilePayload(name="empty.txt", mimeType="text/plain", buffer=b""),
    FilePayload(
        name="story.txt",
        mimeType="text/plain",
        buffer=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8 + b"\x00\xff" * 512,
    ),
    FilePayload(
        name="junk.bin", mimeType="application/octet-stream", buffer=bytes(range(256)) * 16
    ),
]


@pytest.mark.parametrize("upload", BAD_FILES, ids=lambda f: f["name"])
def test_it_refuses_a_bad_import_file_with_a_clear_message(
    page: Page, sign_up: SignUp, upload: FilePayload
) -> None:
    sign_up(page, "importer")
    page.goto("/works/import/")
    page.get_by_label(label("File")).set_input_files(upload)
    with page.expect_response(
        lambda r: r.url.endswith("/works/import/") and r.request.method == "POST"
    ) as answer:
        page.get_by_role("button", name="Import", exact=True).click()
    assert answer.value.status < 500, _problem_page_text(page)
    assert answer.value.status in {200, 400}, answer.value.status
    expect(page).to_have_url(re.compile(r"/works/import/$"))
    expect(page.get_by_role("heading", name="Import a work from a file")).to_be_visible()
    file_field = page.get_by_label(label("File"))
    expect(file_field).to_have_attribute("aria-invalid", "true")
    errors = page.locator(".field-error .errorlist")
    expect(errors).to_be_visible()
    message = errors.inner_text().strip()
    assert len(message) > 15, f"the error says too little to act on: {message!r}"
    print(f"{upload['name']}: {message}")
