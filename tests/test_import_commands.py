"""`ficarchive import` and the web import form, against the project's own story files
(tests/stories/) and, when ../shared/ is there, the real chapter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from ficarchive.accounts.models import User
from ficarchive.works.models import Status, Work
from tests.conftest import OWN_STORIES, shared_file

pytestmark = pytest.mark.django_db

STORY = OWN_STORIES / "lantern-notes.txt"
RAIN = OWN_STORIES / "tides-of-callisto.cp1252.txt"
SMALL_HOURS = OWN_STORIES / "lamplight.md"


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "FICARCHIVE_DATA_DIR": str(data_dir)}
    env.pop("FICARCHIVE_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ficarchive", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_dry_run_json_of_the_real_chapter(tmp_path: Path) -> None:
    story = shared_file("stories", "000_c356fc4fa9ae2df1.txt")
    result = run_cli(
        "import", str(story), "--author", "x", "--dry-run", "--json", data_dir=tmp_path
    )
    assert result.returncode == 0, result.stderr
    work = json.loads(result.stdout)
    for key in (
        "title",
        "summary",
        "notes",
        "end_notes",
        "rating",
        "fandoms",
        "characters",
        "relationships",
        "tags",
        "chapters",
        "suggested_characters",
        "encoding",
        "warnings",
    ):
        assert key in work
    assert "Author" in work["notes"] and "Disclaimer:" in work["notes"]
    assert len(work["chapters"]) == 1
    chapter = work["chapters"][0]
    assert chapter["paragraphs"] == 115
    assert chapter["word_count"] == 4244
    assert "`" not in json.dumps(work, ensure_ascii=False)
    assert {"Julia", "Vicious", "Spike Spiegel"} <= set(work["suggested_characters"])
    assert "hosted at explains" in work["notes"]
    assert chapter["html"].startswith(
        '<p id="p1">The way I recall the events now, everything was gray.'
    )


def test_cli_titles_a_file_without_a_title_after_its_name(
    author: User, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("import", str(STORY), "--author", "author", "--fandom", "Cowboy Bebop")
    assert Work.objects.get().title == "Lantern notes"
    assert "after its file name" in capsys.readouterr().err


def test_cli_rejects_bad_files_with_exit_code_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 40)
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    for path in (empty, junk, big, tmp_path / "missing.txt"):
        result = run_cli("import", str(path), "--author", "x", "--dry-run", data_dir=tmp_path)
        assert result.returncode == 2, (path, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        assert str(path) in result.stderr


def test_cli_imports_and_prints_id_and_path(
    author: User, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("import", str(RAIN), "--author", "author")
    out = capsys.readouterr().out.strip()
    work = Work.objects.get()
    assert out == f"{work.pk} /works/{work.pk}/"
    assert work.title == "Tides of Callisto"
    assert work.status == Status.POSTED
    assert work.rating == "teen"
    assert [c.title for c in work.chapters.order_by("position")] == [
        "The Night Watch",
        "Undertow",
        "The Harbour",
    ]
    assert work.chapter_count == 3
    assert "’" in work.chapters.get(position=1).html


def test_cli_refuses_an_unknown_author() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no user named"):
        call_command("import", str(RAIN), "--author", "ghost")
    assert not Work.objects.exists()


def test_cli_drafts_and_titles(author: User, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import", str(STORY), "--author", "author", "--title", "Gray", "--draft")
    work = Work.objects.get()
    assert work.title == "Gray" and work.status == Status.DRAFT
    assert work.word_count == 0  # drafts count no posted words
    assert work.chapters.get().word_count == 297


def test_cli_wants_a_fandom_to_post(author: User) -> None:
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", str(STORY), "--author", "author", "--title", "Gray")
    assert exit_info.value.code == 2
    assert not Work.objects.exists()
    call_command(
        "import", str(STORY), "--author", "author", "--title", "Gray", "--fandom", "Cowboy Bebop"
    )
    assert Work.objects.get().fandoms[0].name == "Cowboy Bebop"


def test_markdown_front_matter_maps_onto_the_work(author: User) -> None:
    call_command("import", str(SMALL_HOURS), "--author", "author")
    work = Work.objects.get()
    assert work.title == "Lamplight"
    assert work.rating == "general"
    assert work.complete
    assert {t.name for t in work.characters} == {"Bram", "Nettle"}
    assert "No Archive Warnings Apply" in {t.name for t in work.warnings}
    assert [c.title for c in work.chapters.order_by("position")] == ["Wick", "Ember"]
    assert "<hr" in work.chapters.get(position=1).html
    assert work.chapters_label == "2/2"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/plain")


def test_web_import_makes_a_draft(author: User) -> None:
    client = Client()
    client.force_login(author)
    response = client.post(
        "/works/import/", {"file": upload(RAIN.name, RAIN.read_bytes()), "title": ""}
    )
    work = Work.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/works/{work.pk}/edit/"
    assert work.status == Status.DRAFT
    assert work.chapters.count() == 3
    follow = client.get(response["Location"])
    assert b"Windows-1252" in follow.content


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("junk.bin", bytes(range(256)) * 64, ""),
        ("nul.txt", b"Title: x\n\n\x00\x00\x00\x00binary", ""),
    ],
)
def test_web_import_rejects_bad_files_with_a_message(
    author: User, name: str, data: bytes, message: str
) -> None:
    client = Client()
    client.force_login(author)
    response = client.post("/works/import/", {"file": upload(name, data)})
    assert response.status_code == 200
    assert b"errorlist" in response.content or b"form-errors" in response.content
    assert message.lower() in response.content.decode().lower()
    assert not Work.objects.exists()


def test_web_import_titles_an_untitled_file_after_its_name(author: User) -> None:
    client = Client()
    client.force_login(author)
    response = client.post(
        "/works/import/",
        {"file": upload("the_lost_chapter.txt", b"Just one paragraph of story text here.")},
        follow=True,
    )
    assert Work.objects.get().title == "The lost chapter"
    assert "after its file name" in response.content.decode()


def test_web_import_rejects_a_file_over_the_limit(author: User) -> None:
    client = Client()
    client.force_login(author)
    response = client.post(
        "/works/import/", {"file": upload("big.txt", b"word " * (3 * 1024 * 1024))}
    )
    assert response.status_code == 200
    assert b"limit" in response.content
    assert not Work.objects.exists()


def test_web_import_suggests_characters(author: User) -> None:
    client = Client()
    client.force_login(author)
    response = client.post(
        "/works/import/",
        {"file": upload(STORY.name, STORY.read_bytes()), "title": "Gray"},
        follow=True,
    )
    page = response.content.decode()
    assert "Names the story mentions most: Teodor, Ash" in page
    assert Work.objects.get().title == "Gray"


@pytest.mark.parametrize(
    "args",
    [
        ("reindex",),
        ("refresh-filter-tags",),
        ("export", "1", "--format", "txt", "-o", "out.txt"),
        ("import", str(RAIN), "--author", "x"),
    ],
)
def test_commands_on_an_unmigrated_database_say_what_to_do(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = run_cli(*args, data_dir=tmp_path)
    assert result.returncode == 1
    assert "ficarchive migrate" in result.stderr
    assert "Traceback" not in result.stderr
