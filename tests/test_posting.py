"""Posting, previewing, drafting, editing and deleting works and chapters through the views."""

from __future__ import annotations

import pytest
from django.test import Client

from ficarchive.accounts.actions import add_pseud
from ficarchive.accounts.models import User
from ficarchive.works.models import Chapter, Status, Work
from tests.conftest import make_work

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def work_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Rain over Ganymede",
        "rating": "teen",
        "warnings": ["No Archive Warnings Apply"],
        "categories": ["F/M"],
        "fandoms": "The Long Dark Between",
        "relationships": "Mira/Tobias",
        "characters": "Mira Okafor, Tobias Lind",
        "freeforms": "Rain, Domes",
        "text_format": "text",
        "summary": "Two dock workers and a storm.",
        "notes": "My first fic in ages.",
        "end_notes": "Thanks for reading!",
        "language": "en",
        "expected_chapters": "",
        "chapter_title": "The Long Shift",
        "text": "Mira had worked the night shift.\n\nIt had never rained.",
        "intent": "post",
    }
    data.update(changes)
    return data


def test_it_posts_a_work_with_all_its_metadata(author: User) -> None:
    response = logged_in(author).post("/works/new/", work_form())
    work = Work.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/works/{work.pk}/"
    assert work.status == Status.POSTED
    assert work.rating == "teen"
    assert {t.name for t in work.tags.all()} == {
        "No Archive Warnings Apply",
        "F/M",
        "The Long Dark Between",
        "Mira/Tobias",
        "Mira Okafor",
        "Tobias Lind",
        "Rain",
        "Domes",
    }
    assert work.word_count == 10
    assert work.chapter_count == 1
    assert work.published_at is not None
    page = Client().get(f"/works/{work.pk}/").content.decode()
    for text in (
        "Rain over Ganymede",
        "Teen And Up Audiences",
        "Mira/Tobias",
        "Two dock workers",
        "My first fic in ages.",
        "Thanks for reading!",
        "It had never rained.",
        "1/?",
    ):
        assert text in page


def test_preview_saves_nothing(author: User) -> None:
    response = logged_in(author).post("/works/new/", work_form(intent="preview"))
    assert response.status_code == 200
    assert b"Preview" in response.content
    assert b"It had never rained." in response.content
    assert not Work.objects.exists()


def test_it_saves_a_draft(author: User) -> None:
    logged_in(author).post("/works/new/", work_form(intent="draft", fandoms=""))
    work = Work.objects.get()
    assert work.status == Status.DRAFT
    assert work.published_at is None
    response = logged_in(author).post(f"/works/{work.pk}/post/")
    assert response.status_code == 302
    work.refresh_from_db()
    assert work.status == Status.DRAFT, "a work without a fandom cannot be posted"
    logged_in(author).post(f"/works/{work.pk}/edit/", work_form())
    logged_in(author).post(f"/works/{work.pk}/post/")
    work.refresh_from_db()
    assert work.status == Status.POSTED
    assert work.published_at is not None
    assert work.chapters.get().posted


@pytest.mark.parametrize(
    ("field", "length", "message"),
    [
        ("title", 256, "at most 255"),
        ("summary", 1251, "at most 1250"),
        ("notes", 5001, "at most 5000"),
        ("end_notes", 5001, "at most 5000"),
        ("text", 510_001, "at most 510000"),
    ],
)
def test_it_enforces_length_limits_with_a_clear_message(
    author: User, field: str, length: int, message: str
) -> None:
    response = logged_in(author).post("/works/new/", work_form(**{field: "x" * length}))
    assert response.status_code == 200
    assert message in response.content.decode().replace(",", "")
    assert not Work.objects.exists()


def test_it_requires_title_fandom_and_text(author: User) -> None:
    response = logged_in(author).post("/works/new/", work_form(title="", fandoms="", text=" "))
    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in page
    assert "Work text is empty" in page or "This field is required." in page
    assert not Work.objects.exists()


def test_it_credits_chosen_pseuds(author: User) -> None:
    pen = add_pseud(author, "Quiet Orbit")
    logged_in(author).post("/works/new/", work_form(creators=[pen.pk]))
    work = Work.objects.get()
    assert [p.name for p in work.creator_pseuds()] == ["Quiet Orbit"]
    assert b"Rain over Ganymede" in Client().get("/users/author/pseuds/Quiet Orbit/").content


