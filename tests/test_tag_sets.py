"""Tag sets (challenges/): owners fill a set, participants nominate tags within the set's
limits while nominations are open, owners approve or reject them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from pytest_django import DjangoAssertNumQueries

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.challenges.actions import TagSetInput, create_tag_set, nominate
from ficarchive.challenges.models import NominationStatus, TagNomination, TagSet
from ficarchive.tags.models import Tag
from tests.conftest import PASSWORD, client_for, hostile_corpus
from tests.htmlcheck import assert_nothing_executable


def form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Yuletide 2026",
        "description": "Rare fandoms only.",
        "co_owners": "",
        "fandom_tags": "Bebop, Trigun",
        "character_tags": "Faye Valentine",
        "relationship_tags": "",
        "freeform_tags": "",
        "fandom_limit": "2",
        "character_limit": "3",
        "relationship_limit": "0",
        "freeform_limit": "0",
    }
    data.update(changes)
    return data


@pytest.fixture
def helper(db: None) -> User:
    return sign_up("helper", "helper@example.org", PASSWORD)


def test_an_owner_makes_a_set_and_everyone_reads_it(author: User, reader: User) -> None:
    response = client_for(author).post("/tag_sets/new/", form())
    assert response.status_code == 302
    tag_set = TagSet.objects.get()
    assert response["Location"] == f"/tag_sets/{tag_set.pk}/"
    assert sorted(tag_set.tags.values_list("name", flat=True)) == [
        "Bebop",
        "Faye Valentine",
        "Trigun",
    ]
    page = client_for(None).get(f"/tag_sets/{tag_set.pk}/").content.decode()
    assert "Fandoms (2)" in page and "Characters (1)" in page
    assert "Faye Valentine" in page and "/edit/" not in page
    listing = client_for(reader).get("/tag_sets/").content.decode()
    assert "Yuletide 2026" in listing and "Tags: 3" in listing


def test_only_owners_change_a_set(author: User, reader: User, helper: User) -> None:
    tag_set = create_tag_set(author, TagSetInput("Set", co_owners=["helper"]))
    assert client_for(reader).get(f"/tag_sets/{tag_set.pk}/edit/").status_code == 404
    assert client_for(reader).post(f"/tag_sets/{tag_set.pk}/delete/").status_code == 404
    response = client_for(helper).post(
        f"/tag_sets/{tag_set.pk}/edit/", form(title="Set", co_owners="author")
    )
    assert response.status_code == 302
    assert tag_set.tags.count() == 3
    # Unknown owners and taken titles are refused with a message; nothing changes.
    response = client_for(author).post("/tag_sets/new/", form(title="SET"))
    assert "There is a tag set called “SET” already" in response.content.decode()
    response = client_for(author).post("/tag_sets/new/", form(co_owners="nobody_here"))
    assert "No member is called nobody_here" in response.content.decode()
    assert TagSet.objects.count() == 1
    assert client_for(author).post(f"/tag_sets/{tag_set.pk}/delete/").status_code == 302
    assert not TagSet.objects.exists()
    assert Tag.objects.filter(name="Trigun").exists()  # the tags stay


def test_nominations_keep_to_the_limits_and_the_dates(author: User, reader: User) -> None:
    tag_set = create_tag_set(
        author,
        TagSetInput("Noms", limits={"fandom": 2}, tags={"fandom": ["Bebop"]}),
    )
    with pytest.raises(ValidationError, match="not taking nominations"):
        nominate(reader, tag_set, {"fandom": ["Trigun"]})
    tag_set.nominations_open = True
    tag_set.save()
    client = client_for(reader)
    response = client.post(
        f"/tag_sets/{tag_set.pk}/nominate/", {"fandom": "Trigun, bebop, Trigun"}, follow=True
    )
    page = response.content.decode()
    assert "Nominated 1 tag(s). Already in the set: bebop." in page
    assert list(TagNomination.objects.values_list("name", flat=True)) == ["Trigun"]
    response = client.post(f"/tag_sets/{tag_set.pk}/nominate/", {"fandom": "Monkey, Lupin"})
    assert "You may nominate at most 2 fandom tag(s)" in response.content.decode()
    assert TagNomination.objects.count() == 1  # nothing of the refused batch was saved
    # A type the set takes none of has no field: nothing to post.
    assert "Characters" not in client.get(f"/tag_sets/{tag_set.pk}/nominate/").content.decode()


def test_owners_approve_and_reject(author: User, reader: User, helper: User) -> None:
    tag_set = create_tag_set(
        author, TagSetInput("Review", nominations_open=True, limits={"character": 2})
    )
    nominate(reader, tag_set, {"character": ["Jet Black", "Ed"]})
    nominate(helper, tag_set, {"character": ["jet black"]})
    jet, ed = (
        TagNomination.objects.get(nominator=reader, name="Jet Black"),
        TagNomination.objects.get(name="Ed"),
    )
    assert client_for(reader).get(f"/tag_sets/{tag_set.pk}/nominations/").status_code == 404
    owner = client_for(author)
    page = owner.get(f"/tag_sets/{tag_set.pk}/nominations/").content.decode()
    assert "Waiting: 3" in page
    response = owner.post(
        f"/tag_sets/{tag_set.pk}/nominations/",
        {"approve": [str(jet.pk), "junk", "99999999999999999999"], "reject": [str(ed.pk)]},
        follow=True,
    )
    assert "Approved 2, rejected 1." in response.content.decode()
    assert list(tag_set.tags.values_list("name", flat=True)) == ["Jet Black"]
    assert set(TagNomination.objects.values_list("status", flat=True)) == {
        NominationStatus.APPROVED,
        NominationStatus.REJECTED,
    }
    mine = client_for(helper).get(f"/tag_sets/{tag_set.pk}/nominate/").content.decode()
    assert "jet black (Character): Approved" in mine


def test_the_list_costs_the_same_queries_for_many_sets(
    author: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for number in range(30):
        create_tag_set(author, TagSetInput(f"Set {number}", tags={"fandom": [f"F{number}"]}))
    client = client_for(None)
    client.get("/tag_sets/")
    with django_assert_max_num_queries(6):
        assert client.get("/tag_sets/?page=2").status_code == 200
    tag_set = TagSet.objects.first()
    assert tag_set is not None
    with django_assert_max_num_queries(6):
        assert client.get(f"/tag_sets/{tag_set.pk}/").status_code == 200


def test_hostile_input_never_breaks_tag_sets(author: User, reader: User) -> None:
    tag_set = create_tag_set(
        author, TagSetInput("Hostile", nominations_open=True, limits={"freeform": 50})
    )
    owner, participant = client_for(author), client_for(reader)
    corpus = hostile_corpus()
    # Each string goes to one field of the set's form in turn (the others valid, so that it
    # reaches the action), to the nomination form, and as an id to the review form.
    fields = ("title", "description", "co_owners", "fandom_tags", "fandom_limit")
    for index, text in enumerate(corpus):
        if index % 2 == 0:
            field = fields[(index // 2) % len(fields)]
            keep_open = {"nominations_open": "on", "freeform_limit": "50"}
            response = owner.post(
                f"/tag_sets/{tag_set.pk}/edit/", form(**{**keep_open, field: text})
            )
            assert response.status_code in (200, 302), text
        elif index % 4 == 1:
            response = participant.post(f"/tag_sets/{tag_set.pk}/nominate/", {"freeform": text})
            assert response.status_code in (200, 302), text
        else:
            response = owner.post(f"/tag_sets/{tag_set.pk}/nominations/", {"approve": text})
            assert response.status_code == 302, text
        if index % 200 == 0 or index == len(corpus) - 1:
            TagNomination.objects.all().delete()
            for url in (f"/tag_sets/{tag_set.pk}/", "/tag_sets/", f"/tag_sets/{tag_set.pk}/edit/"):
                assert_nothing_executable(owner.get(url).content.decode(), page=True)
    for url in ("/tag_sets/?page=-1", "/tag_sets/?page=%00", "/tag_sets/99999999999999999999/"):
        assert owner.get(url).status_code in (200, 400, 404)
    # A huge list is refused by the form with the limit named.
    response = owner.post(f"/tag_sets/{tag_set.pk}/edit/", form(fandom_tags="x," * 300_000))
    assert "at most 400000 characters" in response.content.decode()
