"""Every version kept: each save of a chapter keeps a version (compressed), its creators see
the history with what changed and restore any version (itself a new version), through the
site and the API; the bound is a site setting of at least 50; backups carry the versions;
imported plain text is edited as plain text."""

from __future__ import annotations

import contextlib
import json
import zlib
from dataclasses import fields as dataclass_fields
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.api.actions import create_token
from ficarchive.core.numbers import parse_whole_number
from ficarchive.formats.actions import import_parsed_work
from ficarchive.formats.importers.plaintext import parse_plaintext
from ficarchive.moderation.actions import suspend_user
from ficarchive.revisions.actions import restore_version
from ficarchive.revisions.models import ChapterContent, ChapterVersion
from ficarchive.revisions.versions import prune
from ficarchive.site.actions import save_settings, settings_input
from ficarchive.site.models import SiteSettings
from ficarchive.text.diff import diff_html, paragraphs
from ficarchive.works.actions import ChapterInput, update_chapter
from ficarchive.works.models import Chapter, Work
from tests.conftest import client_for, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable

pytestmark = pytest.mark.django_db


def _chapter(work: Work, position: int = 1) -> Chapter:
    return Chapter.objects.get(work=work, position=position)


def _edit(user: User, work: Work, text: str, **fields: str) -> Chapter:
    return update_chapter(
        user, _chapter(work), ChapterInput(text=text, text_format="text", **fields)
    )


def _numbers(chapter: Chapter) -> list[int]:
    return list(
        ChapterVersion.objects.filter(chapter=chapter)
        .order_by("number")
        .values_list("number", flat=True)
    )


# Recording ---------------------------------------------------------------------------------


