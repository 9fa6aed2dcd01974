"""Shared fixtures: three named users (author, reader, stranger), the project's own story
files and hostile strings, and the files in ../shared/ when they are there.

``../shared/`` (real-shaped stories and public hostile corpora) sits beside the project's own
CI checkout only. Tests that read it call :func:`shared_file`: they run when it is there, are
skipped with the reason in a bare clone, and fail under ``CI=true`` (where it must be there)
unless ``FICARCHIVE_BARE_CLONE=1`` says the run is the deliberate bare-clone one.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.test import Client

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.works.actions import ChapterInput, WorkInput, post_work
from ficarchive.works.models import Work
from tests.ci import in_ci
from tests.hostile import generated_hostile_strings

REPO = Path(__file__).resolve().parents[1]
# FICARCHIVE_SHARED_DIR points elsewhere (a missing folder shows what a bare clone runs).
SHARED = Path(os.environ.get("FICARCHIVE_SHARED_DIR") or REPO.parent / "shared")
STORIES = SHARED / "stories"
CORPORA = SHARED / "corpora"
OWN_STORIES = REPO / "tests" / "stories"
PASSWORD = "correct horse battery staple 42"

# For tests whose writes really commit (on-commit hooks run as in a request). They name every
# app so that the flush after each test truncates with CASCADE: PostgreSQL refuses to truncate
# works_work alone while the search index (an unmanaged table, not flushed) refers to it.
commits = pytest.mark.django_db(
    transaction=True, available_apps=[config.name for config in django_apps.get_app_configs()]
)


@pytest.fixture
def author(db: None) -> User:
    return sign_up("author", "author@example.org", PASSWORD)


@pytest.fixture
def reader(db: None) -> User:
    return sign_up("reader", "reader@example.org", PASSWORD)


@pytest.fixture
def stranger(db: None) -> User:
    return sign_up("stranger", "stranger@example.org", PASSWORD)


def make_work(
    user: User,
    title: str = "Dome Weather",
    *,
    text: str = "It rained under the dome.\n\nNobody believed it.",
    draft: bool = False,
    restricted: bool = False,
    fandoms: tuple[str, ...] = ("Cowboy Bebop",),
    **fields: object,
) -> Work:
    """Post (or save as a draft) a one-chapter work through the posting action. It is rated
    General Audiences (so reading it needs no adult content notice) and carries "No Archive
    Warnings Apply" (posting needs a warning) unless `rating` or `warnings` say otherwise."""
    fields.setdefault("warnings", ["No Archive Warnings Apply"])
    fields.setdefault("rating", "general")
    data = WorkInput(
        title=title,
        fandoms=list(fandoms),
        restricted=restricted,
        text_format="text",
        **fields,  # type: ignore[arg-type]
    )
    return post_work(user, data, ChapterInput(text=text, text_format="text"), draft=draft)


def shared_is_required() -> bool:
    """Return True when ../shared/ must be there: under CI, except the bare-clone run."""
    return in_ci() and not os.environ.get("FICARCHIVE_BARE_CLONE")


def shared_file(*parts: str) -> Path:
    """Return the path of a file in ../shared/; skip the test when it is missing (fail
    under CI, which always has it)."""
    path = SHARED.joinpath(*parts)
    if path.exists():
        return path
    reason = (
        f"needs {path}, which is not there: ../shared/ (real-shaped stories and public "
        "hostile corpora) sits only beside the project's own CI checkout"
    )
    if shared_is_required():
        pytest.fail(f"{reason}; under CI=true it must be there.", pytrace=False)
    pytest.skip(reason)


@functools.cache
def _shared_corpus() -> tuple[str, ...]:
    strings: list[str] = [s for s in json.loads((CORPORA / "blns.json").read_text()) if s]
    for path in sorted(CORPORA.glob("xss-*.txt")):
        strings += [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return tuple(strings)


def shared_corpus() -> tuple[str, ...]:
    """Every non-empty string of the Big List of Naughty Strings and the XSS payload lists
    in ../shared/corpora/ (skips or fails the test as :func:`shared_file` does)."""
    shared_file("corpora", "blns.json")
    return _shared_corpus()


@functools.cache
def _own_corpus() -> tuple[str, ...]:
    # Without NUL bytes, as in the public corpora: the site answers a form or query holding
    # NUL with 400 before any view runs (tests/test_hostile_input.py checks that apart).
    return tuple(s for s in generated_hostile_strings() if "\x00" not in s)


def hostile_corpus() -> tuple[str, ...]:
    """The project's own hostile strings (:mod:`tests.hostile`, NUL bytes left out); where the
    public corpora of ../shared/corpora/ are there (under CI they must be), those corpora with
    every fourth of the project's own (CI's bare-clone run goes through all of them): each
    string costs a request in many tests."""
    own = _own_corpus()
    if not (CORPORA / "blns.json").exists() and not shared_is_required():
        return own
    return _with_shared(shared_corpus())


@functools.cache
def _with_shared(shared: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_own_corpus()[::4] + shared))


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: cached counts and tag sizes of one test's
    database must not leak into the next."""
    from django.core.cache import cache

    cache.clear()


def client_for(user: User | None) -> Client:
    """Return a test client, logged in as `user` (or a guest for None)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