def test_it_refuses_someone_elses_pseud(author: User, stranger: User) -> None:
    add_pseud(author, "Second Name")
    response = logged_in(author).post(
        "/works/new/", work_form(creators=[stranger.default_pseud().pk])
    )
    assert response.status_code == 200
    assert not Work.objects.exists()


def test_it_adds_edits_reorders_and_deletes_chapters(author: User) -> None:
    work = make_work(author)
    client = logged_in(author)
    client.post(
        f"/works/{work.pk}/chapters/new/",
        {
            "chapter_title": "Pressure",
            "text": "Second chapter.",
            "chapter_format": "text",
            "chapter_notes": "",
            "chapter_summary": "",
            "chapter_end_notes": "A/N: more soon",
            "intent": "post",
        },
    )
    work.refresh_from_db()
    assert work.chapter_count == 2
    assert work.chapters_label == "2/?"
    second = work.chapters.get(position=2)
    assert second.end_notes_html
    response = Client().get(f"/works/{work.pk}/chapters/2/")
    assert b"Pressure" in response.content and b"Previous chapter" in response.content
    client.post(
        f"/works/{work.pk}/chapters/2/edit/",
        {
            "chapter_title": "Pressure, revised",
            "text": "Second chapter, longer now.",
            "chapter_format": "text",
            "chapter_notes": "",
            "chapter_summary": "",
            "chapter_end_notes": "",
        },
    )
    second.refresh_from_db()
    assert second.title == "Pressure, revised"
    work.refresh_from_db()
    assert work.word_count == 8 + 4
    first = work.chapters.get(position=1)
    client.post(
        f"/works/{work.pk}/chapters/order/", {f"position_{first.pk}": 2, f"position_{second.pk}": 1}
    )
    assert list(work.chapters.order_by("position").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]
    assert client.get(f"/works/{work.pk}/chapters/1/delete/").status_code == 200
    client.post(f"/works/{work.pk}/chapters/1/delete/")
    assert list(Chapter.objects.filter(work=work).values_list("pk", "position")) == [(first.pk, 1)]
    response = client.post(f"/works/{work.pk}/chapters/1/delete/", follow=True)
    assert "only chapter" in response.content.decode()
    assert Chapter.objects.filter(work=work).count() == 1


def test_it_deletes_a_work_after_confirmation(author: User) -> None:
    work = make_work(author)
    client = logged_in(author)
    assert b"Yes, delete" in client.get(f"/works/{work.pk}/delete/").content
    assert Work.objects.exists()
    client.post(f"/works/{work.pk}/delete/")
    assert not Work.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/works/{id}/edit/",
        "/works/{id}/delete/",
        "/works/{id}/chapters/new/",
        "/works/{id}/chapters/1/edit/",
        "/works/{id}/chapters/1/delete/",
        "/works/{id}/chapters/order/",
    ],
)
def test_only_creators_can_change_a_work(author: User, stranger: User, url: str) -> None:
    work = make_work(author)
    target = url.format(id=work.pk)
    assert logged_in(stranger).get(target).status_code == 404
    assert logged_in(stranger).post(target, {"title": "Hijacked"}).status_code == 404
    assert Client().get(target).status_code == 302
    work.refresh_from_db()
    assert work.title == "Dome Weather"


def test_posting_needs_a_login() -> None:
    response = Client().get("/works/new/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_bad_page_numbers_give_a_message_not_an_error(author: User) -> None:
    make_work(author)
    for raw in ("abc", "99999", "-1", "1e9", "%00"):
        response = Client().get("/works/", {"page": raw})
        assert response.status_code == 200
        assert b"Dome Weather" in response.content


def test_missing_things_are_404_in_the_sites_look() -> None:
    for url in ("/works/999/", "/works/999/chapters/1/", "/users/nobody/", "/tags/Nothing/"):
        response = Client().get(url)
        assert response.status_code == 404
        assert b"Not found" in response.content


def test_it_changes_the_credited_pseud_when_editing(author: User) -> None:
    pen = add_pseud(author, "Night Owl")
    work = make_work(author)
    logged_in(author).post(f"/works/{work.pk}/edit/", work_form(creators=[pen.pk]))
    assert [p.name for p in work.creator_pseuds()] == ["Night Owl"]
