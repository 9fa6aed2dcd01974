"""`ficarchive import DIR`: every story file in a folder, one work each, a line per file,
going on past failures; and the web form with the new formats."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from ficarchive.accounts.models import User
from ficarchive.works.models import Status, Work
from tests.conftest import OWN_STORIES, PASSWORD
from tests.test_importers_epub import epub3, make_docx, para
from tests.test_importers_html import ao3_download

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "fics"
    (root / "old").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "a-bridge.html").write_text(ao3_download(), encoding="utf-8")
    (root / "b-harbour.epub").write_bytes(
        epub3([("One", "<p>Fog.</p>"), ("Two", "<p>Gulls.</p>")], extra_meta="")
    )
    (root / "c-lantern.docx").write_bytes(
        make_docx([para("Lantern", style="Title"), para("The wick burned.")])
    )
    (root / "d-broken.epub").write_bytes(b"PK\x03\x04 not really")
    (root / "old" / "e-tides.txt").write_bytes(
        (OWN_STORIES / "tides-of-callisto.cp1252.txt").read_bytes()
    )
    (root / "cover.jpg").write_bytes(b"\xff\xd8\xff")
    (root / ".hidden" / "x.txt").write_text("Title: Hidden\n\nSecret.")
    return root


def test_it_imports_a_folder_and_reports_each_file(
    author: User, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", str(folder), "--author", "author", "--draft")
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    works = list(Work.objects.order_by("pk"))
    assert [w.title for w in works] == [
        "The Stone Bridge",
        "Fog over the Harbour",
        "Lantern",
        "Tides of Callisto",
    ]
    assert all(w.status == Status.DRAFT for w in works)
    assert captured.out.split("\n")[:-1] == [f"{w.pk} /works/{w.pk}/" for w in works]
    err = captured.err
    assert f"a-bridge.html: made work {works[0].pk} (draft): “The Stone Bridge”, 2 chapters" in err
    assert "d-broken.epub: not imported: This EPUB file is damaged" in err
    assert "Skipped 1 file(s) that are not story files (.jpg)." in err
    assert "4 of 5 files imported, 1 failed." in err
    assert "Hidden" not in err + captured.out


def test_it_prints_json_per_file(
    author: User, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "d-broken.epub").unlink()
    shutil.rmtree(folder / "old")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", str(folder), "--author", "author", "--json")
    assert exit_info.value.code == 2
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [Path(line["file"]).name for line in lines] == [
        "a-bridge.html",
        "b-harbour.epub",
        "c-lantern.docx",
    ]
    first = lines[0]
    assert first["chapters"] == 2 and first["draft"] is False and first["words"] > 0
    work = Work.objects.get(pk=first["id"])
    assert work.rating == "teen"
    assert {t.name for t in work.fandoms} == {"Cowboy Bebop"}
    assert {t.name for t in work.warnings} == {
        "Graphic Depictions Of Violence",
        "Major Character Death",
    }
    # One AO3 link holding a comma becomes two tags: commas separate tags here.
    assert {t.name for t in work.freeforms} == {"Angst", "Hurt/Comfort", "sort of"}
    assert work.summary_html == "<p>Two pilots and a <em>bridge</em>.</p>"
    assert work.end_notes_html == "<p>Thank you for reading!</p>"
    first_chapter = work.chapters.get(position=1)
    assert first_chapter.title == "Lamp Oil"
    assert first_chapter.notes_html == "<p>Chapter one notes.</p>"
    assert first_chapter.end_notes_html == "<p>End of chapter one.</p>"
    assert work.complete
    # The files without a fandom could not be posted; they failed, the run went on.
    assert "fandom" in lines[1]["error"] and "fandom" in lines[2]["error"]


def test_an_empty_folder_is_an_error(
    author: User, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", str(tmp_path), "--author", "author")
    assert exit_info.value.code == 2
    assert "No story files found" in capsys.readouterr().err


def test_dry_run_of_a_folder_saves_nothing(
    author: User, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        call_command("import", str(folder), "--author", "author", "--dry-run")
    assert not Work.objects.exists()
    assert "“Fog over the Harbour”, 2 chapters, 2 words (utf-8); dry run" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "data", "title"),
    [
        ("bridge.html", ao3_download().encode(), "The Stone Bridge"),
        ("harbour.epub", epub3([("One", "<p>Fog.</p>")]), "Fog over the Harbour"),
        ("lantern.docx", make_docx([para("Lantern", style="Title"), para("Wick.")]), "Lantern"),
    ],
)
def test_the_web_form_imports_the_new_formats(
    author: User, name: str, data: bytes, title: str
) -> None:
    client = Client()
    assert client.login(username="author", password=PASSWORD)
    response = client.post(
        "/works/import/", {"file": SimpleUploadedFile(name, data), "import_format": ""}
    )
    work = Work.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/works/{work.pk}/edit/"
    assert work.title == title and work.status == Status.DRAFT


def test_the_web_form_reports_a_damaged_epub(author: User) -> None:
    client = Client()
    assert client.login(username="author", password=PASSWORD)
    response = client.post(
        "/works/import/",
        {"file": SimpleUploadedFile("x.epub", b"PK\x03\x04junk"), "import_format": "epub"},
    )
    assert response.status_code == 200
    assert "This EPUB file is damaged" in response.content.decode()
    assert not Work.objects.exists()
