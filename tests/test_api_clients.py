"""API clients that just work: the OpenAPI document is valid OpenAPI 3.0 (openapi-spec-validator),
and a Python client generated from the live document by openapi-python-client, with no warnings
from the generator, lists works with filters, pages by cursor, posts a work with a chapter, adds
a chapter, leaves kudos and saves a bookmark against a real `ficarchive serve`.

The generated client goes into the test's tmp directory and is imported from there: it is
never committed."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from ficarchive.api.schema import build_openapi
from ficarchive.api.views import OPERATIONS
from tests.browser.conftest import running_server
from tests.ci import skip_or_fail

PACKAGE = "ficarchive_generated_client"


def test_the_openapi_document_is_valid_openapi_3() -> None:
    try:
        from openapi_spec_validator import validate
    except ImportError:
        skip_or_fail("openapi-spec-validator is not installed (pip install -e '.[dev]')")
    document = build_openapi(OPERATIONS)
    validate(document)  # raises on the first problem
    for name, schema in document["components"]["schemas"].items():
        assert schema.get("required", ["x"]) != [], f"{name}: OpenAPI 3.0 forbids required: []"


@pytest.mark.django_db
def test_the_served_document_is_the_valid_one() -> None:
    try:
        from openapi_spec_validator import validate
    except ImportError:
        skip_or_fail("openapi-spec-validator is not installed (pip install -e '.[dev]')")
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    validate(response.json())


def _generator() -> Path | None:
    path = Path(sys.executable).parent / "openapi-python-client"
    return path if path.exists() else None


def _generate(server_url: str, where: Path) -> Any:
    """Generate the client from the live document into `where` and import it."""
    generator = _generator()
    if generator is None:
        skip_or_fail("openapi-python-client is not installed (pip install -e '.[dev]')")
    config = where / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run on the generated code
    result = subprocess.run(
        [
            str(generator), "generate",
            "--url", f"{server_url}/api/v1/openapi.json",
            "--output-path", str(where / PACKAGE),
            "--meta", "none",
            "--config", str(config),
        ],
        cwd=where, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower() and "error" not in output.lower(), output
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))


def _forget_generated() -> None:
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def test_a_generated_client_lists_posts_adds_a_chapter_leaves_kudos_and_bookmarks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if _generator() is None:
        skip_or_fail("openapi-python-client is not installed (pip install -e '.[dev]')")
    monkeypatch.setenv("FICARCHIVE_API_RATE_LIMITS", "off")
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    with running_server(data_dir, "--works", "8", "--seed", "5") as server:
        token = server.manage("api-token", "demo", "--name", "generated client").stdout.strip()
        api = _generate(server.url, tmp_path)
        try:
            _drive(api, server.url, token)
        finally:
            _forget_generated()
        server.check_running()


def _drive(api: Any, url: str, token: str) -> None:
    sub = importlib.import_module
    client = api.AuthenticatedClient(base_url=url, token=token, raise_on_unexpected_status=True)
    models = sub(f"{PACKAGE}.models")
    ops = {
        name: sub(f"{PACKAGE}.api.default.{name}")
        for name in (
            "list_works", "create_work", "add_chapter", "leave_kudos", "save_bookmark",
            "list_chapters", "get_me",
        )
    }  # fmt: skip

    me = ops["get_me"].sync(client=client)
    assert isinstance(me, models.Me) and me.username == "demo"

    # Listing with filters, then the next page by cursor.
    page = ops["list_works"].sync(
        client=client,
        rating=[models.ListWorksRatingItem("general"), models.ListWorksRatingItem("teen")],
        sort=models.ListWorksSort("kudos"),
        per_page=2,
    )
    assert isinstance(page, models.WorkPage), page
    assert len(page.results) <= 2
    assert all(w.rating.value in {"general", "teen"} for w in page.results)
    if page.next_cursor:
        following = ops["list_works"].sync(
            client=client,
            rating=[models.ListWorksRatingItem("general"), models.ListWorksRatingItem("teen")],
            sort=models.ListWorksSort("kudos"),
            per_page=2,
            cursor=page.next_cursor,
        )
        assert isinstance(following, models.WorkPage)
        assert {w.id for w in following.results}.isdisjoint({w.id for w in page.results})

    # Post a work with its first chapter, then add a second.
    body = models.WorkInput(
        title="Made by a generated client",
        fandoms=["Original Work"],
        warnings=[models.WorkInputWarningsItem("No Archive Warnings Apply")],
        rating=models.WorkInputRating("general"),
        chapter=models.WorkInputChapter(text="The first chapter, from a generated client."),
    )
    work = ops["create_work"].sync(client=client, body=body)
    assert isinstance(work, models.Work), work
    assert work.title == "Made by a generated client" and work.status.value == "posted"
    chapter = ops["add_chapter"].sync(
        work.id,
        client=client,
        body=models.ChapterInput(text="The second chapter.", title="Two"),
    )
    assert isinstance(chapter, models.Chapter), chapter
    assert chapter.position == 2
    chapters = ops["list_chapters"].sync(work.id, client=client)
    assert isinstance(chapters, models.ChapterList) and len(chapters.results) == 2

    # Kudos and a bookmark on somebody else's work.
    everything = ops["list_works"].sync(client=client, per_page=100)
    assert isinstance(everything, models.WorkPage)
    theirs = next(w for w in everything.results if all(c.username != "demo" for c in w.creators))
    kudos = ops["leave_kudos"].sync(theirs.id, client=client)
    assert isinstance(kudos, models.Kudos) and kudos.created
    bookmark = ops["save_bookmark"].sync(
        client=client, body=models.BookmarkInput(work=theirs.id, notes="Read again.")
    )
    assert isinstance(bookmark, models.Bookmark) and bookmark.work_id == theirs.id
