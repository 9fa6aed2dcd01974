"""Downloads carry an absolute link back to the work: from FICARCHIVE_SITE_URL when it is set,
else from the request that built them; a file built without either (the worker's data
export, the CLI) names the path."""

from __future__ import annotations

import os
from typing import Any
from unittest import mock

import pytest
from django.test import Client, override_settings

from ficarchive.accounts.models import User
from ficarchive.core.env import ConfigError, envurl
from ficarchive.formats.downloads import export_bytes, export_document
from ficarchive.works.models import Work
from tests.conftest import make_work
from tests.downloads import get_file

pytestmark = pytest.mark.django_db


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def work(author: User) -> Work:
    return make_work(author)


@override_settings(SITE_URL="", ALLOWED_HOSTS=["fics.example.org"])
def test_a_download_links_back_through_the_requests_host(work: Work) -> None:
    client = Client(HTTP_HOST="fics.example.org")
    html = body(get_file(client, f"/works/{work.pk}/download/html/", secure=True)).decode()
    url = f"https://fics.example.org/works/{work.pk}/"
    assert f'<a href="{url}">{url}</a>' in html
    txt = body(get_file(client, f"/works/{work.pk}/download/txt/", secure=True)).decode()
    assert url in txt


@override_settings(SITE_URL="", ALLOWED_HOSTS=["fics.example.org", "mirror.example.org"])
def test_a_file_cached_for_one_host_is_not_served_to_another(work: Work) -> None:
    first = body(get_file(Client(HTTP_HOST="fics.example.org"), f"/works/{work.pk}/download/html/"))
    second = body(
        get_file(Client(HTTP_HOST="mirror.example.org"), f"/works/{work.pk}/download/html/")
    )
    assert b"http://fics.example.org/works/" in first
    assert b"http://mirror.example.org/works/" in second
    assert b"fics.example.org" not in second


def test_a_bad_host_gets_no_file(work: Work) -> None:
    response = get_file(Client(HTTP_HOST="evil.example"), f"/works/{work.pk}/download/html/")
    assert response.status_code == 400


@override_settings(SITE_URL="https://archive.example/fics")
def test_site_url_wins_over_the_request(work: Work) -> None:
    client = Client(HTTP_HOST="localhost")
    epub = body(get_file(client, f"/works/{work.pk}/download/epub/"))
    assert epub  # a zip: look inside through the exporter's document instead
    document = export_document(Work.objects.for_listing().get(pk=work.pk), include_drafts=False)
    assert document.work_url == f"https://archive.example/fics/works/{work.pk}/"
    html = body(get_file(client, f"/works/{work.pk}/download/html/")).decode()
    assert f'href="https://archive.example/fics/works/{work.pk}/"' in html
    assert "localhost" not in html


@override_settings(SITE_URL="")
def test_without_site_url_or_request_the_file_names_the_path(work: Work) -> None:
    txt = export_bytes(Work.objects.for_listing().get(pk=work.pk), "txt", include_drafts=False)
    assert f"(/works/{work.pk}/)" in txt.decode()


@override_settings(SITE_URL="https://fics.example.org")
def test_the_worker_uses_site_url(work: Work) -> None:
    txt = export_bytes(Work.objects.for_listing().get(pk=work.pk), "txt", include_drafts=False)
    assert f"https://fics.example.org/works/{work.pk}/" in txt.decode()


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("", ""),
        ("https://fics.example.org/", "https://fics.example.org"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("https://example.org/archive/", "https://example.org/archive"),
    ],
)
def test_site_url_is_read_as_an_address(raw: str, value: str) -> None:
    with mock.patch.dict(os.environ, {"FICARCHIVE_SITE_URL": raw}):
        assert envurl("SITE_URL") == value


@pytest.mark.parametrize(
    "raw",
    [
        "fics.example.org",
        "ftp://x.org",
        "https://",
        "https://x.org/?a=1",
        'https://x.org/"a',
        "javascript:alert(1)",
    ],
)
def test_a_bad_site_url_fails_loudly(raw: str) -> None:
    with (
        mock.patch.dict(os.environ, {"FICARCHIVE_SITE_URL": raw}),
        pytest.raises(ConfigError, match="FICARCHIVE_SITE_URL"),
    ):
        envurl("SITE_URL")
