"""The scale-out deployment, run: two app servers on PostgreSQL with Redis, two workers and
nginx in front (scripts/cluster.py, which renders the shipped deploy/nginx/ficarchive.conf).

Run alone with `pytest -m cluster`. It needs PostgreSQL (it skips on SQLite runs, saying so)
and Debian's nginx and redis-server (a skip on a workstation without them, a failure in CI)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest

from scripts.cluster import Cluster, fresh_database, missing_programs, running_cluster
from tests.ci import skip_or_fail
from tests.live.conftest import Visitor
from tests.tasks import UNFINISHED

pytestmark = pytest.mark.cluster

PASSWORD = "correct horse battery staple 42"
FANS = 2000
COMMENT_LIMIT = 10  # comments per account per minute (moderation/limits.py)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    database_url = os.environ.get("FICARCHIVE_DATABASE_URL", "")
    if urllib.parse.urlsplit(database_url).scheme not in {"postgres", "postgresql", "pgsql"}:
        pytest.skip("the cluster needs PostgreSQL: run with FICARCHIVE_DATABASE_URL=postgres://")
    missing = missing_programs()
    if missing:
        skip_or_fail(
            f"the cluster needs {' and '.join(missing)} (apt-get install {' '.join(missing)})"
        )
    root = tmp_path_factory.mktemp("cluster")
    # Workers presume a silent one dead after 3 s, not 60, so the takeover test is quick.
    with running_cluster(database_url, root, {"FICARCHIVE_TASK_RECOVER_AFTER": "3"}) as running:
        yield running


def _query(
    cluster: Cluster, statement: str, params: tuple[Any, ...] | None = None
) -> list[tuple[Any, ...]]:
    with psycopg.connect(cluster.database_url) as conn:
        return list(conn.execute(statement, params).fetchall())


def _seed(cluster: Cluster, members: int) -> tuple[list[str], int, int]:
    """Create `members` members and a posted work of another one; return the members' names,
    the work's id and its chapter's id."""
    prefix = f"m{secrets.token_hex(3)}"
    printed = cluster.manage(
        "shell",
        "-c",
        "from ficarchive.accounts.actions import sign_up\n"
        "from ficarchive.works.actions import ChapterInput, WorkInput, post_work\n"
        f"for i in range({members}):\n"
        f"    sign_up(f'{prefix}_{{i}}', f'{prefix}_{{i}}@example.org', {PASSWORD!r})\n"
        f"writer = sign_up('{prefix}_w', '{prefix}_w@example.org', {PASSWORD!r})\n"
        "work = post_work(writer, WorkInput(title='Relay', fandoms=['Original Work'], warnings=['No Archive Warnings Apply'], rating='general',"
        " text_format='text'), ChapterInput(text='Pass it on.', text_format='text'))\n"
        "print(work.pk, work.chapters.get().pk)\n",
    ).stdout
    work_id, chapter_id = printed.strip().splitlines()[-1].split()
    return [f"{prefix}_{i}" for i in range(members)], int(work_id), int(chapter_id)


def _comment(visitor: Visitor, work_id: int, chapter_id: int, token: str, text: str) -> int:
    try:
        status, _, _ = visitor.request(
            "POST",
            f"/works/{work_id}/comments/",
            {
                "csrfmiddlewaretoken": token,
                "chapter": str(chapter_id),
                "text": text,
                "nonce": secrets.token_hex(16),
            },
        )
    except OSError:
        return 0  # no answer: not acknowledged
    return status


def _wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds:.0f} s waiting for {what}", pytrace=False)
        time.sleep(0.2)


class Writers:
    """Members posting comments through the proxy from threads, each from its own address
    (127.0.0.N) so that no per-address limit is shared; records what was acknowledged."""

    def __init__(self, cluster: Cluster, count: int, per_writer: int, pause: float = 0.15) -> None:
        names, self.work_id, self.chapter_id = _seed(cluster, count)
        self.visitors = []
        for i, name in enumerate(names):
            visitor = Visitor(cluster.url, source_address=f"127.0.0.{20 + i}")
            visitor.log_in(name)
            self.visitors.append(visitor)
        self.tokens = [v.csrf_token(f"/works/{self.work_id}/") for v in self.visitors]
        self.per_writer = per_writer
        self.pause = pause
        self.acknowledged: list[str] = []
        self.failed: list[tuple[float, int]] = []
        self.sent = 0
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=count)
        self.futures = [self.pool.submit(self._write, i) for i in range(count)]

    def _write(self, index: int) -> None:
        for n in range(self.per_writer):
            text = f"w{index}-{n}-{secrets.token_hex(4)}"
            status = _comment(
                self.visitors[index], self.work_id, self.chapter_id, self.tokens[index], text
            )
            with self.lock:
                self.sent += 1
                if 200 <= status < 400:
                    self.acknowledged.append(text)
                else:
                    self.failed.append((time.monotonic(), status))
            time.sleep(self.pause)  # a person's pace, more or less

    def wait_for(self, sent: int) -> None:
        _wait_until(lambda: self.sent >= sent, 120, f"{sent} writes")

    def finish(self) -> None:
        for future in self.futures:
            future.result(timeout=300)
        self.pool.shutdown()


def test_it_keeps_a_session_made_on_one_server_on_the_other(cluster: Cluster) -> None:
    names, work_id, chapter_id = _seed(cluster, 1)
    first = Visitor(cluster.server_urls[0])
    first.log_in(names[0])
    second = Visitor(cluster.server_urls[1], cookies=dict(first.cookies))
    status, _, _ = second.request("GET", "/inbox/")
    assert status == 200, "the session made on the first server is not valid on the second"
    stranger_status, headers, _ = Visitor(cluster.server_urls[1]).request("GET", "/inbox/")
    assert stranger_status == 302 and "/login/" in headers["location"]
    # A form from one server posts on the other (the CSRF secret is shared too).
    token = first.csrf_token(f"/works/{work_id}/")
    assert _comment(second, work_id, chapter_id, token, "Across servers.") == 302


def test_it_shares_a_rate_limit_exactly_across_servers(cluster: Cluster) -> None:
    names, work_id, chapter_id = _seed(cluster, 1)
    visitor = Visitor(cluster.url, source_address="127.0.0.9")
    visitor.log_in(names[0])
    token = visitor.csrf_token(f"/works/{work_id}/")
    before = [s.log.read_text().count("POST /works/") for s in cluster.servers]
    barrier = threading.Barrier(30)

    def one(_: int) -> int:
        barrier.wait()
        return _comment(visitor, work_id, chapter_id, token, f"Lap {secrets.token_hex(4)}")

    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(one, range(30)))
    assert sorted(set(statuses)) == [302, 429], statuses
    assert statuses.count(302) == COMMENT_LIMIT, statuses
    saved = _query(
        cluster,
        "SELECT count(*) FROM comments_comment c JOIN accounts_user u ON u.id = c.user_id "
        "WHERE u.username = %s",
        (names[0],),
    )
    assert saved[0][0] == COMMENT_LIMIT
    after = [s.log.read_text().count("POST /works/") for s in cluster.servers]
    assert all(a > b for a, b in zip(after, before, strict=True)), (
        f"nginx did not spread the comments over both servers: {before} -> {after}"
    )


def test_it_shows_an_edit_at_once_through_both_servers(cluster: Cluster) -> None:
    names, work_id, chapter_id = _seed(cluster, 1)
    first = Visitor(cluster.server_urls[0])
    first.log_in(names[0])
    token = first.csrf_token(f"/works/{work_id}/")
    for url in cluster.server_urls:  # both servers have the page (and any cache of it) warm
        Visitor(url).request("GET", f"/works/{work_id}/")
        Visitor(url).request("GET", "/works/")
    text = f"Seen everywhere {secrets.token_hex(4)}"
    assert _comment(first, work_id, chapter_id, token, text) == 302
    title = f"Fresh Title {secrets.token_hex(3)}"
    cluster.manage(
        "shell",
        "-c",
        "from ficarchive.accounts.actions import sign_up\n"
        "from ficarchive.works.actions import ChapterInput, WorkInput, post_work\n"
        f"w = sign_up('t{secrets.token_hex(3)}', 't{secrets.token_hex(3)}@example.org', "
        f"{PASSWORD!r})\n"
        f"post_work(w, WorkInput(title={title!r}, fandoms=['Original Work'], warnings=['No Archive Warnings Apply'], rating='general', text_format="
        "'text'), ChapterInput(text='New.', text_format='text'))\n",
    )
    for url in [*cluster.server_urls, cluster.url]:
        _, _, page = Visitor(url).request("GET", f"/works/{work_id}/")
        assert text in page, f"{url} does not show the comment just posted on another server"
        _, _, listing = Visitor(url).request("GET", "/works/")
        assert title in listing, f"{url} does not list the work just posted"


def test_it_loses_no_acknowledged_write_when_an_app_server_is_killed(cluster: Cluster) -> None:
    writers = Writers(cluster, count=6, per_writer=9)
    writers.wait_for(12)
    victim = cluster.servers[0]
    victim.kill_hard()
    killed_at = time.monotonic()
    writers.finish()
    total = 6 * 9
    assert writers.sent == total
    stored = {
        row[0]
        for row in _query(
            cluster, "SELECT text FROM comments_comment WHERE work_id = %s", (writers.work_id,)
        )
    }
    lost = [text for text in writers.acknowledged if not any(text in s for s in stored)]
    assert not lost, f"{len(lost)} acknowledged writes are not in the database: {lost[:5]}"
    # Only requests in flight at the kill may fail (nginx never resends a POST that reached a
    # server); everything after the first second goes to the survivor.
    late_failures = [status for at, status in writers.failed if at > killed_at + 1]
    assert not late_failures, f"writes failed after the kill: {late_failures}"
    assert len(writers.failed) <= 6, writers.failed
    print(
        f"kill -9 of an app server: {len(writers.acknowledged)}/{total} writes acknowledged, "
        f"{len(writers.failed)} failed at the kill ({sorted({s for _, s in writers.failed})}),"
        " none lost"
    )
    # The server comes back on its port and nginx sends it requests again.
    cluster.restart_server(0)


FAN_OUT = (
    "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
    "WHERE task_path LIKE '%notify_subscribers%' ORDER BY enqueued_at DESC LIMIT 1"
)


def test_it_heals_a_worker_killed_mid_fan_out_without_a_restart(cluster: Cluster) -> None:
    """A chapter for 2,000 subscribers; the worker running its fan-out is killed with SIGKILL
    (caught mid-task: the notifications table is locked until then). The other worker requeues
    the task once the dead one's heartbeat is stale and finishes it: one notification each."""
    prefix = f"f{secrets.token_hex(3)}"
    seed = (
        "from ficarchive.accounts.models import User\n"
        "from ficarchive.subscriptions.models import Subscription\n"
        "from ficarchive.works.actions import ChapterInput, WorkInput, add_chapter, post_work\n"
        f"author = User.objects.create_user('{prefix}a', '{prefix}a@example.org', None)\n"
        "fans = User.objects.bulk_create([User(username=f'"
        + prefix
        + "{i}', email=f'"
        + prefix
        + "{i}@example.org', password='!') for i in range("
        + str(FANS)
        + ")])\n"
        "work = post_work(author, WorkInput(title='Broadcast', fandoms=['Original Work'], warnings=['No Archive Warnings Apply'], rating='general',"
        " text_format='text'), ChapterInput(text='One.', text_format='text'))\n"
        "Subscription.objects.bulk_create([Subscription(user=f, work=work) for f in fans])\n"
        "add_chapter(author, work, ChapterInput(text='Two.', text_format='text'))\n"
        "print(work.pk)\n"
    )
    pids = {w.popen.pid: w for w in cluster.workers}

    def running_pid() -> int | None:
        rows = _query(cluster, FAN_OUT)
        if not rows or rows[0][0] != "RUNNING" or not rows[0][1]:
            return None
        return int(str(rows[0][1][-1]).split(":")[1])

    with psycopg.connect(cluster.database_url) as lock:
        lock.execute("LOCK TABLE notifications_notification IN EXCLUSIVE MODE")
        work_id = int(cluster.manage("shell", "-c", seed).stdout.strip().splitlines()[-1])
        seen: list[int] = []

        def started() -> bool:
            found = running_pid()
            if found is not None:
                seen.append(found)
            return found is not None

        # Keep the pid read when the task was first seen RUNNING (a second read may race).
        _wait_until(started, 60, "a worker to start the fan-out")
        pid = seen[0]
        assert pid in pids, f"the fan-out runs in {pid}, not one of the workers {list(pids)}"
        victim = pids[pid]
        victim.kill_hard()
        lock.rollback()
    survivor = next(w for w in cluster.workers if w is not victim)
    _wait_until(
        lambda: (
            _query(
                cluster,
                f"SELECT count(*) {UNFINISHED}",
            )[0][0]
            == 0
        ),
        120,
        "the surviving worker to finish every task",
    )
    assert survivor.alive(), "the surviving worker stopped"
    per_fan = _query(
        cluster,
        "SELECT n.recipient_id, count(*) FROM notifications_notification n "
        "JOIN accounts_user u ON u.id = n.recipient_id WHERE u.username LIKE %s "
        "GROUP BY n.recipient_id",
        (prefix + "%",),
    )
    assert len(per_fan) == FANS, (
        f"{len(per_fan)}/{FANS} subscribers were notified of work {work_id}"
    )
    assert {n for _, n in per_fan} == {1}
    assert "Requeued 1 task(s)" in survivor.log.read_text()
    # A worker takes the dead one's place, as systemd's Restart= would.
    cluster.workers.remove(victim)
    cluster.start_worker()


