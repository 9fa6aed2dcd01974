"""A member owns their account, in a real browser against `ficarchive serve`: they change
their e-mail (the confirmation link read from the server's mail files), rename the account
(the old URL redirects), download their data (built by the server's worker) and delete the
account choosing to orphan their works (the work then reads "orphan_account").

Then axe on every /settings/ page and the orphan pages, in both themes.

This file runs its own server (module scope), which writes e-mail to files under its data
directory (FICARCHIVE_EMAIL_URL=file://...), so the test can read what was sent.
"""

from __future__ import annotations

import email
import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import (
    CSP_LISTENER,
    Account,
    ConsoleLog,
    LiveServer,
    PostWork,
    SignUp,
    label,
    running_server,
    unique_username,
)
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

THEMES = ["light", "dark"]
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/settings/email/confirm/[^/\s]+/)")


@pytest.fixture(scope="module")
def mail_server(
    tmp_path_factory: pytest.TempPathFactory, chromium_executable: str
) -> Iterator[LiveServer]:
    """A server of this module's own whose e-mail goes to files in <data dir>/mail."""
    data_dir = tmp_path_factory.mktemp("ficarchive-accounts")
    (data_dir / "mail").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FICARCHIVE_EMAIL_URL", f"file://{data_dir / 'mail'}")
        with running_server(data_dir, "--works", "2", "--seed", "4") as server:
            patch.delenv("FICARCHIVE_EMAIL_URL")
            yield server


@pytest.fixture
def context_for(
    browser: Browser, mail_server: LiveServer, console_log: ConsoleLog
) -> Iterator[Any]:
    """Return a factory of fresh browser contexts on this module's server (theme optional);
    any CSP violation fails the test."""
    mail_server.check_running()
    contexts: list[BrowserContext] = []

    def make(theme: str | None = None) -> Page:
        context = browser.new_context(base_url=mail_server.url, accept_downloads=True)
        context.set_default_timeout(15_000)
        context.add_init_script(CSP_LISTENER)
        context.on("console", console_log.record_console)
        if theme:
            context.add_cookies([{"name": "theme", "value": theme, "url": mail_server.url}])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    assert not console_log.csp_violations, "\n".join(console_log.csp_violations)


def _messages(server: LiveServer) -> list[Message]:
    found: list[Message] = []
    for path in sorted((server.data_dir / "mail").glob("*.log")):
        for chunk in path.read_text(encoding="utf-8", errors="replace").split("-" * 79):
            if chunk.strip():
                found.append(email.message_from_string(chunk.strip()))
    return found


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


def _confirm_path(server: LiveServer, to: str) -> str:
    for message in reversed(_messages(server)):
        if message["To"] == to:
            match = CONFIRM_LINK.search(_body(message))
            assert match, _body(message)
            return match.group(1)
    raise AssertionError(f"no e-mail to {to} among {[m['To'] for m in _messages(server)]}")


def _password(page: Page, account: Account) -> None:
    page.get_by_label(label("Current password")).fill(account.password)