def test_each_save_keeps_a_version_and_nothing_is_lost(author: User) -> None:
    work = make_work(author, text="First words.")
    _edit(author, work, "Second words.", title="Arrival")
    _edit(author, work, "Third words here.", notes="A note.")
    chapter = _chapter(work)
    versions = list(ChapterVersion.objects.filter(chapter=chapter).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert [v.content().text for v in versions] == [
        "First words.",
        "Second words.",
        "Third words here.",
    ]
    assert versions[1].content().title == "Arrival"
    assert versions[2].content().notes == "A note."
    assert [v.word_count for v in versions] == [2, 2, 3]
    assert all(v.author_id == author.pk for v in versions)
    assert all(v.content().text_format == "text" for v in versions)


def test_a_save_that_changes_nothing_keeps_no_new_version(author: User) -> None:
    work = make_work(author, text="Same.")
    _edit(author, work, "Same.")
    assert _numbers(_chapter(work)) == [1]


def test_versions_are_stored_compressed(author: User) -> None:
    long_text = "\n\n".join(f"Paragraph {i}: it rained under the dome again." for i in range(400))
    work = make_work(author, text=long_text)
    version = ChapterVersion.objects.get(chapter=_chapter(work))
    raw = bytes(version.data)
    assert len(raw) < len(long_text) / 5
    assert json.loads(zlib.decompress(raw))["text"] == long_text
    assert version.size == len(long_text)


def test_a_chapter_saved_before_versions_were_kept_keeps_its_old_text(author: User) -> None:
    work = make_work(author, text="Written long ago.")
    chapter = _chapter(work)
    ChapterVersion.objects.filter(chapter=chapter).delete()  # as before this feature
    _edit(author, work, "Rewritten today.")
    versions = list(ChapterVersion.objects.filter(chapter=chapter).order_by("number"))
    assert [(v.kind, v.content().text) for v in versions] == [
        ("earlier", "Written long ago."),
        ("saved", "Rewritten today."),
    ]


def test_added_chapters_and_api_updates_keep_versions(author: User) -> None:
    work = make_work(author)
    token = create_token(author, "test")[1]
    client = client_for(None)
    auth = {"Authorization": f"Bearer {token}"}
    response = client.post(
        f"/api/v1/works/{work.pk}/chapters/",
        {"text": "Chapter two.", "text_format": "text"},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 201
    response = client.patch(
        f"/api/v1/works/{work.pk}/chapters/2/",
        {"text": "Chapter two, again."},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 200
    second = _chapter(work, 2)
    texts = [
        v.content().text for v in ChapterVersion.objects.filter(chapter=second).order_by("number")
    ]
    assert texts == ["Chapter two.", "Chapter two, again."]


# The bound ---------------------------------------------------------------------------------


def test_the_oldest_versions_beyond_the_site_bound_are_dropped(author: User) -> None:
    work = make_work(author, text="Version 1.")
    for number in range(2, 56):
        _edit(author, work, f"Version {number}.")
    chapter = _chapter(work)
    assert len(_numbers(chapter)) == 55  # the default bound (200) keeps them all
    staff = author
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    data = settings_input()
    data.chapter_versions_kept = 50
    save_settings(staff, data)
    _edit(author, work, "Version 56.")
    assert _numbers(chapter) == list(range(7, 57))
    assert prune(chapter) == 0


def test_the_bound_can_never_go_below_fifty(author: User) -> None:
    author.is_staff = True
    author.save(update_fields=["is_staff"])
    data = settings_input()
    data.chapter_versions_kept = 49
    with pytest.raises(ValidationError, match="from 50"):
        save_settings(author, data)
    # A row written some other way is still read as at least 50.
    SiteSettings.objects.update_or_create(pk=1, defaults={"chapter_versions_kept": 3})
    work = make_work(author, text="Version 1.")
    for number in range(2, 53):
        _edit(author, work, f"Version {number}.")
    assert len(_numbers(_chapter(work))) == 50


# Restoring ---------------------------------------------------------------------------------


def test_restoring_brings_a_version_back_as_a_new_version(author: User) -> None:
    work = make_work(author, text="First.")
    _edit(author, work, "Second.", title="Two")
    _edit(author, work, "Third.", title="Three")
    chapter = restore_version(author, _chapter(work), 1)
    assert chapter.text == "First."
    assert chapter.title == ""
    assert "First." in chapter.html
    newest = ChapterVersion.objects.filter(chapter=chapter).order_by("-number").first()
    assert newest is not None
    assert (newest.number, newest.kind, newest.restored_from) == (4, "restored", 1)
    assert _numbers(chapter) == [1, 2, 3, 4]
    work.refresh_from_db()
    assert work.word_count == 1


def test_only_creators_restore_and_not_when_suspended(
    author: User, stranger: User, reader: User
) -> None:
    work = make_work(author, text="First.")
    _edit(author, work, "Second.")
    with pytest.raises(PermissionDenied):
        restore_version(stranger, _chapter(work), 1)
    reader.is_staff = True
    reader.save(update_fields=["is_staff"])
    suspend_user(reader, author, timezone.now() + timedelta(days=3), "Spam")
    with pytest.raises(PermissionDenied):
        restore_version(author, _chapter(work), 1)
    assert _chapter(work).text == "Second."


def test_restoring_a_missing_version_says_so(author: User) -> None:
    work = make_work(author)
    for number in (0, 99, 2**31, 10**17):
        with pytest.raises(ValidationError, match="no version"):
            restore_version(author, _chapter(work), number)


# The history page --------------------------------------------------------------------------


def test_the_history_page_shows_dates_words_and_a_readable_diff(author: User) -> None:
    work = make_work(author, text="It rained under the dome.\n\nNobody believed it.")
    _edit(author, work, "It snowed under the dome.\n\nNobody believed it.")
    page = client_for(author).get(f"/works/{work.pk}/chapters/1/history/").content.decode()
    assert "Version 2 (current)" in page
    assert "Version 1" in page
    assert "<del>rained</del><ins>snowed</ins>" in page
    assert "Words: 8" in page
    assert 'name="restore" value="1"' in page
    assert 'name="restore" value="2"' not in page  # the current one needs no restoring
    assert " style=" not in page
    edit = client_for(author).get(f"/works/{work.pk}/chapters/1/edit/").content.decode()
    assert f'href="/works/{work.pk}/chapters/1/history/"' in edit


def test_restoring_from_the_history_page(author: User) -> None:
    work = make_work(author, text="First.")
    _edit(author, work, "Second.")
    client = client_for(author)
    url = f"/works/{work.pk}/chapters/1/history/"
    response = client.post(url, {"restore": "1"})
    assert response.status_code == 302
    assert _chapter(work).text == "First."
    page = client.get(url).content.decode()
    assert "Version 1 restored" in page
    assert "restores version 1" in page


def test_other_people_get_a_404_for_the_history(author: User, reader: User) -> None:
    work = make_work(author, text="First.")
    _edit(author, work, "Second.")
    url = f"/works/{work.pk}/chapters/1/history/"
    assert client_for(reader).get(url).status_code == 404
    assert client_for(reader).post(url, {"restore": "1"}).status_code == 404
    assert client_for(None).get(url).status_code == 302  # to the log-in page
    assert client_for(author).get(f"/works/{work.pk}/chapters/9/history/").status_code == 404
    assert _chapter(work).text == "Second."


def test_a_suspended_creator_sees_the_history_but_cannot_restore(
    author: User, reader: User
) -> None:
    work = make_work(author, text="First.")
    _edit(author, work, "Second.")
    reader.is_staff = True
    reader.save(update_fields=["is_staff"])
    suspend_user(reader, author, timezone.now() + timedelta(days=3), "Spam")
    client = client_for(author)
    url = f"/works/{work.pk}/chapters/1/history/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"restore": "1"}).status_code == 403
    assert _chapter(work).text == "Second."


def test_hostile_restore_ids_never_fail(author: User) -> None:
    work = make_work(author, text="First.")
    _edit(author, work, "Second.")
    client = client_for(author)
    url = f"/works/{work.pk}/chapters/1/history/"
    for value in (*hostile_corpus(), "-1", "0", "99999999999999999999", "1.5", "²", "١"):
        if parse_whole_number(value) in {1, 2}:
            continue  # a real version number ("1" is in the project's own corpus)
        response = client.post(url, {"restore": value})
        assert response.status_code == 302, value
    assert _chapter(work).text == "Second."
    assert _numbers(_chapter(work)) == [1, 2]


def test_hostile_text_is_escaped_in_the_history(author: User) -> None:
    work = make_work(author, text="Plain.")
    for value in hostile_corpus()[:60]:
        with contextlib.suppress(ValidationError):  # text with nothing left to show
            _edit(author, work, value, title=value[:200])
    assert len(_numbers(_chapter(work))) > 10
    response = client_for(author).get(f"/works/{work.pk}/chapters/1/history/")
    assert response.status_code == 200
    assert_nothing_executable(response.content.decode(), page=True)


def test_the_history_page_takes_a_fixed_number_of_queries(author: User) -> None:
    work = make_work(author, text="Version 1.")
    client = client_for(author)
    url = f"/works/{work.pk}/chapters/1/history/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(2, 25):
        _edit(author, work, f"Version {number}.")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
        assert client.get(url + "?page=2").status_code == 200
    assert len(many) <= 2 * len(few) + 2, [q["sql"] for q in many.captured_queries]


# The API -----------------------------------------------------------------------------------


def test_the_api_lists_and_restores_versions_for_creators(author: User, reader: User) -> None:
    work = make_work(author, text="First.")
    _edit(author, work, "Second words.")
    token = create_token(author, "test")[1]
    client = client_for(None)
    auth = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/works/{work.pk}/chapters/1/versions/"
    data = client.get(url, headers=auth).json()
    assert data["count"] == 2
    assert [(v["number"], v["words"], v["text"], v["current"]) for v in data["results"]] == [
        (2, 2, "Second words.", True),
        (1, 1, "First.", False),
    ]
    assert data["results"][0]["created_at"]
    response = client.post(data["results"][1]["restore_url"], headers=auth)
    assert response.status_code == 200
    assert "First." in response.json()["html"]
    assert _chapter(work).text == "First."
    assert client.get(url, headers=auth).json()["count"] == 3

    other = {"Authorization": f"Bearer {create_token(reader, 'test')[1]}"}
    assert client.get(url, headers=other).status_code == 403
    assert client.post(f"{url}1/restore/", headers=other).status_code == 403
    assert client.get(url).status_code == 401
    for number in ("0", "99", "9223372036854775808"):
        assert client.post(f"{url}{number}/restore/", headers=auth).status_code in {400, 404}
    assert (
        client.get(f"/api/v1/works/{work.pk}/chapters/7/versions/", headers=auth).status_code == 404
    )


def test_the_api_document_lists_the_version_operations() -> None:
    document = client_for(None).get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert "get" in paths["/api/v1/works/{work_id}/chapters/{position}/versions/"]
    restore = "/api/v1/works/{work_id}/chapters/{position}/versions/{number}/restore/"
    assert "post" in paths[restore]
    assert "ChapterVersion" in document["components"]["schemas"]


# Backups -----------------------------------------------------------------------------------


def test_backups_carry_the_versions(author: User, tmp_path: Path) -> None:
    from tests.test_backup import export, fresh_database, restore

    work = make_work(author, text="First.")
    _edit(author, work, "Second.")
    restore_version(author, _chapter(work), 1)
    before = [
        (v.number, v.kind, v.restored_from, v.word_count, v.content())
        for v in ChapterVersion.objects.order_by("number")
    ]
    export(tmp_path / "archive")
    fresh_database()
    assert not ChapterVersion.objects.exists()
    restore(tmp_path / "archive")
    after = [
        (v.number, v.kind, v.restored_from, v.word_count, v.content())
        for v in ChapterVersion.objects.order_by("number")
    ]
    assert after == before
    assert len(after) == 3
    assert after[0][4] == ChapterContent(text="First.", text_format="text")


# Sources -----------------------------------------------------------------------------------


def test_imported_plain_text_is_kept_and_edited_as_plain_text(author: User) -> None:
    parsed = parse_plaintext(
        "Title: Rain Check\nFandom: Cowboy Bebop\n\nChapter 1: Wet\n\nA/N: Thanks, Faye.\n\n"
        "It rained under the dome.\n\nNobody believed it.\n\nChapter 2: Dry\n\nThe sun came."
    )
    work = import_parsed_work(author, parsed)
    first = _chapter(work)
    assert first.text_format == "text"
    assert first.text == "It rained under the dome.\n\nNobody believed it."
    assert first.notes == "A/N: Thanks, Faye."
    assert first.html.count("<p") == 2
    page = client_for(author).get(f"/works/{work.pk}/chapters/1/edit/").content.decode()
    assert "It rained under the dome.\n\nNobody believed it.</textarea>" in page
    assert 'value="text" selected' in page or 'value="text" checked' in page
    assert "&lt;p" not in page


def test_html_chapters_are_edited_without_paragraph_ids(author: User) -> None:
    work = make_work(author)
    chapter = _chapter(work)
    Chapter.objects.filter(pk=chapter.pk).update(
        text='<p id="p-1">One.</p><p id="p-2">Two.</p>', text_format="html"
    )
    page = client_for(author).get(f"/works/{work.pk}/chapters/1/edit/").content.decode()
    assert "&lt;p&gt;One.&lt;/p&gt;" in page
    assert "p-1" not in page


# The diff ----------------------------------------------------------------------------------


def test_the_diff_shows_changed_words_and_escapes_everything() -> None:
    assert diff_html("same", "same") == ""
    html = diff_html("<b>One</b> two.\n\nThree.", "<b>One</b> 2.\n\nThree.\n\nFour <i>.")
    assert "&lt;b&gt;One&lt;/b&gt; <del>two</del><ins>2</ins>." in html
    assert "<ins>Four &lt;i&gt;.</ins>" in html
    assert paragraphs("<p>a</p><p>b</p>") == ["<p>a</p>", "<p>b</p>"]
    far = "\n\n".join(f"P{i}" for i in range(30))
    changed = far.replace("P15", "Q15")
    short = diff_html(far, changed)
    assert "P0<" not in short and "P14" in short and "P16" in short


def test_staff_set_the_bound_on_the_settings_page(author: User) -> None:
    author.is_staff = True
    author.save(update_fields=["is_staff"])
    client = client_for(author)
    form = {
        "archive_name": "",
        "notice": "",
        "signup_mode": "open",
        "invitations_per_day": "0",
        "invitation_days": "14",
        "throwaway_domains": "",
    }
    page = client.post("/staff/settings/", {**form, "chapter_versions_kept": "49"})
    assert "greater than or equal to 50" in page.content.decode()
    assert (
        client.post("/staff/settings/", {**form, "chapter_versions_kept": "60"}).status_code == 302
    )
    assert SiteSettings.objects.get().chapter_versions_kept == 60
    client.post("/staff/settings/", form)  # left empty: unchanged
    assert SiteSettings.objects.get().chapter_versions_kept == 60


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("lamplight.md", "markdown"),
        ("lantern-notes.txt", "text"),
        ("tides-of-callisto.cp1252.txt", "text"),
    ],
)
def test_imported_files_keep_their_source_and_read_the_same(
    author: User, name: str, fmt: str
) -> None:
    from ficarchive.formats.importers import parse_file
    from tests.conftest import OWN_STORIES

    parsed = parse_file((OWN_STORIES / name).read_bytes(), filename=name)
    work = import_parsed_work(author, parsed, draft=True)
    chapters = list(Chapter.objects.filter(work=work).order_by("position"))
    assert len(chapters) == len(parsed.chapters)
    for chapter, source in zip(chapters, parsed.chapters, strict=True):
        assert chapter.text_format == fmt
        assert "<p" not in chapter.text
        assert chapter.html == source.html
        assert chapter.word_count == source.word_count


def test_a_version_holds_exactly_the_fields_of_a_chapter_input() -> None:
    # restore_version turns a version's content into a ChapterInput field for field.
    assert [f.name for f in dataclass_fields(ChapterContent)] == [
        f.name for f in dataclass_fields(ChapterInput)
    ]
