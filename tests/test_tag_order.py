"""A work's fandoms, relationships, characters and additional tags keep the order the writer
gave them (the first relationship is the main pairing): on the work page, in listings, in
downloads, in the API, in feeds, in the data export, through a backup and on re-import."""

from __future__ import annotations

import json
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ficarchive.accounts.models import User
from ficarchive.api.actions import create_token
from ficarchive.feeds.entries import Site, content_html
from ficarchive.formats.actions import import_parsed_work
from ficarchive.formats.downloads import export_bytes, export_document
from ficarchive.formats.importers import parse_file
from ficarchive.tags.models import TagType
from ficarchive.works.actions import update_work
from ficarchive.works.models import Work, WorkTag
from tests.conftest import client_for, make_work

pytestmark = pytest.mark.django_db

RELATIONSHIPS = ["Julia/Spike Spiegel", "Faye Valentine/Julia", "Ed and Ein"]
CHARACTERS = ["Spike Spiegel", "Julia", "Faye Valentine"]
FREEFORMS = ["Rain", "Angst", "Hurt/Comfort"]
FANDOMS = ("Cowboy Bebop", "Carole & Tuesday")


def ordered_work(author: User) -> Work:
    work = make_work(
        author,
        fandoms=FANDOMS,
        relationships=RELATIONSHIPS,
        characters=CHARACTERS,
        freeforms=FREEFORMS,
    )
    return Work.objects.for_listing().get(pk=work.pk)


def names(work: Work, tag_type: str) -> list[str]:
    return [t.name for t in work.tags_of(tag_type)]


def in_page_order(page: str, wanted: list[str], pattern: str = ">{}<") -> list[str]:
    """Return `wanted` sorted by where each first appears in `page` (as a link's text)."""
    positions = {name: page.find(pattern.format(name)) for name in wanted}
    assert all(at >= 0 for at in positions.values()), positions
    return sorted(wanted, key=positions.__getitem__)


def test_it_keeps_the_writers_order(author: User) -> None:
    work = ordered_work(author)
    assert names(work, TagType.FANDOM) == list(FANDOMS)
    assert names(work, TagType.RELATIONSHIP) == RELATIONSHIPS
    assert names(work, TagType.CHARACTER) == CHARACTERS
    assert names(work, TagType.FREEFORM) == FREEFORMS
    # Without the prefetch too (one query per call, ordered in the database).
    plain = Work.objects.get(pk=work.pk)
    assert names(plain, TagType.RELATIONSHIP) == RELATIONSHIPS


def test_an_edit_reorders_adds_and_removes(author: User) -> None:
    from ficarchive.api.views import _current_input

    work = ordered_work(author)
    data = _current_input(work)
    data.relationships = ["Ed and Ein", "New/Pair", "Julia/Spike Spiegel"]
    data.characters = list(reversed(CHARACTERS))
    update_work(author, work, data)
    work = Work.objects.for_listing().get(pk=work.pk)
    assert names(work, TagType.RELATIONSHIP) == ["Ed and Ein", "New/Pair", "Julia/Spike Spiegel"]
    assert names(work, TagType.CHARACTER) == list(reversed(CHARACTERS))
    assert names(work, TagType.FREEFORM) == FREEFORMS
    positions = list(WorkTag.objects.filter(work=work).values_list("position", flat=True))
    assert sorted(positions) == list(range(len(positions)))  # one sequence, no gaps


def test_the_work_page_the_edit_form_and_the_listing_show_it(author: User, reader: User) -> None:
    work = ordered_work(author)
    page = client_for(reader).get(f"/works/{work.pk}/").content.decode()
    assert in_page_order(page, RELATIONSHIPS) == RELATIONSHIPS
    assert in_page_order(page, CHARACTERS) == CHARACTERS
    assert in_page_order(page, FREEFORMS) == FREEFORMS
    form = client_for(author).get(f"/works/{work.pk}/edit/").content.decode()
    assert ", ".join(RELATIONSHIPS) in form
    listing = client_for(reader).get("/works/").content.decode()
    assert in_page_order(listing, RELATIONSHIPS) == RELATIONSHIPS
    assert in_page_order(listing, FREEFORMS) == FREEFORMS


def test_downloads_the_api_feeds_and_the_data_export_keep_it(
    author: User, reader: User, tmp_path: Path
) -> None:
    work = ordered_work(author)
    document = export_document(work, include_drafts=False)
    assert document.relationships == RELATIONSHIPS
    assert document.characters == CHARACTERS
    assert document.freeforms == FREEFORMS
    assert document.fandoms == list(FANDOMS)
    text = export_bytes(work, "txt", include_drafts=False).decode()
    assert in_page_order(text, RELATIONSHIPS, "{}") == RELATIONSHIPS

    body = json.loads(client_for(reader).get(f"/api/v1/works/{work.pk}/").content)
    assert body["relationships"] == RELATIONSHIPS
    assert body["characters"] == CHARACTERS
    assert body["freeforms"] == FREEFORMS

    html = content_html(work, Site(base="https://archive.example"))
    assert in_page_order(html, RELATIONSHIPS) == RELATIONSHIPS

    from ficarchive.accounts.export import _work

    exported = [t["name"] for t in _work(work)["tags"] if t["type"] == TagType.RELATIONSHIP]
    assert exported == RELATIONSHIPS


