"""Operators run the site from /staff/: sign-up by invitation from start to finish (the queue,
the invitation e-mail, sign-up with the code and the Terms of Service), a moderator made in
/staff/ who suspends a member, and axe on every page of the site app in both themes.

These tests run their own server: they switch the sign-up mode, which the shared server's
other tests must not see. Its e-mail goes to files (Django's file backend) under its data
directory, where the tests read the invitation link; its processes re-read the settings on
every request (FICARCHIVE_SITE_SETTINGS_SECONDS=0), so a change shows on the next page
whichever of the two server processes answers.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import (
    CSP_LISTENER,
    PASSWORD,
    Account,
    ConsoleLog,
    LiveServer,
    label,
    running_server,
    unique_username,
)
from tests.browser.test_accessibility import THEMES, assert_accessible

pytestmark = pytest.mark.browser

INVITATION_LINK = re.compile(r"/signup/\?invitation=([A-Za-z0-9_-]+)")


@pytest.fixture(scope="module")
def site_server(
    tmp_path_factory: pytest.TempPathFactory, chromium_executable: str
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("ficarchive-site")
    mail_dir = data_dir / "mail"
    mail_dir.mkdir()
    extra = {
        "FICARCHIVE_EMAIL_URL": f"file://{mail_dir}",
        "FICARCHIVE_SITE_SETTINGS_SECONDS": "0",
    }
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        with running_server(data_dir, "--works", "2", "--seed", "3") as server:
            yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def visitor(browser: Browser, site_server: LiveServer) -> Iterator[Visitors]:
    visitors = Visitors(browser, site_server)
    yield visitors
    visitors.close()


class Visitors:
    """Fresh browser contexts on the site server (each a person with own cookies); any CSP
    violation fails the test."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.log = ConsoleLog()
        self.contexts: list[BrowserContext] = []

    def page(self, theme: str = "") -> Page:
        context = self.browser.new_context(base_url=self.server.url)
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        context.on("console", self.log.record_console)
        if theme:
            context.add_cookies([{"name": "theme", "value": theme, "url": self.server.url}])
        self.contexts.append(context)
        return context.new_page()

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        assert not self.log.csp_violations, "\n".join(self.log.csp_violations)


def make_account(server: LiveServer, prefix: str, *, staff: bool = False) -> Account:
    """Create an account on the server (from the command line), confirmed and with the Terms
    of Service in force accepted, as a member who has been around a while."""
    account = Account(unique_username(prefix), f"{prefix}@example.org")
    server.shell(
        "from django.utils import timezone\n"
        "from ficarchive.accounts.actions import sign_up\n"
        "from ficarchive.site import conf\n"
        "from ficarchive.site.models import TermsAcceptance\n"
        f"user = sign_up({account.username!r}, {account.email!r}, {PASSWORD!r})\n"
        "user.email_confirmed_at = timezone.now()\n"
        "user.save(update_fields=['email_confirmed_at'])\n"
        "tos = conf.load().tos_id()\n"
        "if tos: TermsAcceptance.objects.create(user=user, version_id=tos)\n"
    )
    if staff:
        server.manage("grant-role", account.username, "staff")
    return account


