"""A post and the background work it causes are one fact (a transactional outbox).

The fan-out to subscribers used to be enqueued after the post's commit: when that separate
write failed, the chapter was saved, the client was answered with an error (and retried,
doubling the chapter), and nobody was ever notified. Now the task row is written in the
post's own transaction: both are saved, or neither is."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django_tasks_db.models import DBTaskResult

from ficarchive.accounts.models import User
from ficarchive.subscriptions.actions import subscribe_to_work
from ficarchive.works.actions import ChapterInput, add_chapter
from ficarchive.works.models import Chapter
from tests.conftest import make_work

TABLE = DBTaskResult._meta.db_table


@pytest.fixture
def refusing_queue(db: None) -> None:
    """Make the task table refuse every new row, as a full disk or a broken constraint would.
    The trigger is made in the test's transaction, so it goes when the test's changes do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_task() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'the queue refuses new tasks'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_task BEFORE INSERT ON {TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_task()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse_task BEFORE INSERT ON {TABLE} "
                "BEGIN SELECT RAISE(ABORT, 'the queue refuses new tasks'); END"
            )


def test_it_saves_no_chapter_when_its_fan_out_cannot_be_queued(
    refusing_queue: None, author: User, reader: User
) -> None:
    work = make_work(author)
    subscribe_to_work(reader, work)
    chapters_before = Chapter.objects.filter(work=work).count()

    with pytest.raises(DatabaseError), transaction.atomic():
        add_chapter(author, work, ChapterInput(text="More rain.", text_format="text"))

    assert Chapter.objects.filter(work=work).count() == chapters_before


def test_it_queues_the_fan_out_in_the_same_transaction_as_the_chapter(
    author: User, reader: User
) -> None:
    work = make_work(author)
    subscribe_to_work(reader, work)
    with transaction.atomic():
        add_chapter(author, work, ChapterInput(text="More rain.", text_format="text"))
        # Visible inside the post's transaction: written by it, not after it.
        assert DBTaskResult.objects.filter(task_path__endswith="notify_subscribers").exists()
