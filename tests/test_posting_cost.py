"""What posting a chapter costs does not grow with the archive: a bounded number of queries,
whatever the number of works and chapters; the index row the post writes is the row a full
reindex writes; and the subscription check reads indexes, not the whole table.

No timings here: bench/writes.py measures them.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ficarchive.accounts.models import User
from ficarchive.search.index import reindex_work
from ficarchive.search.models import TABLE
from ficarchive.subscriptions.models import Subscription
from ficarchive.subscriptions.tasks import subscription_targets
from ficarchive.works.actions import ChapterInput, WorkInput, add_chapter, post_chapter, update_work
from ficarchive.works.models import Chapter, Work
from tests.conftest import make_work

pytestmark = pytest.mark.django_db

# Today's count is 27 (the session, the form token and the chapter's first version included);
# the bound leaves room for a few more, never for one per work or per chapter.
CHAPTER_POST_MAX_QUERIES = 40


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_chapter_queries(client: Client, work: Work, number: int) -> int:
    """Post a chapter through the new-chapter form; return the number of queries it took."""
    form = {
        "chapter_title": f"Part {number}",
        "text": f"Chapter {number} begins.\n\nIt rained again.",
        "chapter_format": "text",
        "intent": "post",
        "submission": f"chapter-token-{work.pk}-{number:04d}",
    }
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/works/{work.pk}/chapters/new/", form)
    assert response.status_code == 302, response.content[:500]
    return len(queries.captured_queries)


def test_it_posts_a_chapter_in_the_same_bounded_number_of_queries_at_any_size(
    author: User,
) -> None:
    work = make_work(author, "Growing")
    client = logged_in(author)
    post_chapter_queries(client, work, 1)  # the first post of a client sets up its session
    small = post_chapter_queries(client, work, 2)

    for index in range(6):
        make_work(author, f"Another {index}")
    for number in range(3, 9):
        add_chapter(author, work, ChapterInput(text=f"Chapter {number}.", text_format="text"))
    large = post_chapter_queries(client, work, 9)

    assert small == large, (small, large)
    assert large <= CHAPTER_POST_MAX_QUERIES
    work.refresh_from_db()
    assert work.chapter_count == 10  # the first chapter, then nine more


def index_row(work: Work) -> tuple[object, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {TABLE} WHERE rowid = %s", [work.pk])  # noqa: S608
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


def assert_index_row_is_a_full_reindex(work: Work) -> None:
    """The work's index row, as the posting path left it, is what a full reindex writes."""
    work.refresh_from_db()
    written = index_row(work)
    reindex_work(work)
    assert written is not None
    assert index_row(work) == written


def test_an_added_chapter_leaves_the_index_row_a_full_reindex_writes(author: User) -> None:
    work = make_work(
        author,
        "Noted",
        summary="A summary with **weight**.",
        notes="Before it all.",
        end_notes="After it all.",
        freeforms=["Rain"],
    )
    for number in (2, 3):
        add_chapter(
            author,
            work,
            ChapterInput(
                text=f"Chapter {number}: the lighthouse keeper counted ships.",
                text_format="text",
                title=f"Ships {number}",
                summary=f"Summary {number}",
                notes=f"Notes {number}",
                end_notes=f"End notes {number}",
            ),
        )
    assert_index_row_is_a_full_reindex(work)


def test_posting_a_draft_chapter_before_the_last_keeps_the_body_in_order(author: User) -> None:
    work = make_work(author, "Out of order")
    draft = add_chapter(
        author, work, ChapterInput(text="Middle marmalade.", text_format="text"), draft=True
    )
    add_chapter(author, work, ChapterInput(text="Last lantern.", text_format="text"))
    post_chapter(author, Chapter.objects.get(pk=draft.pk))
    assert_index_row_is_a_full_reindex(work)


def test_an_added_chapter_keeps_the_tags_changed_before_it(author: User) -> None:
    work = make_work(author, "Retagged")
    update_work(
        author,
        work,
        WorkInput(
            title="Retagged",
            fandoms=["Cowboy Bebop"],
            warnings=["No Archive Warnings Apply"],
            freeforms=["Pineapples"],
            text_format="text",
        ),
    )
    add_chapter(author, work, ChapterInput(text="Second.", text_format="text"))
    assert_index_row_is_a_full_reindex(work)
    assert Work.objects.filter(pk=work.pk, search_document__document__matches="pineapples")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's")
def test_the_subscription_check_reads_indexes_not_the_table(author: User) -> None:
    work = make_work(author)
    plan = Subscription.objects.filter(subscription_targets(work, [author.pk])).explain()
    assert "SCAN subscriptions_subscription" not in plan, plan
    assert "subscription_work_idx" in plan
    assert "subscription_series_idx" in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's row is rebuilt whole")
def test_adding_a_chapter_reads_no_earlier_chapter_text(author: User) -> None:
    work = make_work(author, "Long", text="One.\n\nTwo.")
    add_chapter(author, work, ChapterInput(text="Second.", text_format="text"))
    with CaptureQueriesContext(connection) as queries:
        add_chapter(author, work, ChapterInput(text="Third.", text_format="text"))
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if '"works_chapter"."html"' in sql], reads


@pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's")
def test_finding_one_of_a_creators_works_does_not_list_all_of_them(author: User) -> None:
    work = make_work(author)
    plan = Work.objects.credited_to(author).filter(pk=work.pk).explain()
    assert "LIST SUBQUERY" not in plan, plan
    assert "sqlite_autoindex_works_creatorship_1 (work_id=?)" in plan, plan


def test_credited_to_finds_the_same_works_as_created_by(author: User, reader: User) -> None:
    own = make_work(author, "Mine")
    theirs = make_work(reader, "Theirs")
    for work in (own, theirs):
        assert list(Work.objects.credited_to(author).filter(pk=work.pk)) == list(
            Work.objects.created_by(author).filter(pk=work.pk)
        )
    assert list(Work.objects.credited_to(author)) == [own]
