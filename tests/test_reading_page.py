"""The reading page as readers expect it: what ends a chapter and a work (text, chapter end
notes, the work's end notes, kudos, comments), a draft's real figures and no reader actions
on it, and a work that is complete once its posted chapters reach the expected count."""

from __future__ import annotations

import pytest
from django.test import Client

from ficarchive.accounts.models import User
from ficarchive.works.actions import ChapterInput, add_chapter, post_draft_work
from ficarchive.works.models import Work
from tests.conftest import make_work

pytestmark = pytest.mark.django_db


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _two_chapters(author: User, *, draft: bool = False, expected: int | None = None) -> Work:
    work = make_work(
        author,
        text="The first chapter has six words.",
        draft=draft,
        end_notes="Thanks for reading, truly.",
        expected_chapters=expected,
    )
    add_chapter(
        author,
        work,
        ChapterInput(text="Then came four more.", text_format="text", end_notes="See you."),
        draft=draft,
    )
    work.refresh_from_db()
    return work


def _positions(page: str, *markers: str) -> list[int]:
    found = [page.find(marker) for marker in markers]
    assert -1 not in found, dict(zip(markers, found, strict=True))
    return found


def test_the_end_of_the_work_is_text_end_notes_kudos_then_comments(
    author: User, reader: User
) -> None:
    work = _two_chapters(author)
    last = _client(reader).get(f"/works/{work.pk}/chapters/2/").content.decode()
    found = _positions(
        last,
        "Then came four more.",
        'class="chapter-end-notes"',
        'class="end-notes"',
        'id="kudos-end"',
        'class="comments"',
    )
    assert found == sorted(found)
    assert last.count('action="/works/' + str(work.pk) + '/kudos/"') == 2
    assert 'id="kudos"' in last and last.index('id="kudos"') < found[0]
    # The first chapter does not end the work: no work end notes, but kudos before comments.
    first = _client(reader).get(f"/works/{work.pk}/chapters/1/").content.decode()
    assert 'class="end-notes"' not in first
    found = _positions(
        first, "six words", 'id="kudos-end"', 'aria-label="Chapter navigation"', 'class="comments"'
    )
    assert found == sorted(found)
    # The entire work: the work's end notes and kudos come after the last chapter's text.
    full = _client(reader).get(f"/works/{work.pk}/full/").content.decode()
    found = _positions(full, "six words", "Then came four more.", 'class="end-notes"')
    assert found == sorted(found)
    assert full.index('id="kudos-end"') > found[-1]
    assert full.count('id="kudos-end"') == 1


def test_kudos_from_the_end_of_the_work_come_back_to_it(author: User, reader: User) -> None:
    work = make_work(author)
    response = _client(reader).post(f"/works/{work.pk}/kudos/", {"at": "end"})
    assert response["Location"] == f"/works/{work.pk}/#kudos-end"
    page = _client().get(f"/works/{work.pk}/").content.decode()
    assert page.count(f'<a href="/users/{reader.username}/">{reader.username}</a>') == 2


def test_a_draft_shows_its_real_words_and_chapters(author: User) -> None:
    work = _two_chapters(author, draft=True, expected=3)
    assert work.is_draft
    page = _client(author).get(f"/works/{work.pk}/").content.decode()
    assert "Words: 10 · Chapters: 2/3" in " ".join(page.split())
    post_draft_work(author, work)
    work.refresh_from_db()
    page = _client(author).get(f"/works/{work.pk}/").content.decode()
    assert "Words: 10 · Chapters: 2/3" in " ".join(page.split())


def test_a_draft_offers_no_bookmark_kudos_or_comment_box(author: User) -> None:
    work = make_work(author, draft=True)
    page = _client(author).get(f"/works/{work.pk}/").content.decode()
    assert "This work is a draft" in page
    bookmark = f"/works/{work.pk}/bookmark/"
    for absent in ("kudos-box", bookmark, "Mark for later", 'class="comments"', "comment-form"):
        assert absent not in page, absent
    assert "paragraph-comment-link" not in page
    chapter = work.chapters.get()
    response = _client(author).get(f"/works/{work.pk}/comments/?chapter={chapter.pk}")
    assert response.status_code == 404


def test_a_work_is_complete_when_its_posted_chapters_reach_the_expected_count(
    author: User,
) -> None:
    work = make_work(author, expected_chapters=2)
    assert not work.complete
    assert work.chapters_label == "1/2"
    add_chapter(author, work, ChapterInput(text="More.", text_format="text"), draft=True)
    work.refresh_from_db()
    assert not work.complete, "a draft chapter is not posted yet"
    add_chapter(author, work, ChapterInput(text="The end.", text_format="text"))
    work.refresh_from_db()
    assert work.chapter_count == 2
    assert work.complete
    assert work.chapters_label == "2/2"


def test_a_one_chapter_work_expecting_one_chapter_is_complete(author: User) -> None:
    assert make_work(author, expected_chapters=1).complete
    assert not make_work(author, title="Open-ended").complete
