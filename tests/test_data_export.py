""" "Download my data": one ZIP built by the worker, announced in the inbox, private to its
owner, stored with mode 0600, gone after it expires."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from ficarchive.accounts import actions
from ficarchive.accounts.models import DataExport, User
from ficarchive.accounts.tasks import build_data_export
from ficarchive.bookmarks.actions import BookmarkInput, save_bookmark
from ficarchive.history.models import Reading
from ficarchive.notifications.models import Notification
from ficarchive.subscriptions.actions import subscribe_to_work
from tests.conftest import client_for, make_work


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path


def _build(user: User, django_capture_on_commit_callbacks: Any) -> DataExport:
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(user).post("/settings/data/")
    assert response.status_code == 302
    export = DataExport.objects.get(user=user)
    assert export.status == "pending"
    assert len(callbacks) == 1  # the task is enqueued when the request commits
    assert build_data_export.call(export.pk) is True
    export.refresh_from_db()
    return export


def test_it_builds_a_private_zip_of_everything(
    author: User, reader: User, django_capture_on_commit_callbacks: Any
) -> None:
    author.bio = "I write rain."
    author.save(update_fields=["bio"])
    work = make_work(author, "Dome Weather")
    make_work(author, "Unfinished", draft=True)
    theirs = make_work(reader, "Theirs")
    save_bookmark(author, BookmarkInput(notes="so good", private=True), work=theirs)
    subscribe_to_work(author, theirs)
    Reading.objects.create(user=author, work=theirs, last_read_at=timezone.now())

    export = _build(author, django_capture_on_commit_callbacks)
    assert export.status == "ready" and export.size > 0
    assert export.expires_at is not None and export.expires_at > timezone.now() + timedelta(days=6)
    path = actions.exports_dir() / export.file_name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    note = Notification.objects.get(recipient=author, kind="data-export")
    assert note.url == "/settings/data/"

    page = client_for(author).get("/settings/data/").content.decode()
    assert f'href="/settings/data/{export.pk}/download/"' in page
    response = client_for(author).get(f"/settings/data/{export.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())

        def read(name: str) -> Any:
            return json.loads(archive.read(name))

        assert read("profile.json")["username"] == "author"
        assert read("profile.json")["bio"] == "I write rain."
        assert [p["name"] for p in read("pseuds.json")] == ["author"]
        titles = {w["title"] for w in read("works.json")}
        assert titles == {"Dome Weather", "Unfinished"}
        assert f"works/{work.pk}.epub" in names and f"works/{work.pk}.html" in names
        assert b"Dome Weather" in archive.read(f"works/{work.pk}.html")
        assert read("bookmarks.json")[0]["notes"] == "so good"
        assert read("subscriptions.json")[0]["work"] == theirs.pk
        assert read("history.json")[0]["title"] == "Theirs"
        assert {"comments.json", "kudos.json", "series.json", "README.txt"} <= names


def test_only_the_owner_opens_the_link(
    author: User, reader: User, django_capture_on_commit_callbacks: Any
) -> None:
    export = _build(author, django_capture_on_commit_callbacks)
    url = f"/settings/data/{export.pk}/download/"
    assert client_for(reader).get(url).status_code == 404
    guest = client_for(None).get(url)
    assert guest.status_code == 302 and guest["Location"].startswith("/login/")
    assert client_for(author).get("/settings/data/999999/download/").status_code == 404


def test_the_link_expires_and_the_file_goes(
    author: User, django_capture_on_commit_callbacks: Any
) -> None:
    export = _build(author, django_capture_on_commit_callbacks)
    path = actions.exports_dir() / export.file_name
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client_for(author).get(f"/settings/data/{export.pk}/download/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    client_for(author).get("/settings/data/")  # the page sweeps expired exports
    assert not path.exists()
    assert not DataExport.objects.filter(pk=export.pk).exists()


def test_it_limits_how_often_and_reuses_a_pending_export(author: User) -> None:
    first = actions.request_data_export(author)
    assert actions.request_data_export(author).pk == first.pk
    DataExport.objects.filter(pk=first.pk).update(status="ready")
    actions.request_data_export(author)
    DataExport.objects.filter(user=author).update(status="ready")
    actions.request_data_export(author)
    DataExport.objects.filter(user=author).update(status="ready")
    response = client_for(author).post("/settings/data/", follow=True)
    assert "try again tomorrow" in response.content.decode()
    assert DataExport.objects.filter(user=author).count() == 3


def test_a_pending_link_is_not_a_download(author: User) -> None:
    export = actions.request_data_export(author)
    response = client_for(author).get(f"/settings/data/{export.pk}/download/")
    assert response.status_code == 404
    assert "not ready" in response.content.decode()


def test_deleting_the_account_deletes_its_exports(
    author: User, django_capture_on_commit_callbacks: Any
) -> None:
    export = _build(author, django_capture_on_commit_callbacks)
    path = actions.exports_dir() / export.file_name
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_account(
            author, "correct horse battery staple 42", actions.DeletionChoices(works="delete")
        )
    assert not path.exists()
    assert not DataExport.objects.exists()


def test_a_task_for_a_vanished_export_does_nothing(author: User) -> None:
    assert build_data_export.call(123456) is False
