"""The import form keeps the chosen file after an error (held on the server, per user, behind
an unguessable token, for an hour, size-limited, 0600, cleaned up), counts chapters in words,
and the "Post a work" page names every format import takes."""

from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ficarchive.accounts.models import User
from ficarchive.formats import holds
from ficarchive.formats.importers import MAX_IMPORT_BYTES
from ficarchive.works.models import Work
from tests.conftest import client_for, hostile_corpus

pytestmark = pytest.mark.django_db

STORY = b"Title: The Held File\n\nMira lit the lamp.\n\nPip slept by the fire."
CHAPTERS = b"Title: Three\n\nChapter 1\n\nOne.\n\nChapter 2\n\nTwo.\n\nChapter 3\n\nThree."


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "data"
    settings.DATA_DIR = path
    return path


def upload(data: bytes = STORY, name: str = "held.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/plain")


def token_of(page: str) -> str:
    match = re.search(r'<input type="hidden" name="held" value="([^"]+)">', page)
    assert match is not None, "no held file in the form"
    return match.group(1)


def held_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "import-holds").rglob("*.data"))


def fail_once(client: Client, data: bytes = STORY, name: str = "held.txt") -> str:
    """Post the file with a format it is not (an error), return the page."""
    response = client.post("/works/import/", {"file": upload(data, name), "import_format": "epub"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    return response.content.decode()


def test_the_file_is_kept_for_the_retry(author: User, data_dir: Path) -> None:
    client = client_for(author)
    page = fail_once(client)
    assert "Your file “held.txt” is kept" in page
    token = token_of(page)
    [path] = held_files(data_dir)
    assert token not in str(path)  # the disk holds the token's hash only
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    response = client.post("/works/import/", {"held": token, "import_format": ""})
    assert response.status_code == 302
    work = Work.objects.get()
    assert work.title == "The Held File"
    assert held_files(data_dir) == []  # used, so deleted


def test_a_new_file_replaces_the_held_one(author: User) -> None:
    client = client_for(author)
    token = token_of(fail_once(client))
    response = client.post(
        "/works/import/",
        {"held": token, "file": upload(b"Title: Other\n\nNew text here."), "import_format": ""},
    )
    assert response.status_code == 302
    assert Work.objects.get().title == "Other"


def test_another_user_cannot_use_the_token(author: User, stranger: User) -> None:
    token = token_of(fail_once(client_for(author)))
    response = client_for(stranger).post("/works/import/", {"held": token, "import_format": ""})
    assert response.status_code == 200
    assert "choose it again" in response.content.decode()
    assert not Work.objects.exists()


def test_a_held_file_expires(author: User, data_dir: Path) -> None:
    client = client_for(author)
    token = token_of(fail_once(client))
    [path] = held_files(data_dir)
    old = time.time() - holds.HOLD_SECONDS - 60
    os.utime(path, (old, old))
    response = client.post("/works/import/", {"held": token, "import_format": ""})
    assert "choose it again" in response.content.decode()
    assert not Work.objects.exists()
    assert held_files(data_dir) == []


def test_new_holds_sweep_expired_ones_and_cap_each_user(
    author: User, reader: User, data_dir: Path
) -> None:
    fail_once(client_for(reader))
    [stale] = held_files(data_dir)
    old = time.time() - holds.HOLD_SECONDS - 60
    os.utime(stale, (old, old))
    client = client_for(author)
    for number in range(holds.MAX_HOLDS_PER_USER + 2):
        fail_once(client, name=f"try-{number}.txt")
    assert not stale.exists()
    assert len(held_files(data_dir)) == holds.MAX_HOLDS_PER_USER


def test_a_file_over_the_limit_is_not_held(author: User, data_dir: Path) -> None:
    response = client_for(author).post(
        "/works/import/", {"file": upload(b"word " * (3 * 1024 * 1024), "big.txt")}
    )
    assert b"limit" in response.content
    assert b'name="held"' not in response.content
    assert held_files(data_dir) == []
    assert holds.hold_upload(1, "x", b"x" * (MAX_IMPORT_BYTES + 1)) is None


def test_no_file_and_no_token_says_so(author: User) -> None:
    response = client_for(author).post("/works/import/", {"import_format": ""})
    assert "Choose a file to import." in response.content.decode()


def test_hostile_tokens_are_refused_quietly(author: User) -> None:
    client = client_for(author)
    for value in [*hostile_corpus()[:60], "../../etc/passwd", "A" * 43, "a/" * 30]:
        response = client.post("/works/import/", {"held": value, "import_format": ""})
        assert response.status_code == 200
    assert not Work.objects.exists()


def test_it_counts_chapters_in_words(author: User) -> None:
    client = client_for(author)
    one = client.post("/works/import/", {"file": upload()}, follow=True).content.decode()
    assert "as a draft with 1 chapter." in one
    three = client.post(
        "/works/import/", {"file": upload(CHAPTERS, "three.txt")}, follow=True
    ).content.decode()
    assert "as a draft with 3 chapters." in three
    assert "chapter(s)" not in one + three


def test_the_post_a_work_page_names_every_import_format(author: User) -> None:
    page = client_for(author).get("/works/new/").content.decode()
    line = page[page.index("Import from file") :][:200]
    for name in ("plain text", "Markdown", "HTML", "AO3", "EPUB", "Word"):
        assert name in line, name
