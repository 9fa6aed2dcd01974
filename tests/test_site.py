"""The site app: settings stored in the database (cached), sign-up modes, invitations and their
queue, e-mail confirmation, the Terms of Service and Privacy pages, roles, the staff area and
its commands, and bad input to every new form."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from django.utils import timezone

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.comments.actions import CommentInput, add_comment
from ficarchive.kudos.actions import leave_kudos
from ficarchive.moderation.models import ModerationLog, Sanction
from ficarchive.site import actions, conf
from ficarchive.site.access import check_may_post
from ficarchive.site.forms import GiveInvitationsForm
from ficarchive.site.models import (
    Invitation,
    InvitationRequest,
    SiteSettings,
    TermsAcceptance,
    TermsVersion,
)
from ficarchive.site.roles import MODERATOR_GROUP, is_moderator
from ficarchive.site.tasks import (
    send_confirmation_email,
    send_daily_invitations,
    send_invitation_email,
)
from ficarchive.tags.models import WRANGLER_GROUP
from ficarchive.works.actions import ChapterInput, add_chapter
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, client_for, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db: None) -> User:
    user = sign_up("operator", "operator@example.org", PASSWORD)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def set_mode(mode: str) -> None:
    actions.set_signup_mode(None, mode)


def signup_form(name: str = "newcomer", **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "username": name,
        "email": f"{name}@example.org",
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    data.update(changes)
    return data


def settings_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "archive_name": "Starfall Stories",
        "notice": "Maintenance on Sunday.",
        "signup_mode": "open",
        "guest_comments": "on",
        "guest_kudos": "on",
        "invitations_per_day": "0",
        "invitation_days": "14",
        "throwaway_domains": "",
    }
    data.update(changes)
    return data


def text_of(response: Any) -> str:
    return str(response.content.decode())


# Settings: stored, cached, shown --------------------------------------------------------------


def test_it_has_defaults_without_writing_a_row(client: Client) -> None:
    config = conf.current()
    assert (config.signup_mode, config.guest_comments, config.guest_kudos) == ("open", True, True)
    assert config.name == "ficarchive"
    client.get("/")
    assert not SiteSettings.objects.exists()  # a fresh archive stays empty (backups)


def test_it_reads_cached_settings_without_queries(
    staff: User, django_assert_num_queries: Any
) -> None:
    actions.save_settings(
        staff, actions.SettingsInput(**{**vars(actions.settings_input()), "archive_name": "Nebula"})
    )
    assert conf.current().name == "Nebula"
    with django_assert_num_queries(0):
        assert conf.current().name == "Nebula"
    data = actions.settings_input()
    data.signup_mode = "invite"
    actions.save_settings(staff, data)
    assert conf.current().signup_mode == "invite"  # the new token: read at once


def test_it_forgets_a_change_that_was_rolled_back(staff: User) -> None:
    data = actions.settings_input()
    data.archive_name = "Never"
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.save_settings(staff, data)
        raise RuntimeError
    assert conf.current().name == "ficarchive"


def test_it_shows_the_name_and_notice_on_every_page(staff: User) -> None:
    response = client_for(staff).post("/staff/settings/", settings_form())
    assert response.status_code == 302
    page = text_of(Client().get("/works/"))
    assert "Starfall Stories" in page and "Maintenance on Sunday." in page
    assert "<title>Works · Starfall Stories</title>" in page or "· Starfall Stories</title>" in page
    entry = ModerationLog.objects.get()
    assert entry.action == "change site settings" and entry.moderator == staff


def test_it_escapes_the_notice(staff: User) -> None:
    client_for(staff).post(
        "/staff/settings/",
        settings_form(notice="<script>alert(1)</script><img src=x onerror=alert(1)>"),
    )
    page = text_of(Client().get("/"))
    assert_nothing_executable(page, page=True)


def test_it_lets_only_staff_into_the_staff_area(reader: User, staff: User) -> None:
    for url in [
        "/staff/",
        "/staff/settings/",
        "/staff/terms/",
        "/staff/invitations/",
        "/staff/people/",
        "/staff/people/reader/",
    ]:
        assert Client().get(url).status_code == 302
        assert client_for(reader).get(url).status_code == 403
        assert client_for(staff).get(url).status_code == 200


# Sign-up modes -------------------------------------------------------------------------------


def test_it_signs_up_in_open_mode(client: Client) -> None:
    response = client.post("/signup/", signup_form())
    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert user.email_confirmed_at is None


def test_it_refuses_sign_up_when_closed(client: Client) -> None:
    set_mode("closed")
    page = text_of(client.get("/signup/"))
    assert "Sign-up is closed" in page and "Create account" not in page
    client.post("/signup/", signup_form())
    assert not User.objects.filter(username="newcomer").exists()
    with pytest.raises(ValidationError, match="closed"):
        actions.register("newcomer", "n@example.org", PASSWORD)


def test_it_catches_bots_with_the_honeypot(client: Client) -> None:
    response = client.post("/signup/", signup_form(website="http://spam.example"))
    assert response.status_code == 200
    assert "could not be sent" in text_of(response)
    assert not User.objects.filter(username="newcomer").exists()


def test_it_limits_sign_ups_per_address(settings: Any, client: Client) -> None:
    settings.MODERATION_RATE_LIMITS_ENABLED = True
    for i in range(5):
        assert client.post("/signup/", signup_form(f"member{i}")).status_code == 302
        client.post("/logout/")
    response = client.post("/signup/", signup_form("member9"))
    assert response.status_code == 429
    assert "Too many sign-ups from your network address" in text_of(response)
    assert not User.objects.filter(username="member9").exists()


def test_it_refuses_throwaway_domains_only_when_listed(staff: User, client: Client) -> None:
    assert (
        client.post("/signup/", signup_form("first", email="a@mailinator.com")).status_code == 302
    )
    client.post("/logout/")
    client_for(staff).post(
        "/staff/settings/", settings_form(throwaway_domains="mailinator.com\n@Guerrillamail.com")
    )
    for email in ["b@mailinator.com", "c@sub.guerrillamail.com", "d@MAILINATOR.COM"]:
        response = client.post("/signup/", signup_form("second", email=email))
        assert "not accepted here" in text_of(response)
    assert not User.objects.filter(username="second").exists()


# Confirmation mode ---------------------------------------------------------------------------


def test_it_asks_for_confirmation_before_posting_in_confirm_mode(client: Client) -> None:
    other = make_work(sign_up("writer", "writer@example.org", PASSWORD))
    set_mode("confirm")
    response = client.post("/signup/", signup_form())
    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert user.email_confirmed_at is None
    assert send_confirmation_email.call(user.pk) is True
    link = re.search(r"/confirm-email/([^/\s]+)/", str(mail.outbox[-1].body))
    assert link and mail.outbox[-1].to == ["newcomer@example.org"]
    # Posting and commenting are refused with a message that says how to confirm.
    with pytest.raises(PermissionDenied, match="/confirm-email/"):
        check_may_post(user)
    with pytest.raises(PermissionDenied, match="Confirm your e-mail"):
        make_work(user)
    with pytest.raises(PermissionDenied):
        add_comment(
            other, other.chapters.get(), CommentInput(text="Hi", nonce=uuid.uuid4().hex), user=user
        )
    assert client.get("/works/new/")["Location"].startswith("/confirm-email/")
    refused = client.post(
        f"/works/{other.pk}/comments/",
        {"text": "Hi", "nonce": uuid.uuid4().hex, "chapter": other.chapters.get().pk},
    )
    assert refused.status_code in (302, 403)
    # The link confirms (a POST from its page), then posting works.
    page = client.get(f"/confirm-email/{link.group(1)}/")
    assert "Confirm my address" in text_of(page)
    assert client.post(f"/confirm-email/{link.group(1)}/").status_code == 302
    user.refresh_from_db()
    assert user.email_confirmed_at is not None
    make_work(user)


def test_it_drafts_without_confirmation_but_not_posts(reader: User) -> None:
    set_mode("confirm")
    newcomer = actions.register("newcomer", "n@example.org", PASSWORD)
    draft = make_work(newcomer, draft=True)
    with pytest.raises(PermissionDenied):
        add_chapter(newcomer, draft, ChapterInput(text="More", text_format="text"))
    reader.email_confirmed_at = timezone.now()
    reader.save(update_fields=["email_confirmed_at"])
    assert make_work(reader).pk  # a confirmed member posts


def test_it_resends_and_refuses_bad_confirmation_links(client: Client) -> None:
    set_mode("confirm")
    client.post("/signup/", signup_form())
    user = User.objects.get(username="newcomer")
    response = client.post("/confirm-email/")
    assert response.status_code == 302
    for token in ["nonsense", "a" * 900, actions.confirmation_token(user) + "x"]:
        bad = client.post(f"/confirm-email/{token}/")
        assert bad.status_code == 400 and "not valid" in text_of(bad)
    token = actions.confirmation_token(user)
    user.email = "changed@example.org"
    user.save(update_fields=["email"])
    assert "no longer has" in text_of(client.post(f"/confirm-email/{token}/"))
    user.refresh_from_db()
    assert user.email_confirmed_at is None


# Invitations ---------------------------------------------------------------------------------


def test_it_runs_the_invitation_queue(staff: User, client: Client) -> None:
    set_mode("invite")
    assert "Request an invitation" in text_of(client.get("/signup/"))
    for email in ["first@example.org", "second@example.org", "third@example.org"]:
        response = client.post("/invitations/request/", {"email": email})
        assert response.status_code == 302
    again = client.post("/invitations/request/", {"email": "FIRST@example.org"})
    assert again.status_code == 400 and "in the queue already" in text_of(again)
    assert InvitationRequest.objects.count() == 3
    response = client_for(staff).post("/staff/invitations/", {"count": "2"})
    assert response.status_code == 302
    invitations = list(Invitation.objects.order_by("pk"))
    assert [i.email for i in invitations] == ["first@example.org", "second@example.org"]
    assert ModerationLog.objects.filter(action="send invitations").count() == 1
    assert send_invitation_email.call(invitations[0].pk) is True
    assert send_invitation_email.call(invitations[0].pk) is False  # at most once
    code = invitations[0].code
    assert code in mail.outbox[-1].body and "/signup/?invitation=" in mail.outbox[-1].body
    # No code, a wrong code: refused; the right one signs up (and confirms the address).
    refused = client.post("/signup/", signup_form("first", email="first@example.org"))
    assert "Invitation code is empty" in text_of(refused)
    refused = client.post("/signup/", signup_form("first", invitation="nope"))
    assert "No invitation has that code" in text_of(refused)
    form = client.get(f"/signup/?invitation={code}")
    assert f'value="{code}"' in text_of(form)
    response = client.post(
        "/signup/", signup_form("first", email="first@example.org", invitation=code)
    )
    assert response.status_code == 302
    user = User.objects.get(username="first")
    assert user.email_confirmed_at is not None
    invitation = Invitation.objects.get(code=code)
    assert invitation.used_by == user and invitation.used_at is not None
    # Used twice: refused, nothing made.
    other = Client()
    twice = other.post("/signup/", signup_form("second", invitation=code))
    assert "used already" in text_of(twice)
    assert not User.objects.filter(username="second").exists()


def test_it_refuses_an_expired_invitation(staff: User, client: Client) -> None:
    set_mode("invite")
    [invitation] = actions.give_invitations(staff, staff, 1)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = client.post("/signup/", signup_form(invitation=invitation.code))
    assert "has expired" in text_of(response)
    assert not User.objects.filter(username="newcomer").exists()


def test_it_gives_members_invitations_to_share(staff: User, reader: User) -> None:
    set_mode("invite")
    response = client_for(staff).post("/staff/people/reader/", {"intent": "give", "count": "3"})
    assert response.status_code == 302
    page = text_of(client_for(reader).get("/invitations/"))
    codes = list(Invitation.objects.filter(owner=reader).values_list("code", flat=True))
    assert len(codes) == 3 and all(code in page for code in codes)
    Client().post("/signup/", signup_form(invitation=codes[0]))
    page = text_of(client_for(reader).get("/invitations/"))
    assert "newcomer" in page
    entry = ModerationLog.objects.get(action="give invitations")
    assert "reader" in entry.target


def test_it_sends_the_days_invitations_from_the_worker(staff: User) -> None:
    set_mode("invite")
    for i in range(5):
        actions.request_invitation(f"q{i}@example.org")
    data = actions.settings_input()
    data.invitations_per_day = 2
    actions.save_settings(staff, data)
    chain = SiteSettings.objects.get().daily_chain
    assert chain
    assert send_daily_invitations.call(chain) == 2
    assert send_daily_invitations.call(chain) == 0  # not again within the day
    assert send_daily_invitations.call("old-chain") == 0
    assert InvitationRequest.objects.filter(status="pending").count() == 3
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "q0@example.org",
        "q1@example.org",
    ]


def test_it_takes_invitation_requests_only_in_invite_mode(client: Client) -> None:
    page = text_of(client.get("/invitations/request/"))
    assert "You need no invitation" in page
    client.post("/invitations/request/", {"email": "a@example.org"})
    assert not InvitationRequest.objects.exists()


# Terms of Service and Privacy ----------------------------------------------------------------


def test_it_publishes_versioned_sanitized_terms(staff: User, client: Client) -> None:
    response = client_for(staff).post(
        "/staff/terms/",
        {"kind": "tos", "tos-text": "# Rules\n\nBe kind.<script>alert(1)</script>"},
    )
    assert response.status_code == 302
    version = TermsVersion.objects.get()
    assert version.number == 1 and "<script" not in version.text_html
    page = text_of(client.get("/terms/"))
    assert "Be kind." in page and "Version 1" in page
    assert_nothing_executable(page, page=True)
    client_for(staff).post("/staff/terms/", {"kind": "privacy", "privacy-text": "We keep little."})
    assert "We keep little." in text_of(client.get("/privacy/"))
    assert ModerationLog.objects.filter(action="publish terms").count() == 2


def test_it_asks_to_accept_the_terms_at_sign_up(staff: User, client: Client) -> None:
    version = actions.publish_terms(staff, "tos", "Be kind.")
    page = text_of(client.get("/signup/"))
    assert "I have read and accept the Terms of Service" in page
    refused = client.post("/signup/", signup_form())
    assert "Tick the box" in text_of(refused)
    assert not User.objects.filter(username="newcomer").exists()
    stale = client.post("/signup/", signup_form(accept_terms="on", terms_version=version.pk + 99))
    assert "Accept the Terms of Service" in text_of(stale)
    response = client.post("/signup/", signup_form(accept_terms="on", terms_version=version.pk))
    assert response.status_code == 302
    assert TermsAcceptance.objects.filter(user__username="newcomer", version=version).exists()


def test_it_asks_members_to_accept_changed_terms(staff: User, author: User, reader: User) -> None:
    work = make_work(author)
    actions.publish_terms(staff, "tos", "Version one.")
    client = client_for(reader)
    assert client.get(f"/works/{work.pk}/").status_code == 200  # reading needs nothing
    response = client.post(
        f"/works/{work.pk}/kudos/", HTTP_REFERER=f"http://testserver/works/{work.pk}/"
    )
    assert response.status_code == 303
    assert response["Location"] == f"/terms/accept/?next=/works/{work.pk}/"
    assert client.get("/works/new/")["Location"].startswith("/terms/accept/")
    page = client.get(response["Location"])
    assert "Version one." in text_of(page)
    version = TermsVersion.objects.get()
    refused = client.post("/terms/accept/", {"version": version.pk, "next": "/works/new/"})
    assert refused.status_code == 400 and "Tick the box" in text_of(refused)
    done = client.post(
        "/terms/accept/", {"version": version.pk, "accept": "on", "next": f"/works/{work.pk}/"}
    )
    assert done["Location"] == f"/works/{work.pk}/"
    assert client.post(f"/works/{work.pk}/kudos/").status_code == 302
    # A new version asks again.
    actions.publish_terms(staff, "tos", "Version two.")
    assert client.post(f"/works/{work.pk}/kudos/").status_code == 303


def test_it_publishes_terms_in_advance(staff: User) -> None:
    actions.publish_terms(staff, "tos", "Now.")
    later = timezone.now() + timedelta(days=3)
    actions.publish_terms(staff, "tos", "Later.", effective_at=later)
    config = conf.current()
    assert config.tos.current_number == 1 and config.tos.next_number == 2
    page = text_of(Client().get("/terms/"))
    assert "Now." in page and "Later." in page and "takes effect" in page
    assert config.tos.in_force(later + timedelta(seconds=1))[1] == 2


# Roles ---------------------------------------------------------------------------------------


def test_it_makes_a_moderator_in_the_staff_area(staff: User, author: User, reader: User) -> None:
    client = client_for(staff)
    response = client.post("/staff/people/reader/", {"intent": "grant", "role": "moderator"})
    assert response.status_code == 302
    reader = User.objects.get(pk=reader.pk)
    assert is_moderator(reader) and not reader.is_staff
    moderator = client_for(reader)
    assert moderator.get("/moderation/").status_code == 200
    assert moderator.get("/staff/").status_code == 403
    tomorrow = (timezone.now() + timedelta(days=2)).date().isoformat()
    response = moderator.post(
        "/moderation/users/author/",
        {"intent": "suspend", "suspend-until": tomorrow, "suspend-reason": "Spam"},
    )
    assert response.status_code == 302
    assert Sanction.objects.get().user == author
    assert ModerationLog.objects.filter(action="grant moderator", moderator=staff).exists()
    client.post("/staff/people/reader/", {"intent": "revoke", "role": "moderator"})
    assert client_for(User.objects.get(pk=reader.pk)).get("/moderation/").status_code == 403
    assert ModerationLog.objects.filter(action="revoke moderator").exists()


def test_it_grants_wrangler_and_staff(staff: User, reader: User) -> None:
    client = client_for(staff)
    client.post("/staff/people/reader/", {"intent": "grant", "role": "wrangler"})
    assert User.objects.get(pk=reader.pk).groups.filter(name=WRANGLER_GROUP).exists()
    assert client_for(reader).get("/tags/wrangle/").status_code == 200
    client.post("/staff/people/reader/", {"intent": "grant", "role": "staff"})
    assert User.objects.get(pk=reader.pk).is_staff
    assert client_for(User.objects.get(pk=reader.pk)).get("/staff/").status_code == 200
    response = client.post("/staff/people/operator/", {"intent": "revoke", "role": "staff"})
    assert response.status_code == 400 and User.objects.get(pk=staff.pk).is_staff
    actions_logged = set(ModerationLog.objects.values_list("action", flat=True))
    assert {"grant wrangler", "grant staff"} <= actions_logged


def test_it_manages_roles_from_the_command_line(reader: User) -> None:
    out = StringIO()
    call_command("grant-role", "reader", "moderator", stdout=out)
    assert "is now moderator" in out.getvalue()
    assert Group.objects.get(name=MODERATOR_GROUP).user_set.filter(pk=reader.pk).exists()
    call_command("grant-role", "READER", "moderator", stdout=out)
    assert "already" in out.getvalue()
    call_command("revoke-role", "reader", "moderator", stdout=out)
    assert "no longer" in out.getvalue()
    entry = ModerationLog.objects.filter(action="revoke moderator").get()
    assert entry.moderator is None and entry.reason == "from the command line"
    with pytest.raises(CommandError, match="No account"):
        call_command("grant-role", "nobody", "staff")
    with pytest.raises(CommandError):
        call_command("grant-role", "reader", "emperor")


def test_it_changes_settings_from_the_command_line() -> None:
    out = StringIO()
    call_command(
        "site-settings", "--signup", "invite", "--guest-kudos", "off", "--show", stdout=out
    )
    text = out.getvalue()
    assert "signup: invite" in text and "guest kudos: off" in text
    assert conf.current().signup_mode == "invite"
    with pytest.raises(CommandError):
        call_command("site-settings", "--signup", "sometimes")
    call_command("send-invitations", "--count", "3", stdout=out)
    assert "Nobody is waiting" in out.getvalue()


# Guest switches ------------------------------------------------------------------------------


def test_it_turns_guest_comments_and_kudos_off(staff: User, author: User) -> None:
    work = make_work(author)
    chapter = work.chapters.get()
    client_for(staff).post("/staff/settings/", settings_form(guest_comments="", guest_kudos=""))
    guest = Client()
    page = text_of(guest.get(f"/works/{work.pk}/"))
    assert "Log in</a> to comment" in page
    with pytest.raises(ValidationError, match="members only"):
        add_comment(
            work,
            chapter,
            CommentInput(
                text="Hi", nonce=uuid.uuid4().hex, guest_name="G", guest_email="g@example.org"
            ),
            user=None,
        )
    with pytest.raises(ValidationError, match="members only"):
        leave_kudos(work, user=None, guest="key")
    response = guest.post(f"/works/{work.pk}/kudos/")
    assert response.status_code in (302, 400)
    assert Work.objects.get(pk=work.pk).kudos_count == 0
    api = guest.post(f"/api/v1/works/{work.pk}/kudos/")
    assert api.status_code in (400, 401, 403)
    assert Work.objects.get(pk=work.pk).kudos_count == 0


# People --------------------------------------------------------------------------------------


def test_it_finds_people_by_name_email_or_pseud(
    staff: User, reader: User, django_assert_max_num_queries: Any
) -> None:
    from ficarchive.accounts.actions import add_pseud

    add_pseud(reader, "Moonlit Quill")
    for i in range(10):
        sign_up(f"member{i}", f"m{i}@example.org", PASSWORD).groups.add(
            Group.objects.get_or_create(name=WRANGLER_GROUP)[0]
        )
    client = client_for(staff)
    assert "/staff/people/reader/" in text_of(client.get("/staff/people/?q=moonlit"))
    assert "/staff/people/reader/" in text_of(client.get("/staff/people/?q=reader@example.org"))
    with django_assert_max_num_queries(8):
        page = text_of(client.get("/staff/people/?q=member"))
    assert page.count("/staff/people/member") == 10


def test_it_shows_a_persons_works_reports_and_sanctions(staff: User, author: User) -> None:
    work = make_work(author, "Under the Dome")
    page = text_of(client_for(staff).get("/staff/people/author/"))
    assert "Under the Dome" in page and "Make moderator" in page
    assert client_for(staff).get("/staff/people/nobody/").status_code == 404
    assert work.pk


# Bad input -----------------------------------------------------------------------------------


def test_it_survives_hostile_input_to_every_new_form(staff: User, reader: User) -> None:
    set_mode("invite")
    client = client_for(staff)
    member = client_for(reader)
    guest = Client()
    before = (User.objects.count(), Invitation.objects.count(), TermsVersion.objects.count())
    given = 0  # a string that is a whole number in range ("1") rightly gives invitations
    for value in hostile_corpus()[:: max(1, len(hostile_corpus()) // 120)]:
        give = GiveInvitationsForm({"count": value})
        given += give.cleaned_data["count"] if give.is_valid() else 0
        for response in [
            client.post("/staff/settings/", settings_form(signup_mode=value, archive_name=value)),
            client.post("/staff/invitations/", {"count": value}),
            client.post("/staff/people/reader/", {"intent": "give", "count": value}),
            client.post("/staff/people/reader/", {"intent": value, "role": value}),
            client.post("/staff/terms/", {"kind": value, "tos-text": value}),
            client.get("/staff/people/", {"q": value}),
            guest.post("/invitations/request/", {"email": value}),
            guest.post("/signup/", signup_form("hostile", invitation=value, email=value)),
            member.post("/terms/accept/", {"version": value, "accept": value}),
            guest.post(f"/confirm-email/{uuid.uuid4().hex}/"),
        ]:
            assert response.status_code < 500
            if response.status_code == 200:
                assert_nothing_executable(text_of(response), page=True)
    assert (
        User.objects.count(),
        Invitation.objects.count() - given,
        TermsVersion.objects.count(),
    ) == before
    assert conf.current().signup_mode == "invite"


def test_it_refuses_overlong_values(staff: User) -> None:
    client = client_for(staff)
    long = "x" * 200_000
    for response in [
        client.post("/staff/settings/", settings_form(archive_name=long)),
        client.post("/staff/settings/", settings_form(notice=long)),
        client.post("/staff/settings/", settings_form(throwaway_domains=long)),
        client.post("/staff/settings/", settings_form(invitations_per_day="99999999999999999999")),
        client.post("/staff/terms/", {"kind": "tos", "tos-text": long}),
        client.post("/staff/invitations/", {"count": "10000"}),
        Client().post("/invitations/request/", {"email": long + "@example.org"}),
    ]:
        assert response.status_code in (200, 400)
    assert not SiteSettings.objects.exists() and not TermsVersion.objects.exists()
    nul = client.post("/staff/settings/", settings_form(archive_name="a\x00b"))
    assert nul.status_code == 400 and "NUL" in text_of(nul)
    bad_domains = client.post("/staff/settings/", settings_form(throwaway_domains="not a domain!"))
    assert "is not a domain name" in text_of(bad_domains)


def test_it_refuses_terms_dated_in_the_past(staff: User) -> None:
    response = client_for(staff).post(
        "/staff/terms/", {"kind": "tos", "tos-text": "Hi", "tos-effective_on": "not-a-date"}
    )
    assert "not a date" in text_of(response)
    with pytest.raises(ValidationError, match="past"):
        actions.publish_terms(staff, "tos", "Hi", effective_at=timezone.now() - timedelta(days=2))
    assert not TermsVersion.objects.exists()


def test_it_lists_the_archive_tables_in_the_admin(db: None) -> None:
    admin_user = User.objects.create_superuser("root_user", "root@example.org", PASSWORD)
    client = client_for(admin_user)
    for url in [
        "/admin/accounts/user/?q=root",
        "/admin/accounts/pseud/?q=x",
        "/admin/works/work/?q=x",
        "/admin/works/chapter/?q=x",
        "/admin/tags/tag/?q=x",
        "/admin/moderation/moderationlog/?q=x",
        "/admin/site/invitation/?q=x",
        "/admin/site/termsversion/",
    ]:
        assert client.get(url).status_code == 200, url


def test_it_lists_the_queue_and_invitations_with_flat_queries(
    staff: User, reader: User, django_assert_max_num_queries: Any
) -> None:
    set_mode("invite")
    for i in range(30):
        actions.request_invitation(f"wait{i}@example.org")
    actions.send_invitations(staff, 10)
    actions.give_invitations(staff, reader, 20)
    for code in Invitation.objects.filter(owner=reader).values_list("code", flat=True)[:5]:
        actions.register(
            f"guest_{code[:6].replace('-', '_')}",
            f"{code[:6]}@example.org",
            PASSWORD,
            invitation_code=code,
        )
    client = client_for(staff)
    client.get("/staff/invitations/")
    with django_assert_max_num_queries(9):
        page = text_of(client.get("/staff/invitations/"))
    assert "wait10@example.org" in page and "held by reader" in page
    member = client_for(reader)
    member.get("/invitations/")
    with django_assert_max_num_queries(7):
        page = text_of(member.get("/invitations/"))
    assert page.count("?invitation=") == 15
