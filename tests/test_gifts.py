"""Gifts: a work given to members' pseuds or to names without an account; notified once it is
posted; listed under the recipient's Gifts with the archive's visibility rules; refused (then
named nowhere) or taken back; refused by members who turned gifts off or blocked a creator."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from ficarchive.accounts.actions import add_pseud
from ficarchive.accounts.models import User
from ficarchive.blocking.actions import block_user, mute_user
from ficarchive.formats.downloads import export_document
from ficarchive.formats.exporters import FORMATS
from ficarchive.gifts.actions import refuse_gift, save_credit_preferences, set_gifts
from ficarchive.gifts.models import Gift
from ficarchive.notifications.models import Notification
from ficarchive.tags.models import Tag
from ficarchive.works.actions import WorkInput, post_draft_work, update_work
from ficarchive.works.models import Work
from tests.conftest import client_for, hostile_corpus, make_work


def _form(**extra: str) -> dict[str, str]:
    return {
        "title": "For You",
        "rating": "general",
        "warnings": "No Archive Warnings Apply",
        "fandoms": "Cowboy Bebop",
        "text_format": "text",
        "text": "A present.",
        "language": "en",
        "comment_permission": "anyone",
        "intent": "post",
        **extra,
    }


def _gift_notes(user: User) -> int:
    return Notification.objects.filter(recipient=user, kind="gift").count()


def test_it_posts_a_gift_from_the_form_and_shows_it_everywhere(author: User, reader: User) -> None:
    response = client_for(author).post("/works/new/", _form(gifts="reader, Someone Offline"))
    assert response.status_code == 302, response.content.decode()[:2000]
    work = Work.objects.get(title="For You")
    page = client_for(None).get(f"/works/{work.pk}/").content.decode()
    assert (
        'class="gift-line">For <a href="/users/reader/pseuds/reader/">reader</a>, Someone Offline'
        in page
    )
    assert "Someone Offline" in client_for(None).get("/works/").content.decode()
    assert _gift_notes(reader) == 1
    gifts = client_for(None).get("/users/reader/gifts/").content.decode()
    assert "For You" in gifts
    api = client_for(None).get(f"/api/v1/works/{work.pk}/").json()
    assert [g["name"] for g in api["gifts"]] == ["reader", "Someone Offline"]


def test_the_edit_form_shows_and_changes_recipients_notifying_only_new_ones(
    author: User, reader: User, stranger: User
) -> None:
    work = make_work(author, gifts=["reader"])
    client = client_for(author)
    assert 'value="reader"' in client.get(f"/works/{work.pk}/edit/").content.decode()
    data = _form(gifts="reader, stranger")
    data.pop("intent")
    assert client.post(f"/works/{work.pk}/edit/", data).status_code == 302
    assert _gift_notes(reader) == 1 and _gift_notes(stranger) == 1
    data["gifts"] = "stranger"
    client.post(f"/works/{work.pk}/edit/", data)
    assert list(Gift.objects.filter(work=work).values_list("pseud__user", flat=True)) == [
        stranger.pk
    ]


def test_a_drafts_recipients_hear_when_it_is_posted(author: User, reader: User) -> None:
    work = make_work(author, draft=True, gifts=["reader"])
    assert _gift_notes(reader) == 0
    assert "Dome Weather" not in client_for(reader).get("/users/reader/gifts/").content.decode()
    post_draft_work(author, work)
    post_draft_work(author, work)
    assert _gift_notes(reader) == 1


def test_a_pseud_can_be_named_with_its_account(author: User, reader: User) -> None:
    pseud = add_pseud(reader, "Robin")
    add_pseud(author, "Robin")
    with pytest.raises(ValidationError, match="Several members"):
        make_work(author, gifts=["Robin"])
    work = make_work(author, gifts=["Robin (reader)"])
    assert Gift.objects.get(work=work).pseud == pseud
    assert "For You" not in client_for(None).get("/users/author/gifts/").content.decode()


def test_members_who_turned_gifts_off_cannot_be_named(author: User, reader: User) -> None:
    client = client_for(reader)
    assert (
        client.post("/preferences/gifts/", {"allow_co_creator_invitations": "on"}).status_code
        == 302
    )
    response = client_for(author).post("/works/new/", _form(gifts="reader"))
    assert response.status_code == 200
    assert "reader does not accept gifts." in response.content.decode()
    assert not Work.objects.exists()
    # The form tells them beforehand.
    assert "turned gifts off" in client_for(author).get("/works/new/").content.decode()


def test_a_member_who_blocked_a_creator_cannot_be_given_a_gift(author: User, reader: User) -> None:
    block_user(reader, author)
    response = client_for(author).post("/works/new/", _form(gifts="reader"))
    assert "reader does not accept gifts from you." in response.content.decode()
    assert not Work.objects.exists()


def test_existing_gifts_stay_when_gifts_are_turned_off(author: User, reader: User) -> None:
    work = make_work(author, gifts=["reader"])
    save_credit_preferences(reader, allow_gifts=False, allow_co_creator_invitations=True)
    update_work(
        author,
        work,
        WorkInput(
            title="Renamed", fandoms=["X"], warnings=["No Archive Warnings Apply"], gifts=["reader"]
        ),
    )
    assert Gift.objects.filter(work=work, pseud__user=reader).exists()


def test_you_cannot_give_your_own_work_to_yourself(author: User) -> None:
    with pytest.raises(ValidationError, match="creator of this work"):
        make_work(author, gifts=["author"])


def test_refusing_a_gift_removes_the_name_everywhere_and_can_be_taken_back(
    author: User, reader: User
) -> None:
    work = make_work(author, gifts=["reader"])
    gift = Gift.objects.get(work=work)
    client = client_for(reader)
    assert "Refuse gift" in client.get(f"/works/{work.pk}/").content.decode()
    assert client.post(f"/gifts/{gift.pk}/refuse/").status_code == 302
    for url in (
        f"/works/{work.pk}/",
        "/works/",
        "/users/reader/gifts/",
        f"/api/v1/works/{work.pk}/",
    ):
        assert "reader/pseuds/reader" not in client_for(None).get(url).content.decode(), url
    # The creators cannot name them again behind their back.
    update_work(
        author,
        work,
        WorkInput(
            title="Again", fandoms=["X"], warnings=["No Archive Warnings Apply"], gifts=["reader"]
        ),
    )
    assert Gift.objects.get(work=work).refused_at is not None
    refused = client.get("/users/reader/gifts/?refused=1").content.decode()
    assert "Again" in refused and "Accept gift" in refused
    client.post(f"/gifts/{gift.pk}/accept/")
    assert "Again" in client_for(None).get("/users/reader/gifts/").content.decode()


def test_nobody_else_can_refuse_or_see_refused_gifts(
    author: User, reader: User, stranger: User
) -> None:
    work = make_work(author, gifts=["reader"])
    gift = Gift.objects.get(work=work)
    assert client_for(stranger).post(f"/gifts/{gift.pk}/refuse/").status_code == 404
    assert client_for(author).post(f"/gifts/{gift.pk}/refuse/").status_code == 404
    with pytest.raises(Exception, match="not yours"):
        refuse_gift(stranger, gift.pk)
    refuse_gift(reader, gift.pk)
    page = client_for(stranger).get("/users/reader/gifts/?refused=1").content.decode()
    assert "Dome Weather" not in page


def test_the_gifts_page_follows_the_archives_visibility(
    author: User, reader: User, stranger: User
) -> None:
    make_work(author, "Public Gift", gifts=["reader"])
    make_work(author, "Members Gift", restricted=True, gifts=["reader"])
    make_work(author, "Draft Gift", draft=True, gifts=["reader"])
    hidden = make_work(author, "Hidden Gift", gifts=["reader"])
    Work.objects.filter(pk=hidden.pk).update(hidden=True)
    guest = client_for(None).get("/users/reader/gifts/").content.decode()
    assert "Public Gift" in guest and "Members Gift" not in guest
    member = client_for(stranger).get("/users/reader/gifts/").content.decode()
    assert "Public Gift" in member and "Members Gift" in member
    for page in (guest, member, client_for(reader).get("/users/reader/gifts/").content.decode()):
        assert "Draft Gift" not in page and "Hidden Gift" not in page
    mute_user(stranger, author)
    assert "Public Gift" not in client_for(stranger).get("/users/reader/gifts/").content.decode()
    assert client_for(None).get("/users/nobody-here/gifts/").status_code == 404


def test_the_gifts_page_is_paged_in_a_fixed_number_of_queries(
    author: User, reader: User, django_assert_max_num_queries: Any
) -> None:
    for i in range(25):
        make_work(author, f"Gift {i}", gifts=["reader", f"Friend {i}"])
    client = client_for(reader)
    with django_assert_max_num_queries(14):
        first = client.get("/users/reader/gifts/").content.decode()
    assert "25 works" in first and "Gift 24" in first and "Gift 0" not in first
    with django_assert_max_num_queries(14):
        second = client.get("/users/reader/gifts/?page=2").content.decode()
    assert "Gift 0" in second
    assert "is not a page number" in client.get("/users/reader/gifts/?page=x").content.decode()


def test_feeds_and_downloads_name_the_recipient(author: User, reader: User) -> None:
    work = make_work(author, gifts=["reader"])
    Tag.objects.filter(name="Cowboy Bebop").update(canonical=True)
    feed = client_for(None).get("/tags/Cowboy%20Bebop/feed.atom").content.decode()
    assert "For reader" in feed
    document = export_document(Work.objects.for_listing().get(pk=work.pk), include_drafts=False)
    assert document.recipients == ["reader"]
    assert "For reader" in FORMATS["txt"].export(document).decode()
    assert '<p class="gift-line">For reader</p>' in FORMATS["html"].export(document).decode()


def test_hostile_recipient_names_are_stored_as_text_or_refused_clearly(
    author: User, reader: User
) -> None:
    work = make_work(author)
    corpus = hostile_corpus()
    for index, value in enumerate(corpus):
        try:
            with transaction.atomic():
                set_gifts(author, work, [value])
        except ValidationError as error:
            assert error.messages and all(m.strip() for m in error.messages), value
            continue
        for gift in Gift.objects.filter(work=work):
            name = gift.recipient_name or gift.display_name
            assert name == name.strip() and 0 < len(name) <= 100, value
            assert "\n" not in name and "\u202e" not in name, value
        if index % 25 == 0:  # the page escapes what it shows
            page = client_for(None).get(f"/works/{work.pk}/").content.decode()
            assert "<script>alert" not in page, value
    # Through the form: a sample, each either saved or sent back with a message.
    client = client_for(author)
    for value in corpus[::40]:
        response = client.post("/works/new/", _form(title="Hostile", gifts=value))
        assert response.status_code in (200, 302), value
        if response.status_code == 200:
            assert "Nothing was saved yet" in response.content.decode(), value
        Work.objects.filter(title="Hostile").delete()


def test_refusing_refuses_the_gift_to_each_of_the_members_pseuds(
    author: User, reader: User
) -> None:
    add_pseud(reader, "Robin")
    work = make_work(author, gifts=["reader", "Robin (reader)", "Friend"])
    refuse_gift(reader, Gift.objects.filter(work=work, pseud__isnull=False).first().pk)  # type: ignore[union-attr]
    assert [g.display_name for g in Gift.objects.accepted().filter(work=work)] == ["Friend"]
    assert "Dome Weather" not in client_for(reader).get("/users/reader/gifts/").content.decode()