def test_a_member_changes_email_renames_downloads_and_deletes_their_account(
    context_for: Any, mail_server: LiveServer, sign_up: SignUp, post_work: PostWork
) -> None:
    page: Page = context_for()
    account = sign_up(page, "owner")
    work = post_work(page, "Leaving Rain", "The last rain before I go.")

    # Profile: display name and bio, shown on the user page.
    page.goto("/settings/")
    page.get_by_label(label("Display name")).fill("Rain Writer")
    page.get_by_label(label("About you")).fill("<p>I write <em>weather</em>.</p>")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    page.goto(f"/users/{account.username}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rain Writer")
    expect(page.locator(".user-bio em")).to_have_text("weather")

    # E-mail: a link goes to the new address; opening it and confirming changes it.
    new_email = f"moved-{account.username}@example.org"
    page.goto("/settings/email/")
    page.get_by_label(label("New email")).fill(new_email)
    _password(page, account)
    page.get_by_role("button", name="Send confirmation link").click()
    expect(page.get_by_text(f"We sent a link to {new_email}")).to_be_visible()
    link = _confirm_path(mail_server, new_email)
    page.goto(link)
    expect(page.get_by_text(new_email)).to_be_visible()
    page.get_by_role("button", name="Confirm new address").click()
    expect(page.get_by_text(f"Your e-mail address is now {new_email}.")).to_be_visible()
    told = [m for m in _messages(mail_server) if m["To"] == account.email]
    assert told and new_email in _body(told[-1])
    # The same link again is refused with a message.
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("already used")

    # Username: the old user page redirects to the new one.
    new_name = unique_username("renamed")
    page.goto("/settings/username/")
    page.get_by_label(label("New username")).fill(new_name)
    _password(page, account)
    page.get_by_role("button", name="Change username").click()
    expect(page.get_by_text(f"Your username is now {new_name}.")).to_be_visible()
    page.goto(f"/users/{account.username}/")
    expect(page).to_have_url(re.compile(rf"/users/{new_name}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(new_name)

    # Download my data: the worker builds it; the inbox says so; the ZIP is theirs.
    page.goto("/settings/data/")
    page.get_by_role("button", name="Build my data export").click()
    expect(page.get_by_text("Your data export is being built.")).to_be_visible()
    download_link = page.get_by_role("link", name=re.compile(r"^Download ZIP"))
    for _ in range(60):
        if download_link.count():
            break
        page.wait_for_timeout(1000)  # the worker polls for tasks; nothing to wait on here
        page.reload()
    expect(download_link).to_be_visible()
    page.goto("/inbox/")
    expect(page.get_by_role("link", name=re.compile("^Your data export is ready"))).to_be_visible()
    page.goto("/settings/data/")
    with page.expect_download() as info:
        download_link.click()
    data = Path(info.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        profile = json.loads(archive.read("profile.json"))
        assert profile["username"] == new_name
        assert profile["email"] == new_email
        assert [w["title"] for w in json.loads(archive.read("works.json"))] == [work.title]
        assert f"works/{work.id}.epub" in archive.namelist()
    # Nobody else can open the link.
    href = download_link.get_attribute("href")
    assert href
    stranger: Page = context_for()
    response = stranger.request.get(href, max_redirects=0)
    assert response.status == 302  # to the log-in page: guests get nothing
    sign_up(stranger, "other")
    assert stranger.request.get(href).status == 404

    # Delete the account, orphaning the works.
    page.goto("/settings/delete/")
    page.get_by_label("Orphan them").check()
    page.get_by_label("Keep them, shown as written by").check()
    _password(page, account)
    page.get_by_label(label("Type your username to confirm")).fill(new_name)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Account deleted")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.goto(work.path)
    expect(page.get_by_role("heading", name=work.title, level=1)).to_be_visible()
    expect(page.locator(".byline").first).to_contain_text("orphan_account")
    assert page.goto(f"/users/{new_name}/").status == 404  # type: ignore[union-attr]


# --- axe on every new page, in both themes ---------------------------------------------------


@pytest.mark.parametrize("theme", THEMES)
def test_the_settings_pages_are_accessible(
    context_for: Any, mail_server: LiveServer, sign_up: SignUp, post_work: PostWork, theme: str
) -> None:
    page: Page = context_for(theme)
    account = sign_up(page, "a11y_settings")
    work = post_work(page, "Checked Rain", "Rain that axe reads.")
    expect(page.locator("html")).to_have_attribute("data-theme", theme)

    for path, what in [
        ("/settings/", "profile"),
        ("/settings/email/", "email"),
        ("/settings/username/", "username"),
        ("/settings/pseuds/", "pseuds"),
        ("/settings/data/", "download my data"),
        ("/settings/delete/", "delete account"),
        (f"/works/{work.id}/orphan/", "orphan a work"),
    ]:
        page.goto(path)
        assert_accessible(page, f"the {what} settings page ({theme} theme)")

    # Forms showing errors.
    page.goto("/settings/delete/")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert_accessible(page, f"the delete form with errors ({theme} theme)")
    page.goto("/settings/username/")
    page.get_by_label(label("New username")).fill("admin")
    _password(page, account)
    page.get_by_role("button", name="Change username").click()
    expect(page.get_by_text("reserved")).to_be_visible()
    assert_accessible(page, f"the username form with errors ({theme} theme)")

    # A pseud's own page, the e-mail link pages (good and broken), a ready export.
    page.goto("/settings/pseuds/")
    page.get_by_role("link", name=re.compile(r"^Edit")).first.click()
    expect(page.get_by_role("heading", name=re.compile("Edit pseud"))).to_be_visible()
    assert_accessible(page, f"a pseud's settings page ({theme} theme)")
    new_email = f"a11y-{account.username}@example.org"
    page.goto("/settings/email/")
    page.get_by_label(label("New email")).fill(new_email)
    _password(page, account)
    page.get_by_role("button", name="Send confirmation link").click()
    page.goto(_confirm_path(mail_server, new_email))
    expect(page.get_by_role("button", name="Confirm new address")).to_be_visible()
    assert_accessible(page, f"the e-mail confirmation page ({theme} theme)")
    page.goto("/settings/email/confirm/broken-link/")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, f"a broken e-mail link ({theme} theme)")
    page.goto("/settings/data/")
    page.get_by_role("button", name="Build my data export").click()
    expect(page.get_by_role("table")).to_be_visible()
    assert_accessible(page, f"the data page with an export ({theme} theme)")

    page.goto(f"/users/{account.username}/")
    assert_accessible(page, f"the user page ({theme} theme)")


def test_the_series_orphan_page_is_accessible(
    context_for: Any, sign_up: SignUp, post_work: PostWork
) -> None:
    page: Page = context_for("dark")
    sign_up(page, "a11y_series")
    post_work(page, "Part One", "One.")
    page.goto("/series/new/")
    page.get_by_label(label("Title")).fill("Saga")
    page.get_by_role("button", name=re.compile("^(Create|Save)")).click()
    expect(page).to_have_url(re.compile(r"/series/\d+/$"))
    page.get_by_role("link", name="Orphan series").click()
    expect(page.get_by_role("heading", name=re.compile("Orphan"))).to_be_visible()
    assert_accessible(page, "the orphan series page (dark theme)")
    for theme in ("light",):
        page.context.add_cookies([{"name": "theme", "value": theme, "url": page.url}])
        page.reload()
        assert_accessible(page, f"the orphan series page ({theme} theme)")
    assert os.environ.get("FICARCHIVE_EMAIL_URL") is None