def test_an_api_patch_keeps_the_order_it_is_given(author: User) -> None:
    work = ordered_work(author)
    token = create_token(author, "test")[1]
    wanted = ["Faye Valentine/Julia", "Ed and Ein", "Julia/Spike Spiegel"]
    response = client_for(None).patch(
        f"/api/v1/works/{work.pk}/",
        data=json.dumps({"relationships": wanted}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["relationships"] == wanted
    assert json.loads(response.content)["characters"] == CHARACTERS


def ao3_html(relationships: list[str]) -> bytes:
    """A small AO3-style HTML download with these relationships, in this order."""

    def dd(values: list[str]) -> str:
        return ", ".join(
            f'<a rel="tag" href="https://ao3.example/tags/{i}">{v}</a>'
            for i, v in enumerate(values)
        )

    return (
        '<!DOCTYPE html><html><head><meta charset="UTF-8">'
        "<title>Order - mira - Fandom [Archive of Our Own]</title></head><body>"
        '<div id="preface"><p class="message"><b>Order</b><br/>Posted originally on the '
        '<a href="https://ao3.example/">Archive of Our Own</a> at '
        '<a href="https://ao3.example/works/1">https://ao3.example/works/1</a>.</p>'
        '<div class="meta"><dl class="tags">'
        f"<dt>Rating:</dt><dd>{dd(['General Audiences'])}</dd>"
        f"<dt>Archive Warning:</dt><dd>{dd(['No Archive Warnings Apply'])}</dd>"
        f"<dt>Fandom:</dt><dd>{dd(['Zed Fandom', 'Alpha Fandom'])}</dd>"
        f"<dt>Relationship:</dt><dd>{dd(relationships)}</dd>"
        f"<dt>Characters:</dt><dd>{dd(['C', 'A', 'B'])}</dd>"
        f"<dt>Additional Tags:</dt><dd>{dd(['Zebras', 'Apples'])}</dd>"
        "<dt>Language:</dt><dd>English</dd>"
        "<dt>Stats:</dt><dd>Published: 2021-03-04 Words: 5 Chapters: 1/1</dd></dl>"
        '<h1>Order</h1><div class="byline">by <a rel="author" '
        'href="https://ao3.example/users/mira">mira</a></div></div></div>'
        '<div id="chapters" class="userstuff"><div class="userstuff">'
        "<p>Five words of story here.</p></div></div></body></html>"
    ).encode()


def test_an_ao3_download_imports_in_its_order_and_round_trips(author: User, reader: User) -> None:
    parsed = parse_file(ao3_html(["B/C", "A/B"]), filename="order.html")
    work = import_parsed_work(author, parsed)
    work = Work.objects.for_listing().get(pk=work.pk)
    assert names(work, TagType.RELATIONSHIP) == ["B/C", "A/B"]
    assert names(work, TagType.FANDOM) == ["Zed Fandom", "Alpha Fandom"]
    assert names(work, TagType.CHARACTER) == ["C", "A", "B"]
    assert names(work, TagType.FREEFORM) == ["Zebras", "Apples"]
    for fmt in ("html", "epub"):
        again = parse_file(export_bytes(work, fmt, include_drafts=False), filename=f"x.{fmt}")
        copy = Work.objects.for_listing().get(pk=import_parsed_work(reader, again).pk)
        for tag_type in (TagType.FANDOM, TagType.RELATIONSHIP, TagType.CHARACTER):
            assert names(copy, tag_type) == names(work, tag_type), (fmt, tag_type)
        assert names(copy, TagType.FREEFORM) == ["Zebras", "Apples"], fmt


def test_listing_blurbs_cost_no_more_queries_for_ordered_tags(author: User, reader: User) -> None:
    for number in range(3):
        make_work(author, f"Work {number}", relationships=RELATIONSHIPS)
    with CaptureQueriesContext(connection) as queries:
        Work.objects.for_listing().filter(pk__gt=0).count()
        works = list(Work.objects.for_listing().order_by("pk"))
        for work in works:
            assert names(work, TagType.RELATIONSHIP) == RELATIONSHIPS
    tag_queries = [q["sql"] for q in queries.captured_queries if "works_worktag" in q["sql"]]
    assert len(tag_queries) == 1
    # The ordering reuses the prefetch's join of the work-tag table, not a second one.
    assert tag_queries[0].upper().count(" JOIN ") == 1, tag_queries[0]


class RawEditor:
    """What the data migration uses of a schema editor (SQLite's cannot open in a test's
    transaction)."""

    def quote_name(self, name: str) -> str:
        return connection.ops.quote_name(name)

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_migration_numbers_existing_rows_by_name(author: User) -> None:
    work = ordered_work(author)
    WorkTag.objects.filter(work=work).update(position=0)
    migration = import_module("ficarchive.works.migrations.0006_worktag_position")
    migration.number_existing(apps, RawEditor())
    work = Work.objects.for_listing().get(pk=work.pk)
    assert names(work, TagType.RELATIONSHIP) == sorted(RELATIONSHIPS)
    assert names(work, TagType.CHARACTER) == sorted(CHARACTERS)
    positions = list(WorkTag.objects.filter(work=work).values_list("position", flat=True))
    assert sorted(positions) == list(range(len(positions)))


def test_a_backup_restores_the_order(author: User, tmp_path: Path) -> None:
    from tests.test_backup import empty_database, export, restore

    work = ordered_work(author)
    export(tmp_path / "archive")
    empty_database()
    restore(tmp_path / "archive")
    copy = Work.objects.for_listing().get(pk=work.pk)
    assert names(copy, TagType.RELATIONSHIP) == RELATIONSHIPS
    assert names(copy, TagType.FREEFORM) == FREEFORMS