def _counts(database_url: str, labels: list[str], env: dict[str, str], cwd: Path) -> dict[str, int]:
    code = (
        "import json\nfrom django.apps import apps\n"
        f"labels = {labels!r}\n"
        "print(json.dumps({l: apps.get_model(l)._base_manager.count() for l in labels}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "ficarchive", "shell", "-c", code],
        env={**env, "FICARCHIVE_DATABASE_URL": database_url},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    counts: dict[str, int] = json.loads(result.stdout.strip().splitlines()[-1])
    return counts


def test_it_restores_a_backup_taken_under_writes_consistently(
    cluster: Cluster, tmp_path: Path
) -> None:
    writers = Writers(cluster, count=6, per_writer=9, pause=0.6)
    writers.wait_for(6)
    archive = tmp_path / "archive"
    sent_before = writers.sent
    cluster.manage("export-archive", str(archive))
    sent_after = writers.sent
    writers.finish()
    assert sent_after > sent_before, "no write was made while the backup ran"
    assert sent_after < writers.sent, "the writers finished before the backup did"
    manifest = json.loads((archive / "manifest.json").read_text())
    claimed = {entry["model"]: entry["rows"] for entry in manifest["models"]}
    env = cluster.environment(tmp_path)
    postgres = cluster.database_url.rsplit("/", 1)[0] + "/postgres"
    with fresh_database(postgres) as restored:
        subprocess.run(
            [sys.executable, "-m", "ficarchive", "migrate", "--verbosity", "0"],
            env={**env, "FICARCHIVE_DATABASE_URL": restored},
            cwd=tmp_path,
            check=True,
            timeout=300,
            capture_output=True,
        )
        result = subprocess.run(
            [sys.executable, "-m", "ficarchive", "import-archive", str(archive)],
            env={**env, "FICARCHIVE_DATABASE_URL": restored},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        labels = sorted(claimed)
        restored_counts = _counts(restored, labels, env, tmp_path)
    live = _counts(cluster.database_url, ["comments.comment"], env, tmp_path)
    rebuilt = set(manifest.get("rebuilt_on_restore", []))
    differ = {
        label: (claimed[label], restored_counts[label])
        for label in labels
        if label not in rebuilt and claimed[label] != restored_counts[label]
    }
    assert not differ, f"restored counts differ from the manifest's (claimed, restored): {differ}"
    # A snapshot in the middle of the writes: some of them, not all.
    assert claimed["comments.comment"] < live["comments.comment"]
