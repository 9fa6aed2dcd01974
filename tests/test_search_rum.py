"""PostgreSQL's RUM index of the search documents (migration search 0002): the newest matches
are read from it in id order, and a database without it (a server without the extension)
keeps the GIN index and gives the same results. On SQLite the engine never asks for RUM."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.models import F, OrderBy

from ficarchive.accounts.models import User
from ficarchive.search import engine
from ficarchive.search.engine import NewestFirst, newest_match_ids, search_works, uses_rum
from ficarchive.works.models import Work
from tests.ci import skip_or_fail
from tests.conftest import client_for, make_work

pytestmark = pytest.mark.django_db

rum_migration = importlib.import_module("ficarchive.search.migrations.0002_rum_index")

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the RUM index is PostgreSQL's"
)


def index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = 'search_document'"
        )
        return {name for (name,) in cursor.fetchall()}


def rum_installed() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        return cursor.fetchone() is not None


@pytest.fixture(autouse=True)
def fresh_index_kind() -> Iterator[None]:
    # Each test may drop or add the index (rolled back after it): look again before and after.
    engine.forget_index_kind()
    yield
    engine.forget_index_kind()


@pytest.fixture
def comets(author: User, monkeypatch: pytest.MonkeyPatch) -> dict[str, Work]:
    monkeypatch.setattr(engine, "RANK_LIMIT", 3)
    return {
        "best": make_work(author, "Comet Comet", text="A comet. Another comet."),
        "old": make_work(author, "Old Sky", text="A comet crossed the sky."),
        "plain": make_work(author, "Plain", text="A comet passed."),
        "members": make_work(author, "Members Only", text="A comet: comet.", restricted=True),
        "newer": make_work(author, "Newer", text="The comet came back, comet and all."),
        "draft": make_work(author, "Draft Comet", text="A comet.", draft=True),
        "newest": make_work(author, "Newest", text="One more comet."),
        "nothing": make_work(author, "Unrelated", text="Rain under the dome."),
    }


def shown(q: str) -> tuple[list[str], str]:
    response = client_for(None).get("/works/", {"q": q})
    assert response.status_code == 200
    titles = re.findall(r'class="blurb-title"><a href="/works/\d+/">([^<]*)</a>', response.text)
    return titles, response.text


def what_readers_see() -> dict[str, tuple[list[str], bool]]:
    """The results of a few searches (titles in order, and whether the page said the
    ranking was bounded), as a guest sees them."""
    seen = {}
    for q in ("comet", '"a comet"', "comet -sky", "comet OR rain", "crossed", "nothing here"):
        titles, text = shown(q)
        seen[q] = (titles, "ranked among the newest 3 matches" in text)
    return seen


def drop_rum_keep_gin() -> None:
    """Make the search table what a server without the RUM extension has (migration 0001's
    GIN index), inside the test's transaction."""
    with connection.cursor() as cursor:
        # The index row's deferred foreign key checks must run before the table changes.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(rum_migration.CREATE_GIN)
        cursor.execute(f"DROP INDEX IF EXISTS {rum_migration.RUM_INDEX}")
    engine.forget_index_kind()


def test_sqlite_never_uses_rum() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's answer")
    assert uses_rum() is False


@needs_postgresql
def test_the_migration_made_the_rum_index_when_the_extension_is_there() -> None:
    if not rum_installed():
        skip_or_fail("the rum extension is not installed on this server (postgresql-15-rum)")
    assert rum_migration.RUM_INDEX in index_names()
    assert rum_migration.GIN_INDEX not in index_names()
    assert uses_rum()


@needs_postgresql
def test_the_newest_matches_are_read_from_the_rum_index(comets: dict[str, Work]) -> None:
    if not uses_rum():
        skip_or_fail("no RUM index on this server (install postgresql-15-rum)")
    posted = Work.objects.filter(restricted=False).posted()
    search = search_works(posted, "comet")
    found = posted.filter(search_document__document__matches=search.compiled)
    newest = newest_match_ids(found, 4)
    assert newest == list(found.order_by("-search_document__work").values_list("pk", flat=True)[:4])
    assert newest[0] == comets["newest"].pk
    with connection.cursor() as cursor:
        # A few rows: the planner would sort them; forbid the shortcuts to see the RUM plan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        try:
            ordered = found.order_by(OrderBy(NewestFirst(F("search_document__work"))))
            plan = ordered.values_list("pk", flat=True)[:4].explain()
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")
    assert rum_migration.RUM_INDEX in plan and "Order By" in plan, plan


@needs_postgresql
def test_without_the_rum_index_the_results_are_the_same(comets: dict[str, Work]) -> None:
    with_index = what_readers_see()
    drop_rum_keep_gin()
    assert not uses_rum()
    assert rum_migration.GIN_INDEX in index_names()
    assert what_readers_see() == with_index
    assert with_index["comet"] == (["Newer", "Newest", "Plain"], True)
    assert with_index['"a comet"'][0] and not with_index["nothing here"][0]


@needs_postgresql
def test_the_migration_keeps_gin_without_the_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    drop_rum_keep_gin()
    from django.db import connection as conn

    with conn.schema_editor(atomic=False) as editor:
        monkeypatch.setattr(rum_migration, "rum_available", lambda editor: False)
        rum_migration.add_rum_index(None, editor)
        assert rum_migration.GIN_INDEX in index_names()
        assert rum_migration.RUM_INDEX not in index_names()
        monkeypatch.undo()
        if rum_installed():
            rum_migration.add_rum_index(None, editor)
            assert rum_migration.RUM_INDEX in index_names()
            assert rum_migration.GIN_INDEX not in index_names()
            engine.forget_index_kind()
            assert uses_rum()
