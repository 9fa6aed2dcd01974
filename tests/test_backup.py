"""`ficarchive export-archive` and `import-archive`: a round trip loses nothing, on either
engine and across engines; damaged archives are refused with the file and line, with nothing
written."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

from ficarchive.accounts.actions import add_pseud
from ficarchive.accounts.models import User
from ficarchive.backup.archive import (
    MANIFEST,
    NOT_ARCHIVED,
    REBUILT,
    ArchiveError,
    Decoder,
    Keys,
    archive_plan,
    content_counts,
    decode_line,
)
from ficarchive.tags.actions import (
    add_parent,
    clean_tag_name,
    ensure_fixed_tags,
    grant_wrangling,
    make_canonical,
    make_synonym,
)
from ficarchive.tags.models import WRANGLER_GROUP, FilterTagging, Tag, TagParent
from ficarchive.works.actions import ChapterInput, WorkInput, add_chapter, post_work
from ficarchive.works.models import Work
from tests.ci import skip_or_fail
from tests.conftest import PASSWORD, hostile_corpus, make_work

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[1]
PG_HOST = "127.0.0.1"
PG_PORT = 5432


def blns() -> list[str]:
    return [s for s in hostile_corpus() if s.strip()]


def usable_tags(strings: list[str]) -> list[str]:
    """Return the corpus lines that tags may be named (no commas, no markup characters)."""
    tags = []
    for string in strings:
        try:
            if clean_tag_name(string[:100]):
                tags.append(string[:100])
        except ValidationError:
            continue
    return tags


# Content -----------------------------------------------------------------------------------


def build_archive(author: User, reader: User, stranger: User) -> None:
    """Users, pseuds, groups and permissions, works with chapters (drafts too) and tags,
    wrangled tags with synonyms and parents; BLNS lines as titles and tags."""
    add_pseud(author, "Nom de Plume", "A second pen name ✒ ünïcödé.")
    grant_wrangling(reader)
    stranger.user_permissions.add(Permission.objects.get(codename="change_tag"))
    Group.objects.get(name="Tag wranglers").permissions.add(
        Permission.objects.get(codename="view_tag")
    )
    strings = blns()
    tags = usable_tags(strings)
    posted = 0
    for index, title in enumerate(strings[::37]):
        try:
            work = post_work(
                author,
                WorkInput(
                    warnings=["No Archive Warnings Apply"],
                    title=title[:200],
                    summary=strings[(index * 7) % len(strings)],
                    text_format="text",
                    fandoms=["Cowboy Bebop"],
                    characters=["Spike Spiegel", "Faye Valentine"],
                    relationships=["Spike Spiegel/Julia"],
                    freeforms=tags[index * 11 : index * 11 + 11],
                ),
                ChapterInput(
                    text=f"Chapter text {index}: {title}\n\nSecond paragraph.", text_format="text"
                ),
                draft=index % 5 == 4,
            )
        except ValidationError:
            continue  # a corpus line refused as a title
        posted += 1
        if index % 3 == 0:
            add_chapter(
                author,
                work,
                ChapterInput(text="A second chapter, with *emphasis*.", text_format="markdown"),
                draft=index % 2 == 0,
            )
    assert posted >= 10
    make_work(reader, "Reader's Own", fandoms=("Cowboy Bebop", "Trigun"), restricted=True)
    make_work(author, "Draft Only", draft=True)
    # Wrangling: canonical tags, a synonym, parents (a character under its fandom, a meta tag).
    bebop = Tag.objects.get(name="Cowboy Bebop")
    spike = Tag.objects.get(name="Spike Spiegel")
    make_canonical(reader, bebop)
    make_canonical(reader, spike)
    make_work(author, "Synonym user", fandoms=("CB",), characters=["Spike"])
    make_synonym(reader, Tag.objects.get(name="CB"), bebop)
    make_synonym(reader, Tag.objects.get(name="Spike"), spike)
    add_parent(reader, spike, bebop)
    meta = Tag.objects.get_or_create(name="Anime", defaults={"type": "fandom"})[0]
    make_canonical(reader, meta)
    add_parent(reader, bebop, meta)
    assert TagParent.objects.count() >= 2
    add_other_rows(author, reader, stranger)


def add_other_rows(author: User, reader: User, stranger: User) -> None:
    """Rows in the other apps' tables, made through their actions (and a page view for hits
    and reading history): kudos, comments with a reply (a self link), bookmarks, series and
    related works, collections (a sub-collection, members, approved and waiting works), a
    prompt meme (an anonymous prompt, a claim, a fill), subscriptions, notifications, blocks and mutes, reports and sanctions."""
    from ficarchive.blocking.actions import block_user, mute_user
    from ficarchive.bookmarks.actions import BookmarkInput, save_bookmark
    from ficarchive.collections import actions as collections
    from ficarchive.comments.actions import CommentInput, add_comment
    from ficarchive.history.actions import set_paused
    from ficarchive.kudos.actions import leave_kudos
    from ficarchive.moderation.actions import file_report, suspend_user
    from ficarchive.notifications.actions import notify, save_settings
    from ficarchive.prompt_memes import actions as memes
    from ficarchive.series.actions import SeriesInput, add_related_work, add_work, create_series
    from ficarchive.subscriptions.actions import subscribe_to_creator, subscribe_to_work

    work = make_work(author, "Kept Safe", fandoms=("Cowboy Bebop",))
    other = make_work(author, "Inspired", fandoms=("Cowboy Bebop",))
    chapter = work.chapters.get()
    leave_kudos(work, user=reader)
    leave_kudos(work, user=None, guest="guest-key-1")
    first, _ = add_comment(
        work, chapter, CommentInput(text="Loved it ✨ <b>bold</b>", nonce="a" * 32), user=reader
    )
    add_comment(
        work, chapter, CommentInput(text="Thank you!", nonce="b" * 32), user=author, parent=first
    )
    save_bookmark(
        reader, BookmarkInput(notes="Re-read *often*", tags=["comfort", "ünïcödé"]), work=work
    )
    series = create_series(author, SeriesInput(title="Dome Cycle", summary="Two works."))
    add_work(author, series, work)
    add_work(author, series, other)
    add_related_work(author, other, parent_work=work)
    add_related_work(author, work, external_title="Elsewhere", external_url="https://example.org/")
    fest = collections.create_collection(
        reader, collections.CollectionInput(name="Dome_Fest", title="Dome Fest", description="*Hi*")
    )
    year = collections.create_collection(
        reader,
        collections.CollectionInput(
            name="dome_2026", title="Dome 2026", parent="dome_fest", moderated=True
        ),
    )
    collections.add_member(reader, fest, "author", "moderator")
    collections.add_work(author, fest, work)
    collections.add_work(author, year, other)
    meme = memes.save_meme(reader, fest, memes.MemeInput(max_prompts=5))
    prompt = memes.post_prompt(
        reader,
        meme,
        memes.PromptInput(
            "Rain ✨",
            description="<b>Under</b> the dome",
            tags={"fandom": ["Cowboy Bebop"], "character": ["Spike"]},
            url="https://example.org/p",
            anonymous=True,
        ),
    )
    memes.set_work_fills(author, work, [memes.claim_prompt(author, prompt)])
    subscribe_to_work(reader, work)
    subscribe_to_creator(reader, author)
    notify(reader, kind="test", message="Hello “reader”", url="/works/", key="backup-test")
    save_settings(reader, email_on_posted=True, email_on_replies=False)
    block_user(author, stranger)
    mute_user(reader, stranger)
    set_paused(stranger, True)
    moderator = User.objects.create_user("moderator", "mod@example.org", PASSWORD, is_staff=True)
    file_report(reader, target_type="work", target=other, reason="spam", details="Not spam.")
    suspend_user(moderator, stranger, timezone.now() + timedelta(days=3), "Cool down.")
    client = Client()
    client.force_login(reader)
    assert client.get(f"/works/{work.pk}/").status_code == 200
    assert Client().get(f"/works/{work.pk}/").status_code == 200


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every archived model, plus the rebuilt tables, as dicts."""
    rows = {
        plan.label: list(plan.model._base_manager.order_by("pk").values())
        for plan in archive_plan()
    }
    rows["tags.filtertagging"] = [
        {"work_id": work_id, "tag_id": tag_id}
        for work_id, tag_id in FilterTagging.objects.order_by("work_id", "tag_id").values_list(
            "work_id", "tag_id"
        )
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT rowid, title, tags, creators, meta, body FROM search_document ORDER BY rowid"
            )
        else:
            cursor.execute(
                "SELECT rowid, search_document::text, content FROM search_document ORDER BY rowid"
            )
        rows["search.searchdocument"] = [
            {str(column): value for column, value in enumerate(row)} for row in cursor.fetchall()
        ]
    return rows


