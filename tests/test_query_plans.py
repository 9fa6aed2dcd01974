"""The listing queries use the indexes made for them, on SQLite and on PostgreSQL.

Each filter shape the benchmark measures is planned with EXPLAIN. On PostgreSQL the test
tables are tiny, so sequential scans are switched off for the plan: the question asked is
whether an index serves the query, not which plan a table of twenty rows deserves.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import QueryDict

from ficarchive.accounts.models import User
from ficarchive.works.listing import apply_filters, order_works, parse_filters
from ficarchive.works.models import Work
from tests.conftest import make_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(author: User) -> None:
    for index in range(12):
        make_work(
            author,
            f"Story {index}",
            rating=("teen", "general")[index % 2],
            fandoms=(("Cowboy Bebop",), ("Trigun",))[index % 3 == 0],
            freeforms=["Angst", "Fluff"][: 1 + index % 2],
        )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@pytest.fixture
def planner() -> Iterator[None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            yield
            cursor.execute("RESET enable_seqscan")
    else:
        yield


def plan_for(query_string: str, *, page: int = 1, user: object = None) -> str:
    base = Work.objects.visible_to(user or AnonymousUser()).posted()  # type: ignore[arg-type]
    f = parse_filters(QueryDict(query_string))
    assert not f.problems
    ordered = order_works(apply_filters(base, f), f.sort)
    offset = (page - 1) * 20
    return ordered.values_list("pk", flat=True)[offset : offset + 20].explain()


SHAPES = {
    "newest": ("", "work_sort_updated_idx"),
    "by kudos": ("sort=kudos", "work_sort_kudos_idx"),
    "by title": ("sort=title", "work_sort_title_idx"),
    "fandom by updated": ("include=Cowboy+Bebop", "work_sort_updated_idx"),
    "two in, one out, rating, by kudos": (
        "include=Cowboy+Bebop&include=Angst&exclude=Fluff&rating=teen&sort=kudos",
        "work_sort_kudos_idx",
    ),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_listing_pages_are_read_in_index_order(archive: None, planner: None, shape: str) -> None:
    query_string, index = SHAPES[shape]
    for page in (1, 500):
        plan = plan_for(query_string, page=page)
        assert index in plan, plan
        if connection.vendor == "sqlite":
            # Read in the index's order: no sorting of the matching rows.
            assert "TEMP B-TREE" not in plan, plan
        else:
            assert "Sort" not in plan.split("->")[1] if "->" in plan else True, plan


@pytest.mark.parametrize("shape", ["fandom by updated", "two in, one out, rating, by kudos"])
def test_tag_filters_probe_the_filter_tag_index(archive: None, planner: None, shape: str) -> None:
    plan = plan_for(SHAPES[shape][0])
    if connection.vendor == "sqlite":
        assert "filtertagging" in plan.lower(), plan
        assert "SCAN tags_filtertagging" not in plan, plan
    else:
        assert "filtertagging" in plan.lower(), plan
        assert "Seq Scan on tags_filtertagging" not in plan, plan
