"""Co-creators on other accounts: an invitation (notified, listed at /co-creators/) credits the
pseud only once accepted; co-creators edit the work as creators do; one leaving removes only
their credit; members can turn invitations off; members who blocked a creator can't be
invited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ficarchive.accounts.actions import add_pseud
from ficarchive.accounts.models import User
from ficarchive.blocking.actions import block_user
from ficarchive.gifts.actions import (
    accept_invitation,
    invite_co_creators,
    leave_work,
)
from ficarchive.gifts.models import CreatorInvitation, Gift
from ficarchive.notifications.models import Notification
from ficarchive.works.actions import WorkInput, update_work
from ficarchive.works.models import Creatorship, Work
from tests.conftest import client_for, hostile_corpus, make_work
from tests.test_api import call, token_for


def _credited(work: Work) -> list[str]:
    return [p.name for p in Work.objects.get(pk=work.pk).creator_pseuds()]


def _edit_data(**extra: str) -> dict[str, str]:
    return {
        "title": "Dome Weather",
        "rating": "general",
        "warnings": "No Archive Warnings Apply",
        "fandoms": "Cowboy Bebop",
        "text_format": "text",
        "language": "en",
        "comment_permission": "anyone",
        **extra,
    }


def test_an_invitation_credits_nobody_until_it_is_accepted(author: User, reader: User) -> None:
    work = make_work(author)
    client = client_for(author)
    assert (
        client.post(f"/works/{work.pk}/edit/", _edit_data(co_creators="reader")).status_code == 302
    )
    assert _credited(work) == ["author"]
    note = Notification.objects.get(recipient=reader, kind="co-creator-invitation")
    assert note.url == "/co-creators/"
    for url in (f"/works/{work.pk}/", "/works/", f"/api/v1/works/{work.pk}/"):
        assert "/users/reader/pseuds/reader/" not in client_for(None).get(url).content.decode()
    assert "Dome Weather" not in client_for(None).get("/users/reader/").content.decode()
    # The edit form shows the pending invitation.
    assert 'value="reader"' in client.get(f"/works/{work.pk}/edit/").content.decode()
    invitee = client_for(reader)
    page = invitee.get("/co-creators/").content.decode()
    assert "Dome Weather" in page and "author invited" in page
    invitation = CreatorInvitation.objects.get()
    assert invitee.post(f"/co-creators/{invitation.pk}/accept/").status_code == 302
    assert _credited(work) == ["author", "reader"]
    assert not CreatorInvitation.objects.exists()
    assert (
        "/users/reader/pseuds/reader/"
        in client_for(None).get(f"/works/{work.pk}/").content.decode()
    )


def test_a_declined_invitation_credits_nobody(author: User, reader: User) -> None:
    work = make_work(author, co_creators=["reader"])
    invitation = CreatorInvitation.objects.get()
    assert client_for(reader).post(f"/co-creators/{invitation.pk}/decline/").status_code == 302
    assert _credited(work) == ["author"] and not CreatorInvitation.objects.exists()


def test_only_the_invitee_answers_an_invitation(author: User, reader: User, stranger: User) -> None:
    make_work(author, co_creators=["reader"])
    invitation = CreatorInvitation.objects.get()
    for user in (author, stranger):
        assert client_for(user).post(f"/co-creators/{invitation.pk}/accept/").status_code == 404
    with pytest.raises(PermissionDenied):
        accept_invitation(stranger, invitation.pk)
    assert "Dome Weather" not in client_for(stranger).get("/co-creators/").content.decode()
    assert client_for(None).get("/co-creators/").status_code == 302  # log in first


def test_co_creators_edit_the_work_as_creators_do(author: User, reader: User) -> None:
    work = make_work(author, co_creators=["reader"])
    accept_invitation(reader, CreatorInvitation.objects.get().pk)
    client = client_for(reader)
    assert client.get(f"/works/{work.pk}/edit/").status_code == 200
    assert client.post(f"/works/{work.pk}/edit/", _edit_data(title="Shared")).status_code == 302
    assert Work.objects.get(pk=work.pk).title == "Shared"
    # Saving the form with their own pseuds leaves the other creator's credit alone.
    assert _credited(work) == ["author", "reader"]


def test_a_drafts_invitee_cannot_read_it_before_accepting(author: User, reader: User) -> None:
    work = make_work(author, draft=True, co_creators=["reader"])
    assert client_for(reader).get(f"/works/{work.pk}/").status_code == 404
    accept_invitation(reader, CreatorInvitation.objects.get().pk)
    assert client_for(reader).get(f"/works/{work.pk}/").status_code == 200


def test_leaving_removes_only_your_own_credit(author: User, reader: User) -> None:
    work = make_work(author, co_creators=["reader"])
    accept_invitation(reader, CreatorInvitation.objects.get().pk)
    client = client_for(reader)
    assert "Remove me as co-creator" in client.get(f"/works/{work.pk}/").content.decode()
    assert client.post(f"/works/{work.pk}/leave/").status_code == 302
    assert _credited(work) == ["author"]
    assert client.get(f"/works/{work.pk}/edit/").status_code == 404
    # The last creator can't leave.
    assert (
        "Remove me as co-creator"
        not in client_for(author).get(f"/works/{work.pk}/").content.decode()
    )
    response = client_for(author).post(f"/works/{work.pk}/leave/")
    assert "only creator" in response.content.decode()
    with pytest.raises(ValidationError, match="only creator"):
        leave_work(author, work)
    assert _credited(work) == ["author"]
    assert client.post(f"/works/{work.pk}/leave/").status_code == 404


def test_members_who_turned_invitations_off_cannot_be_invited(author: User, reader: User) -> None:
    client_for(reader).post("/preferences/gifts/", {"allow_gifts": "on"})
    work = make_work(author)
    response = client_for(author).post(
        f"/works/{work.pk}/edit/", _edit_data(co_creators="reader", title="Changed")
    )
    assert "reader does not accept co-creator invitations." in response.content.decode()
    assert Work.objects.get(pk=work.pk).title == "Dome Weather"  # nothing saved
    assert not CreatorInvitation.objects.exists()


def test_members_who_blocked_a_creator_cannot_be_invited(
    author: User, reader: User, stranger: User
) -> None:
    block_user(reader, author)
    with pytest.raises(ValidationError, match="does not accept co-creator invitations from you"):
        make_work(author, co_creators=["reader"])
    # Nor by a co-creator of a work the blocked member is credited on.
    work = make_work(stranger, co_creators=["author"])
    accept_invitation(author, CreatorInvitation.objects.get().pk)
    with pytest.raises(ValidationError, match="from you"):
        invite_co_creators(stranger, work, ["reader"])


def test_unknown_own_and_ambiguous_names_are_refused(author: User, reader: User) -> None:
    with pytest.raises(ValidationError, match="No member has a pseud named “nobody”"):
        make_work(author, co_creators=["nobody"])
    add_pseud(author, "Other Me")
    with pytest.raises(ValidationError, match="your own pseud"):
        make_work(author, co_creators=["Other Me"])
    assert not Work.objects.exists()


def test_invitations_can_be_withdrawn_and_are_not_repeated(author: User, reader: User) -> None:
    work = make_work(author, co_creators=["reader"])
    data = WorkInput(title="T", fandoms=["F"], warnings=["No Archive Warnings Apply"])
    data.co_creators = ["reader"]
    update_work(author, work, data)
    assert CreatorInvitation.objects.count() == 1
    assert Notification.objects.filter(recipient=reader).count() == 1
    data.co_creators = []
    update_work(author, work, data)
    assert not CreatorInvitation.objects.exists()
    assert not Creatorship.objects.filter(pseud__user=reader).exists()


def test_the_api_invites_co_creators_and_gives_gifts(
    author: User, reader: User, stranger: User
) -> None:
    work = make_work(author)
    response = call(
        "PATCH",
        f"/api/v1/works/{work.pk}/",
        token_for(author),
        {"co_creators": ["reader"], "gifts": ["Friend", "reader"]},
        schema="Work",
    )
    assert response.status_code == 200, response.content
    assert response.json_body["gifts"] == [
        {"name": "Friend", "username": None, "html_url": None},
        {"name": "reader", "username": "reader", "html_url": "/users/reader/pseuds/reader/"},
    ]
    assert CreatorInvitation.objects.filter(work=work, pseud__user=reader).exists()
    # Omitted, they stay as they are.
    call("PATCH", f"/api/v1/works/{work.pk}/", token_for(author), {"title": "T"})
    assert CreatorInvitation.objects.filter(work=work).exists()
    bad = call("PATCH", f"/api/v1/works/{work.pk}/", token_for(author), {"gifts": ["x" * 101]})
    assert bad.status_code == 400
    block_user(stranger, author)
    blocked = call("PATCH", f"/api/v1/works/{work.pk}/", token_for(author), {"gifts": ["stranger"]})
    assert blocked.status_code == 400
    assert "does not accept gifts from you" in blocked.content.decode()
    assert not Gift.objects.filter(pseud__user=stranger).exists()


def test_hostile_co_creator_names_are_refused_clearly(author: User) -> None:
    work = make_work(author)
    for value in hostile_corpus():
        try:
            with transaction.atomic():
                invite_co_creators(author, work, [value])
        except ValidationError as error:
            assert error.messages and all(m.strip() for m in error.messages), value
    assert not CreatorInvitation.objects.exists()
