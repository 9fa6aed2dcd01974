"""`ficarchive worker` for real: a fan-out to 300 subscribers, the worker killed with SIGKILL
in the middle (twice), restarted, and every subscriber has exactly one notification and no
email went out twice.

The worker runs as a subprocess on a scratch database of its own (a new PostgreSQL database
when the test run uses PostgreSQL, else a SQLite file), set up with `python -m ficarchive
migrate`; the test reads that database with plain SQL, not through Django.
"""

from __future__ import annotations

import email
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.utils import timezone

from scripts.cluster import fresh_database
from tests.tasks import UNFINISHED

SUBSCRIBERS = 300
WITH_EMAIL = 200  # subscribers who opted in to email

SEED = f"""
from django.db import transaction
from ficarchive.accounts.models import User
from ficarchive.notifications.models import NotificationSettings
from ficarchive.subscriptions.models import Subscription
from ficarchive.works.actions import ChapterInput, WorkInput, add_chapter, post_work

author = User.objects.create_user("author", "author@example.org", None)  # default pseud: a signal
fans = User.objects.bulk_create(
    [User(username=f"fan{{i}}", email=f"fan{{i}}@example.org", password="!") for i in range({SUBSCRIBERS})]
)
work = post_work(
    author,
    WorkInput(warnings=["No Archive Warnings Apply"], title="Dome Weather", fandoms=["Cowboy Bebop"], text_format="text"),
    ChapterInput(text="It rained under the dome.", text_format="text"),
)
Subscription.objects.bulk_create([Subscription(user=fan, work=work) for fan in fans])
NotificationSettings.objects.bulk_create(
    [NotificationSettings(user=fan, email_on_posted=True) for fan in fans[:{WITH_EMAIL}]]
)
with transaction.atomic():
    chapter = add_chapter(author, work, ChapterInput(text="More rain.", text_format="text"))
print(work.pk, chapter.pk)
"""


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