def empty_database() -> None:
    """Delete every row of every archived, excluded and rebuilt table (the seeded rows too)."""
    plans = archive_plan()
    labels = {plan.label for plan in plans}
    extra = [
        apps.get_model(label)
        for label in NOT_ARCHIVED
        if label not in labels and apps.is_installed(f"ficarchive.{label.split('.')[0]}")
    ]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_document")
        cursor.execute(f"DELETE FROM {quote(FilterTagging._meta.db_table)}")  # noqa: S608
        for model in [*extra, *(plan.model for plan in reversed(plans))]:
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608


def fresh_database() -> None:
    """Leave what a fresh `migrate` makes: the fixed tags and the wranglers' group."""
    empty_database()
    ensure_fixed_tags()
    Group.objects.create(name=WRANGLER_GROUP)
    assert content_counts() == {}


def export(path: Path, *args: str) -> dict[str, Any]:
    call_command("export-archive", str(path), *args, verbosity=0)
    manifest: dict[str, Any] = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    return manifest


def restore(path: Path) -> None:
    call_command("import-archive", str(path), verbosity=0)


@pytest.fixture
def content(author: User, reader: User, stranger: User) -> None:
    build_archive(author, reader, stranger)


@pytest.fixture
def small_content(author: User, stranger: User) -> None:
    """Enough rows for the damaged-archive cases, quickly."""
    stranger.user_permissions.add(Permission.objects.get(codename="change_tag"))
    make_work(author, "Dome Weather", characters=["Spike Spiegel"])
    make_work(author, "Second", freeforms=["Rain"])
    make_work(author, "Draft Only", draft=True)


