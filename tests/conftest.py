"""Shared fixtures: three named users (author, reader, stranger) and paths to shared/ files."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from django.test import Client

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.works.actions import ChapterInput, WorkInput, post_work
from ficarchive.works.models import Work

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
STORIES = SHARED / "stories"
CORPORA = SHARED / "corpora"
PASSWORD = "correct horse battery staple 42"


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


@functools.cache
def hostile_corpus() -> tuple[str, ...]:
    """Every non-empty string of the Big List of Naughty Strings and the XSS payload lists."""
    strings: list[str] = [s for s in json.loads((CORPORA / "blns.json").read_text()) if s]
    for path in sorted(CORPORA.glob("xss-*.txt")):
        strings += [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return tuple(strings)


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