@dataclass
class Scratch:
    env: dict[str, str]
    data_dir: Path
    mail_dir: Path
    database_url: str

    def run(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "ficarchive", *args],
            env=self.env,
            cwd=self.data_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, f"ficarchive {args[0]} failed:\n{result.stderr[-3000:]}"
        return result

    def start_worker(self, log: Path, *extra: str) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "ficarchive", "worker", "--interval", "0.1", *extra],
                env=self.env,
                cwd=self.data_dir,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def query(self, statement: str) -> list[tuple[Any, ...]]:
        if _is_postgres(self.database_url):
            with psycopg.connect(self.database_url, autocommit=True) as conn:
                return list(conn.execute(statement.encode()).fetchall())
        with sqlite3.connect(self.data_dir / "ficarchive.sqlite3", timeout=20) as conn:
            return conn.execute(statement).fetchall()

    def count(self, statement: str) -> int:
        return int(self.query(statement)[0][0])

    def recipients_mailed(self) -> list[str]:
        recipients = []
        for path in sorted(self.mail_dir.glob("*.log")):
            # The file backend appends each message followed by a line of dashes.
            for chunk in path.read_text().split("-" * 79):
                if chunk.strip():
                    recipients.append(str(email.message_from_string(chunk.strip())["To"]))
        return recipients


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Scratch]:
    data_dir = tmp_path / "data"
    mail_dir = tmp_path / "mail"
    data_dir.mkdir()
    mail_dir.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FICARCHIVE_", "PYTEST", "DJANGO_"))
    }
    env.update(
        FICARCHIVE_DATA_DIR=str(data_dir),
        FICARCHIVE_EMAIL_URL=f"file://{mail_dir}",
        FICARCHIVE_SECRET_KEY=secrets.token_urlsafe(40),
        FICARCHIVE_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    test_url = os.environ.get("FICARCHIVE_DATABASE_URL", "")
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield Scratch(env, data_dir, mail_dir, "")
        return
    prefix = f"{urllib.parse.urlsplit(test_url).path.strip('/')}_worker"
    with fresh_database(test_url, prefix) as url:
        env["FICARCHIVE_DATABASE_URL"] = url
        yield Scratch(env, data_dir, mail_dir, url)


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


def kill_hard(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)


NOTES = "SELECT count(*) FROM notifications_notification"
CLAIMED = "SELECT count(*) FROM notifications_notification WHERE email_sent_at IS NOT NULL"


def test_a_killed_worker_sends_each_notification_and_email_at_most_once(
    scratch: Scratch, tmp_path: Path
) -> None:
    scratch.run("migrate", "--verbosity", "0")
    scratch.run("shell", "-c", SEED)
    assert scratch.count("SELECT count(*) FROM django_tasks_database_dbtaskresult") >= 1
    log = tmp_path / "worker.log"

    # 1. Kill the worker in the middle of the fan-out, if it can be caught there.
    worker = scratch.start_worker(log)
    wait_until(lambda: scratch.count(NOTES) > 0, 60, "the first notifications")
    kill_hard(worker)
    killed_mid_fan_out = scratch.count(NOTES) < SUBSCRIBERS
    assert (
        scratch.count(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
        )
        <= 1
    )

    # 2. Restart; kill it again in the middle of sending email.
    worker = scratch.start_worker(log)
    wait_until(lambda: scratch.count(CLAIMED) > 0, 60, "the first emails")
    kill_hard(worker)
    assert scratch.count(CLAIMED) < WITH_EMAIL, "the emails were all sent before the kill"

    # 3. Restart and let it finish what is queued, then exit (--batch).
    batch = scratch.start_worker(log, "--batch")
    assert batch.wait(timeout=120) == 0, log.read_text()[-3000:]

    # Every subscriber has exactly one notification.
    per_recipient = scratch.query(
        "SELECT recipient_id, count(*) FROM notifications_notification GROUP BY recipient_id"
    )
    assert len(per_recipient) == SUBSCRIBERS
    assert {n for _, n in per_recipient} == {1}
    # Each opted-in subscriber's email was claimed once; none was sent twice. A worker killed
    # between claiming an email and sending it loses that one (at most once): two kills, at
    # most two lost.
    assert scratch.count(CLAIMED) == WITH_EMAIL
    mailed = scratch.recipients_mailed()
    assert Counter(mailed).most_common(1)[0][1] == 1
    assert WITH_EMAIL - 2 <= len(mailed) <= WITH_EMAIL
    assert all(to.startswith("fan") for to in mailed)
    assert scratch.count(f"SELECT count(*) {UNFINISHED}") == 0, scratch.query(
        f"SELECT task_path, status, traceback {UNFINISHED}"
    )
    text = log.read_text()
    if killed_mid_fan_out:
        # The fan-out was running when the worker died: the next worker requeued it.
        assert "Requeued 1 task(s) left running by a stopped worker." in text
    assert "notify_subscribers" in text  # each task is logged
    print(f"killed mid fan-out: {killed_mid_fan_out}; emails sent {len(mailed)}/{WITH_EMAIL}")


def test_the_worker_stops_cleanly_on_sigterm(scratch: Scratch, tmp_path: Path) -> None:
    scratch.run("migrate", "--verbosity", "0")
    log = tmp_path / "worker.log"
    worker = scratch.start_worker(log)
    wait_until(lambda: "started" in log.read_text(), 60, "the worker to start")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0
    assert "shutting down gracefully" in log.read_text()


def test_the_worker_refuses_bad_options(scratch: Scratch) -> None:
    for args in (["--interval", "-1"], ["--max-tasks", "0"], ["--recover-after", "-5"]):
        result = subprocess.run(
            [sys.executable, "-m", "ficarchive", "worker", *args],
            env=scratch.env,
            cwd=scratch.data_dir,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode != 0
        assert "must" in result.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_with_worker_runs_one_and_stops_it(scratch: Scratch, tmp_path: Path) -> None:
    import re
    import urllib.request

    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("ab") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "ficarchive", "serve", "--port", str(port), "--workers", "1"],
            env={**scratch.env, "FICARCHIVE_RUN_WORKER": "1"},
            cwd=scratch.data_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def up() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/works/", timeout=5) as r:
                    return bool(r.status == 200)
            except OSError:
                return False

        wait_until(up, 90, "the server")
        wait_until(lambda: "Worker " in log.read_text(), 60, "the worker")
        found = re.search(r"Worker [^:\s]+:(\d+):\S+ started", log.read_text())
        assert found, log.read_text()
        worker_pid = int(found.group(1))
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0, log.read_text()[-3000:]
        with pytest.raises(ProcessLookupError):
            os.kill(worker_pid, 0)
        assert "shutting down gracefully" in log.read_text()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


# The chapter's fan-out: the last one enqueued (posting the work enqueued one too, to the
# author's subscribers, of whom there were none yet).
CHAPTER_FAN_OUT = (
    "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
    "WHERE task_path LIKE '%notify_subscribers%' ORDER BY enqueued_at DESC LIMIT 1"
)


def _running_fan_out_pid(scratch: Scratch) -> int | None:
    """Return the pid of the worker running the fan-out now, or None."""
    rows = scratch.query(CHAPTER_FAN_OUT)
    if not rows or rows[0][0] != "RUNNING":
        return None
    worker_ids = rows[0][1]
    if isinstance(worker_ids, str):  # SQLite keeps JSON as text
        import json

        worker_ids = json.loads(worker_ids)
    return int(str(worker_ids[-1]).split(":")[1]) if worker_ids else None


TAKEOVER_FANS = 2000
TAKEOVER_SEED = SEED.replace(f"range({SUBSCRIBERS})", f"range({TAKEOVER_FANS})").replace(
    f"fans[:{WITH_EMAIL}]", "fans[:0]"
)


@contextmanager
def _catching_fan_out(scratch: Scratch) -> Iterator[Callable[[], int | None]]:
    """Run the body (which starts the fan-out) so that the fan-out is caught in the middle;
    yield a function that waits for it and returns its worker's pid (or None if it could not
    be caught), while nothing can finish it.

    PostgreSQL: new notifications are locked out from the start, so the worker claims the
    task and waits at its first insert. On SQLite the worker is frozen (SIGSTOP) while the
    task is RUNNING (2,000 subscribers take a while): it can then neither write another
    notification nor mark the task done."""
    if _is_postgres(scratch.database_url):
        with psycopg.connect(scratch.database_url) as conn:
            conn.execute("LOCK TABLE notifications_notification IN EXCLUSIVE MODE")

            def stuck() -> int | None:
                wait_until(lambda: _running_fan_out_pid(scratch) is not None, 60, "the fan-out")
                return _running_fan_out_pid(scratch)

            yield stuck
            conn.rollback()
        return

    def caught() -> int | None:
        wait_until(lambda: _running_fan_out_pid(scratch) is not None, 60, "the fan-out")
        pid = _running_fan_out_pid(scratch)
        if pid is None:
            return None
        os.kill(pid, signal.SIGSTOP)  # frozen, it can finish nothing (SIGKILL follows)
        return _running_fan_out_pid(scratch)  # still RUNNING while frozen, or None

    yield caught


def test_a_running_worker_takes_over_the_fan_out_of_a_killed_one(
    scratch: Scratch, tmp_path: Path
) -> None:
    """Two workers; the one doing a 2,000-subscriber fan-out is killed with SIGKILL. The
    other, never restarted, sees its heartbeat go stale, requeues the task and finishes it:
    every subscriber has exactly one notification."""
    scratch.env["FICARCHIVE_TASK_RECOVER_AFTER"] = "3"
    scratch.run("migrate", "--verbosity", "0")
    log = tmp_path / "workers.log"
    workers = [scratch.start_worker(log), scratch.start_worker(log)]
    try:
        # Both run before the work is posted: the survivor's start-up recovery cannot help.
        wait_until(lambda: log.read_text().count(" started (") == 2, 60, "both workers")
        with _catching_fan_out(scratch) as running_fan_out_pid:
            scratch.run("shell", "-c", TAKEOVER_SEED)
            pid = running_fan_out_pid()
            assert pid is not None, "the fan-out finished before it could be caught"
            victim = next(w for w in workers if w.pid == pid)
            kill_hard(victim)
        done_at_kill = scratch.count(NOTES)
        survivor = next(w for w in workers if w is not victim)

        wait_until(
            lambda: scratch.count(f"SELECT count(*) {UNFINISHED}") == 0,
            120,
            "the surviving worker to finish every task",
        )
        assert survivor.poll() is None, "the surviving worker stopped"
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
    per_recipient = scratch.query(
        "SELECT recipient_id, count(*) FROM notifications_notification GROUP BY recipient_id"
    )
    assert len(per_recipient) == TAKEOVER_FANS
    assert {n for _, n in per_recipient} == {1}
    text = log.read_text()
    assert "Requeued 1 task(s) left running by a stopped worker." in text, text[-3000:]
    # Both stopped cleanly or were killed: no heartbeat of a stopped worker lingers but the
    # killed one's, which the survivor would forget after a day.
    assert scratch.count("SELECT count(*) FROM core_workerbeat") <= 1
    print(f"notifications when the worker was killed: {done_at_kill}/{TAKEOVER_FANS}")


def _start_serve(scratch: Scratch, log: Path, port: int) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ficarchive", "serve", "--port", str(port), "--workers", "1"],
            env={**scratch.env, "FICARCHIVE_RUN_WORKER": "yes"},
            cwd=scratch.data_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our http URL)
            return bool(response.status == 200)
    except OSError:
        return False