def log_in(page: Page, account: Account) -> None:
    page.goto("/login/")
    page.get_by_label(label("Username")).fill(account.username)
    page.get_by_label(label("Password")).fill(account.password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def staff_nav(page: Page, name: str) -> None:
    """Follow a link of the staff area's navigation."""
    page.get_by_role("navigation", name="Staff").get_by_role("link", name=name, exact=True).click()


def read_invitation_code(server: LiveServer, email: str, timeout: float = 60) -> str:
    """Wait for the worker to write the invitation e-mail to `email`; return its code."""
    mail_dir = server.data_dir / "mail"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.log")):
            text = path.read_text(errors="replace")
            for message in text.split("-" * 79):
                if f"To: {email}" in message and (found := INVITATION_LINK.search(message)):
                    return found.group(1)
        server.check_running()
        time.sleep(0.5)  # the worker polls its queue: nothing to wait on but the file
    pytest.fail(f"No invitation e-mail to {email} in {mail_dir} within {timeout:.0f} s.")


def test_it_signs_up_by_invitation_from_the_queue(
    visitor: Visitors, site_server: LiveServer
) -> None:
    operator = make_account(site_server, "operator", staff=True)
    staff = visitor.page()
    log_in(staff, operator)
    # The operator publishes Terms of Service and switches sign-up to invitations.
    staff.get_by_role("link", name="Staff", exact=True).click()
    staff_nav(staff, "Terms and Privacy")
    staff.locator("#id_tos-text").fill("# Terms\n\nBe kind to each other.")
    staff.get_by_role("button", name="Publish Terms of Service").click()
    expect(staff.get_by_text("Published Terms of Service version")).to_be_visible()
    staff_nav(staff, "Settings")
    staff.get_by_role("radio", name=re.compile(r"Invitation: people request")).check()
    staff.get_by_role("button", name="Save settings").click()
    expect(staff.get_by_text("Settings saved.")).to_be_visible()

    # A visitor finds sign-up needs an invitation and joins the queue.
    email = f"newcomer-{unique_username('x')}@example.org".lower()
    guest = visitor.page()
    guest.goto("/signup/")
    guest.get_by_role("link", name="Request an invitation").click()
    guest.get_by_label(label("Email")).fill(email)
    guest.get_by_role("button", name="Join the queue").click()
    expect(guest.get_by_text("You are in the queue (number 1)")).to_be_visible()

    # Staff send one invitation from the queue; the worker e-mails it.
    staff_nav(staff, "Invitations")
    expect(staff.get_by_text(email)).to_be_visible()
    staff.get_by_label(label("Number to send")).fill("1")
    staff.get_by_role("button", name="Send invitations").click()
    expect(staff.get_by_text("Sent 1 invitation(s).")).to_be_visible()
    code = read_invitation_code(site_server, email)

    # The visitor signs up with the link from the e-mail and accepts the Terms of Service.
    name = unique_username("invited")
    guest.goto(f"/signup/?invitation={code}")
    expect(guest.get_by_label(label("Invitation code"))).to_have_value(code)
    guest.get_by_label(label("Username")).fill(name)
    guest.get_by_label(label("Email")).fill(email)
    guest.get_by_label(label("Password")).fill(PASSWORD)
    guest.get_by_label(label("Password again")).fill(PASSWORD)
    guest.get_by_role("button", name="Create account").click()
    expect(guest.get_by_text("Tick the box to accept the Terms of Service.")).to_be_visible()
    guest.get_by_label(label("Password")).fill(PASSWORD)
    guest.get_by_label(label("Password again")).fill(PASSWORD)
    guest.get_by_label("I have read and accept the Terms of Service").check()
    guest.get_by_role("button", name="Create account").click()
    expect(guest.get_by_text(f"Welcome, {name}!")).to_be_visible()

    # The same invitation a second time: refused, with a clear message.
    again = visitor.page()
    again.goto(f"/signup/?invitation={code}")
    again.get_by_label(label("Username")).fill(unique_username("twice"))
    again.get_by_label(label("Email")).fill("twice@example.org")
    again.get_by_label(label("Password")).fill(PASSWORD)
    again.get_by_label(label("Password again")).fill(PASSWORD)
    again.get_by_label("I have read and accept the Terms of Service").check()
    again.get_by_role("button", name="Create account").click()
    expect(again.get_by_text("That invitation was used already")).to_be_visible()
    expect(again.get_by_role("button", name="Log out")).to_have_count(0)


def test_a_moderator_made_in_staff_suspends_a_member(
    visitor: Visitors, site_server: LiveServer
) -> None:
    operator = make_account(site_server, "chief", staff=True)
    helper = make_account(site_server, "helper")
    member = make_account(site_server, "member")
    staff = visitor.page()
    log_in(staff, operator)
    staff.goto("/staff/people/")
    staff.get_by_label("Name, e-mail or pseud").fill(helper.username)
    staff.get_by_role("button", name="Find").click()
    staff.get_by_role("link", name=helper.username, exact=True).click()
    staff.get_by_role("button", name="Make moderator").click()
    expect(staff.get_by_text(f"{helper.username} is now moderator.")).to_be_visible()
    staff.goto("/moderation/log/")
    expect(staff.get_by_text("grant moderator").first).to_be_visible()

    moderator = visitor.page()
    log_in(moderator, helper)
    moderator.get_by_role("link", name="Moderation", exact=True).click()
    moderator.goto(f"/moderation/users/{member.username}/")
    until = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    moderator.get_by_label(label("Suspended until")).fill(until)
    moderator.locator("#id_suspend-reason").fill("Spam in comments")
    moderator.get_by_role("button", name=f"Suspend {member.username}").click()
    expect(moderator.get_by_text(f"{member.username} is suspended.")).to_be_visible()

    writer = visitor.page()
    log_in(writer, member)
    writer.goto("/works/new/")
    writer.get_by_label(label("Title")).fill("Not while suspended")
    writer.get_by_label(label("Fandoms")).fill("Original Work")
    writer.get_by_label(label("Work text")).fill("Words that will not be posted.")
    writer.get_by_role("button", name="Post", exact=True).click()
    expect(writer.get_by_text("Your account is suspended until")).to_be_visible()


def _scene(server: LiveServer) -> dict[str, str]:
    """Invitation mode, a Terms of Service and a Privacy policy, a member with invitations to
    share and an unconfirmed address, and a newer Terms of Service the member has not accepted.
    Returns names and links."""
    operator = make_account(server, "a11yop", staff=True)
    member = make_account(server, "a11ymember")
    code = server.shell(
        "from django.contrib.auth import get_user_model\n"
        "from ficarchive.site import actions\n"
        "User = get_user_model()\n"
        "actions.set_signup_mode(None, 'invite')\n"
        "actions.publish_terms(None, 'privacy', 'We keep **little**.')\n"
        "actions.publish_terms(None, 'tos', 'Version A: be kind.')\n"
        f"member = User.objects.get(username={member.username!r})\n"
        "actions.give_invitations(None, member, 2)\n"
        "User.objects.filter(pk=member.pk).update(email_confirmed_at=None)\n"
        "actions.request_invitation('waiting-a11y@example.org')\n"
        "print(actions.confirmation_token(User.objects.get(pk=member.pk)))\n"
    ).strip()
    return {"operator": operator.username, "member": member.username, "token": code}


@pytest.fixture(scope="module")
def a11y_scene(site_server: LiveServer) -> dict[str, str]:
    return _scene(site_server)


@pytest.mark.parametrize("theme", THEMES)
def test_it_has_accessible_site_pages(
    visitor: Visitors, site_server: LiveServer, a11y_scene: dict[str, str], theme: str
) -> None:
    guest = visitor.page(theme)
    for url, what in [
        ("/terms/", "the Terms of Service"),
        ("/privacy/", "the Privacy policy"),
        ("/invitations/request/", "the invitation request form"),
        ("/signup/", "sign-up by invitation with the Terms of Service"),
        (f"/confirm-email/{a11y_scene['token']}/", "a confirmation link"),
    ]:
        guest.goto(url)
        assert_accessible(guest, f"{what} ({theme} theme)")
    guest.goto("/invitations/request/")
    guest.get_by_role("button", name="Join the queue").click()
    expect(guest.get_by_text("Email is empty")).to_be_visible()
    assert_accessible(guest, f"the invitation request form with an error ({theme} theme)")

    member = visitor.page(theme)
    log_in(member, Account(a11y_scene["member"], ""))
    for url, what in [
        ("/invitations/", "a member's invitations"),
        ("/confirm-email/", "the confirmation page"),
    ]:
        member.goto(url)
        assert_accessible(member, f"{what} ({theme} theme)")

    staff = visitor.page(theme)
    log_in(staff, Account(a11y_scene["operator"], ""))
    for url, what in [
        ("/staff/", "the staff home"),
        ("/staff/settings/", "the site settings"),
        ("/staff/terms/", "the terms editor"),
        ("/staff/invitations/", "the invitation queue"),
        (f"/staff/people/?q={a11y_scene['member'][:6]}", "people search"),
        (f"/staff/people/{a11y_scene['member']}/", "a person"),
    ]:
        staff.goto(url)
        assert_accessible(staff, f"{what} ({theme} theme)")
    staff.goto("/staff/invitations/")
    staff.get_by_label(label("Number to send")).fill("0")
    staff.get_by_role("button", name="Send invitations").click()
    expect(staff.get_by_text("Send at least 1 invitation.")).to_be_visible()
    assert_accessible(staff, f"the invitation queue with an error ({theme} theme)")


def test_it_asks_members_to_accept_changed_terms(
    visitor: Visitors, site_server: LiveServer, a11y_scene: dict[str, str]
) -> None:
    account = make_account(site_server, "reaccept")
    site_server.shell(
        "from ficarchive.site import actions\n"
        "actions.publish_terms(None, 'tos', 'Version B: be kinder still.')\n"
    )
    for theme in THEMES:
        page = visitor.page(theme)
        log_in(page, account)
        page.goto("/works/new/")
        expect(page).to_have_url(re.compile(r"/terms/accept/\?next="))
        expect(page.get_by_text("Version B: be kinder still.")).to_be_visible()
        assert_accessible(page, f"Terms of Service re-acceptance ({theme} theme)")
        if theme == THEMES[-1]:
            page.get_by_label("I have read and accept the Terms of Service").check()
            page.get_by_role("button", name="Accept").click()
            expect(page).to_have_url(re.compile(r"/works/new/$"))
            expect(page.get_by_label(label("Work text"))).to_be_visible()