# Which models ------------------------------------------------------------------------------


def test_it_archives_every_ficarchive_model_or_says_why_not() -> None:
    plans = archive_plan()
    planned = {plan.label for plan in plans}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.app_config.name.startswith("ficarchive.") or meta.proxy:
            continue
        label = meta.label_lower
        assert label in planned or label in NOT_ARCHIVED or label in REBUILT, label
    assert {"auth.group", "auth.group_permissions", "accounts.user_groups"} <= planned
    # Restore order: every model after the models its foreign keys point to (no cycles yet).
    position = {plan.label: index for index, plan in enumerate(plans)}
    for plan in plans:
        for field in plan.model._meta.concrete_fields:
            target = field.related_model
            if target is None or isinstance(target, str):
                continue
            target_label = target._meta.label_lower
            if target_label in position and target_label != plan.label:
                assert position[target_label] < position[plan.label], (plan.label, field.name)


def test_a_fresh_database_counts_as_empty() -> None:
    # Data migrations make the fixed warning and category tags and the wranglers' group: a
    # restore replaces them; nothing else may be there after `migrate`.
    assert content_counts() == {}, (
        "A migration now creates rows: list them in ficarchive.backup.archive._seeded_rows()."
    )


# Round trip --------------------------------------------------------------------------------


def test_it_round_trips_every_row(content: None, tmp_path: Path) -> None:
    before = snapshot()
    manifest = export(tmp_path / "archive", "--include-passwords")
    listed = {entry["model"]: entry for entry in manifest["models"]}
    assert [entry["model"] for entry in manifest["models"]] == [p.label for p in archive_plan()]
    for label, rows in before.items():
        if label in REBUILT:
            continue
        assert listed[label]["rows"] == len(rows), label
        data = (tmp_path / "archive" / listed[label]["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == listed[label]["sha256"]
    assert manifest["format"] == "ficarchive-archive"
    assert manifest["format_version"] == 1
    assert manifest["source_engine"] == connection.vendor
    assert manifest["passwords"] is True
    for label in ("accounts.user", "accounts.pseud", "works.work", "works.chapter", "tags.tag"):
        assert listed[label]["rows"] > 0
    assert listed["works.work"]["rows"] >= 12
    # Every table that holds rows is in the archive with all of them (checked above); these
    # are the ones left empty by build_archive, printed for whoever adds a model:
    print("empty tables:", sorted(label for label, rows in before.items() if not rows))
    assert before["tags.filtertagging"] and before["search.searchdocument"]

    fresh_database()
    assert Work.objects.count() == 0
    restore(tmp_path / "archive")

    after = snapshot()
    assert after.keys() == before.keys()
    for label in before:
        assert after[label] == before[label], label
    # The restored accounts log in with their passwords; new rows get fresh ids.
    assert User.objects.get(username="author").check_password(PASSWORD)
    newest = Tag.objects.create(name="After the restore", type="freeform")
    assert newest.pk > max(row["id"] for row in before["tags.tag"])


def test_passwords_and_emails_are_left_out_when_asked(content: None, tmp_path: Path) -> None:
    export(tmp_path / "archive", "--no-emails")
    lines = (tmp_path / "archive" / "accounts.user.jsonl").read_text(encoding="utf-8")
    users = [json.loads(line) for line in lines.splitlines()]
    assert users and all(user["password"].startswith("!") for user in users)
    assert all(user["email"] == "" for user in users)
    assert "author@example.org" not in "".join(
        p.read_text(encoding="utf-8") for p in (tmp_path / "archive").iterdir()
    )
    fresh_database()
    restore(tmp_path / "archive")
    author = User.objects.get(username="author")
    assert not author.has_usable_password()
    assert not author.check_password(PASSWORD)


def test_it_keeps_emails_by_default(author: User, tmp_path: Path) -> None:
    export(tmp_path / "archive")
    line = (tmp_path / "archive" / "accounts.user.jsonl").read_text(encoding="utf-8")
    assert json.loads(line)["email"] == "author@example.org"
    assert json.loads(line)["password"].startswith("!")
    assert (tmp_path / "archive" / MANIFEST).stat().st_mode & 0o077 == 0


def test_it_refuses_a_database_that_is_not_empty(author: User, tmp_path: Path) -> None:
    make_work(author)
    export(tmp_path / "archive")
    with pytest.raises(CommandError) as error:
        restore(tmp_path / "archive")
    assert error.value.returncode == 2
    assert "not empty" in str(error.value)
    assert "accounts.user: 1 row," in str(error.value)
    assert "works.work: 1 row," in str(error.value)
    assert Work.objects.count() == 1


def test_it_refuses_to_overwrite(author: User, tmp_path: Path) -> None:
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "precious.txt").write_text("keep me")
    with pytest.raises(CommandError, match="already exists"):
        export(tmp_path / "archive")
    assert (tmp_path / "archive" / "precious.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive"]


# Damaged archives --------------------------------------------------------------------------


def resign(archive: Path, file_name: str) -> None:
    """Make the manifest agree with a file edited on purpose (rows, bytes, checksum)."""
    manifest = json.loads((archive / MANIFEST).read_text(encoding="utf-8"))
    data = (archive / file_name).read_bytes()
    for entry in manifest["models"]:
        if entry["file"] == file_name:
            entry["rows"] = data.count(b"\n")
            entry["bytes"] = len(data)
            entry["sha256"] = hashlib.sha256(data).hexdigest()
    (archive / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def edit_line(archive: Path, file_name: str, number: int, change: Callable[[bytes], bytes]) -> None:
    path = archive / file_name
    lines = path.read_bytes().split(b"\n")
    lines[number - 1] = change(lines[number - 1])
    path.write_bytes(b"\n".join(lines))


def set_field(name: str, value: Any) -> Callable[[bytes], bytes]:
    def change(line: bytes) -> bytes:
        row = json.loads(line)
        row[name] = value
        return json.dumps(row, ensure_ascii=False).encode("utf-8")

    return change


def _truncate(archive: Path) -> None:
    path = archive / "works.chapter.jsonl"
    path.write_bytes(path.read_bytes()[:-50])


def _drop_last_line(archive: Path) -> None:
    path = archive / "works.chapter.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))


def _flip_byte(archive: Path) -> None:
    path = archive / "works.work.jsonl"
    data = bytearray(path.read_bytes())
    data[data.index(b"Draft Only") + 1] = ord("a")
    path.write_bytes(bytes(data))


DAMAGE: dict[str, tuple[Callable[[Path], object], str]] = {
    "bad JSON": (
        lambda a: edit_line(a, "works.work.jsonl", 2, lambda line: line[:-1]),
        "works.work.jsonl line 2: not valid JSON",
    ),
    "not an object": (
        lambda a: edit_line(a, "works.work.jsonl", 1, lambda line: b"[1, 2]"),
        "works.work.jsonl line 1: expected a JSON object",
    ),
    "unknown field": (
        lambda a: edit_line(a, "works.work.jsonl", 2, set_field("colour", "red")),
        "works.work.jsonl line 2: unknown field 'colour'",
    ),
    "wrong type": (
        lambda a: edit_line(a, "works.work.jsonl", 2, set_field("word_count", "many")),
        "works.work.jsonl line 2: field 'word_count': expected a whole number, got a string",
    ),
    "negative count": (
        lambda a: edit_line(a, "works.work.jsonl", 1, set_field("word_count", -1)),
        "works.work.jsonl line 1: field 'word_count': -1 is out of range",
    ),
    "null where not allowed": (
        lambda a: edit_line(a, "works.chapter.jsonl", 1, set_field("text", None)),
        "works.chapter.jsonl line 1: field 'text': must not be null",
    ),
    "bad date": (
        lambda a: edit_line(a, "works.work.jsonl", 2, set_field("created_at", "yesterday")),
        "works.work.jsonl line 2: field 'created_at': 'yesterday' is not a valid datetime",
    ),
    "naive date": (
        lambda a: edit_line(
            a, "works.work.jsonl", 2, set_field("created_at", "2024-01-02T03:04:05")
        ),
        "works.work.jsonl line 2: field 'created_at':",
    ),
    "NUL character": (
        lambda a: edit_line(a, "tags.tag.jsonl", 3, set_field("name", "nul\x00tag")),
        "tags.tag.jsonl line 3: field 'name': holds a NUL character",
    ),
    "too long": (
        lambda a: edit_line(a, "tags.tag.jsonl", 3, set_field("name", "x" * 151)),
        "tags.tag.jsonl line 3: field 'name': 151 characters, longer than the column's 150",
    ),
    "missing field": (
        lambda a: edit_line(
            a, "works.chapter.jsonl", 2, lambda line: line.replace(b'"text":', b'"zzz":', 1)
        ),
        "works.chapter.jsonl line 2: unknown field 'zzz'",
    ),
    "not UTF-8": (
        lambda a: edit_line(a, "works.work.jsonl", 1, lambda line: line + b"\xff"),
        "works.work.jsonl line 1: not UTF-8 text",
    ),
    "unknown permission": (
        lambda a: edit_line(
            a,
            "accounts.user_user_permissions.jsonl",
            1,
            set_field("permission_id", ["x", "y", "z"]),
        ),
        "accounts.user_user_permissions.jsonl line 1: field 'permission_id': unknown permission",
    ),
    "truncated": (_truncate, "works.chapter.jsonl line"),
    "a line short": (_drop_last_line, "works.chapter.jsonl: holds"),
    "checksum mismatch": (_flip_byte, "works.work.jsonl: checksum mismatch"),
    "missing file": (
        lambda a: (a / "works.worktag.jsonl").unlink(),
        "works.worktag.jsonl: missing",
    ),
    "missing manifest": (lambda a: (a / MANIFEST).unlink(), "manifest.json: missing"),
    "manifest not JSON": (
        lambda a: (a / MANIFEST).write_text("{", encoding="utf-8"),
        "manifest.json: not valid JSON",
    ),
    "manifest names a path": (
        lambda a: (a / MANIFEST).write_text(
            (a / MANIFEST)
            .read_text(encoding="utf-8")
            .replace('"file": "works.work.jsonl"', '"file": "../works.work.jsonl"'),
            encoding="utf-8",
        ),
        "manifest.json: models[",
    ),
    "unknown model": (
        lambda a: (a / MANIFEST).write_text(
            (a / MANIFEST)
            .read_text(encoding="utf-8")
            .replace('"works.hit"', '"works.nothing"')
            .replace('"works.hit.jsonl"', '"works.nothing.jsonl"'),
            encoding="utf-8",
        ),
        "manifest.json: models[",
    ),
    "newer version": (
        lambda a: (a / MANIFEST).write_text(
            (a / MANIFEST)
            .read_text(encoding="utf-8")
            .replace('"0001_initial"', '"0001_initial", "9999_from_the_future"', 1),
            encoding="utf-8",
        ),
        "9999_from_the_future is unknown here",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_it_refuses_a_damaged_archive_and_writes_nothing(
    small_content: None, tmp_path: Path, damage: str
) -> None:
    archive = tmp_path / "archive"
    export(archive)
    fresh_database()
    fresh = snapshot()
    harm, message = DAMAGE[damage]
    harm(archive)
    with pytest.raises(CommandError) as error:
        restore(archive)
    assert error.value.returncode == 2
    assert message in str(error.value)
    assert snapshot() == fresh


def _duplicate_worktag(archive: Path) -> None:
    path = archive / "works.worktag.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines, lines[-1]]))
    resign(archive, "works.worktag.jsonl")


def _dangling_chapter(archive: Path) -> None:
    edit_line(archive, "works.chapter.jsonl", 1, set_field("work_id", 999_999))
    resign(archive, "works.chapter.jsonl")


@pytest.mark.parametrize(
    ("harm", "message"),
    [
        (_duplicate_worktag, "works.worktag.jsonl line"),
        (_dangling_chapter, "the rows do not fit together"),
    ],
    ids=["duplicate row", "dangling foreign key"],
)
def test_a_failure_in_the_middle_of_the_load_leaves_the_database_empty(
    small_content: None, tmp_path: Path, harm: Callable[[Path], None], message: str
) -> None:
    """The checks pass (the manifest was re-signed), the database refuses the rows late in
    the load: everything loaded before is rolled back, seeded rows included."""
    archive = tmp_path / "archive"
    export(archive)
    fresh_database()
    fresh = snapshot()
    harm(archive)
    with pytest.raises(CommandError) as error:
        restore(archive)
    assert error.value.returncode == 2
    assert message in str(error.value)
    assert content_counts() == {}
    assert snapshot() == fresh


# Command line and other engines ------------------------------------------------------------


def ficarchive(*args: str, database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FICARCHIVE_DATA_DIR": str(data_dir),
        "FICARCHIVE_DATABASE_URL": database_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "ficarchive", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
        timeout=600,
    )


@pytest.fixture
def scratch_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database for a subprocess; dropped afterwards."""
    name = f"ficarchive_backup_x{uuid.uuid4().hex[:8]}"
    admin = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        skip_or_fail(f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} ({error})")
    try:
        yield f"postgres://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_it_restores_across_engines_from_the_command_line(
    content: None, tmp_path: Path, scratch_postgres: str
) -> None:
    """Export from the test database (either engine), restore into a new PostgreSQL and a new
    SQLite database with `python -m ficarchive import-archive`, export each again: every file
    is the same, byte for byte."""
    original = tmp_path / "original"
    manifest = export(original, "--include-passwords")
    files = [entry["file"] for entry in manifest["models"]]
    targets = {
        "postgresql": scratch_postgres,
        "sqlite": f"sqlite:///{tmp_path / 'restored.sqlite3'}",
    }
    for engine, url in targets.items():
        data_dir = tmp_path / f"data-{engine}"
        migrated = ficarchive("migrate", "-v0", database_url=url, data_dir=data_dir)
        assert migrated.returncode == 0, migrated.stderr
        restored = ficarchive("import-archive", str(original), database_url=url, data_dir=data_dir)
        assert restored.returncode == 0, restored.stderr
        assert "Restored" in restored.stdout
        again = tmp_path / f"again-{engine}"
        exported = ficarchive(
            "export-archive", str(again), "--include-passwords", database_url=url, data_dir=data_dir
        )
        assert exported.returncode == 0, exported.stderr
        manifest_again = json.loads((again / MANIFEST).read_text(encoding="utf-8"))
        assert manifest_again["source_engine"] == engine
        for name in files:
            assert (again / name).read_bytes() == (original / name).read_bytes(), (engine, name)
        # Restoring twice is refused; a damaged file is named with its line, exit code 2.
        twice = ficarchive("import-archive", str(original), database_url=url, data_dir=data_dir)
        assert twice.returncode == 2
        assert "not empty" in twice.stderr


def test_the_command_line_names_the_damaged_line(small_content: None, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    export(archive)
    edit_line(archive, "works.work.jsonl", 3, set_field("title", 42))
    url = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    assert ficarchive("migrate", "-v0", database_url=url, data_dir=tmp_path).returncode == 0
    result = ficarchive("import-archive", str(archive), database_url=url, data_dir=tmp_path)
    assert result.returncode == 2
    assert (
        "works.work.jsonl line 3: field 'title': expected a string, got a number" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_hostile_lines_and_values_are_refused_with_a_message() -> None:
    """Every BLNS string, as a whole line and as a value of each kind of column, is either
    read or refused with an ArchiveError naming the file and line: never another exception."""
    plans = {plan.label: plan for plan in archive_plan()}
    decoder = Decoder(Keys.load())
    work, user = plans["works.work"], plans["accounts.user"]
    template = {"id": 1, "title": "t", "created_at": "2026-01-01T00:00:00+00:00"}
    for string in [*blns(), "\x00", "[" * 100_000, "1" * 5000, "NaN", '{"id": 1, "id": 2}']:
        with pytest.raises(ArchiveError, match=r"^works\.work\.jsonl line 7: "):
            decode_line(work, string.encode() + b"\n", decoder, file="works.work.jsonl", line=7)
        for column in ("title", "word_count", "complete", "created_at", "expected_chapters"):
            raw = json.dumps({**template, column: string}).encode() + b"\n"
            try:
                decode_line(work, raw, decoder, file="works.work.jsonl", line=7)
            except ArchiveError as error:
                assert str(error).startswith("works.work.jsonl line 7: field ")
        raw = json.dumps({"id": 1, "username": string, "password": string}).encode() + b"\n"
        with pytest.raises(ArchiveError, match=r"^accounts\.user\.jsonl line 1: "):
            decode_line(user, raw, decoder, file="accounts.user.jsonl", line=1)