def test_serve_skips_what_is_up_to_date_and_stops_promptly(
    scratch: Scratch, tmp_path: Path
) -> None:
    """A restart with nothing changed neither migrates nor collects static files again (that
    made a crashed server answer only after 19 s); SIGTERM stops server and worker both."""
    port = _free_port()
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    for log in (first, second):
        server = _start_serve(scratch, log, port)
        try:
            wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 90, "the server")
            wait_until(lambda: " started (" in log.read_text(), 60, "the worker")  # noqa: B023
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=30) == 0, log.read_text()[-3000:]
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    assert "Applying" in first.read_text()
    assert "Collecting static files" in first.read_text()
    text = second.read_text()
    assert "Applying" not in text and "Collecting" not in text, text
    assert "Database is up to date." in text
    assert "Static files are up to date." in text
    assert "--preload" not in text  # gunicorn took the option (it would complain otherwise)


@pytest.mark.django_db
def test_a_worker_never_requeues_the_task_it_is_running_itself() -> None:
    """Its heartbeat thread runs recovery while the worker runs a task: the task's worker id
    carries this very pid, which for any other id means a process that has gone. Only an
    older id with our pid, or a dead worker's, is requeued."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from ficarchive.core.management.commands.worker import make_worker_id, recover_orphans
    from ficarchive.formats.tasks import build_download

    own, previous = make_worker_id(), make_worker_id()  # same host and pid, other random part
    assert own != previous
    mine = build_download.enqueue(1, "epub", include_drafts=False, site_url="http://x")
    theirs = build_download.enqueue(1, "html", include_drafts=False, site_url="http://x")
    for result, worker_id in ((mine, own), (theirs, previous)):
        DBTaskResult.objects.filter(pk=result.id).update(
            status=TaskResultStatus.RUNNING, worker_ids=[worker_id], started_at=timezone.now()
        )
    assert recover_orphans("default", 60, own) == 1
    assert DBTaskResult.objects.get(pk=mine.id).status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.get(pk=theirs.id).status == TaskResultStatus.READY
