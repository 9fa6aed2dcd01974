"""`ficarchive worker`: run background tasks (notification fan-out and email) from the
database queue of django-tasks-db.

It wraps django-tasks-db's worker loop and adds what a site with several workers needs: each
worker writes a heartbeat (`core.WorkerBeat`) every few seconds from a thread of its own, even
while a long task runs, and on each beat it puts back in the queue the tasks left RUNNING by a
worker that died (kill -9, power loss): one whose heartbeat is older than --recover-after
seconds, or, on this host, whose process no longer exists (a worker's id is
"<host>:<pid>:<random>"). So a dead worker's task is picked up by the workers still running,
within --recover-after seconds, without a restart. Tasks therefore run at least once, and every
task here is written to be safe to run again (notifications are unique per recipient and key;
email is claimed before it is sent).

SIGTERM or SIGINT stops the worker after the task in progress (a second one stops it at
once); each task is logged when it starts and when it ends.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from ficarchive.core import periodic
from ficarchive.core.env import envfloat
from ficarchive.core.models import WorkerBeat
from ficarchive.core.numbers import parse_whole_number

logger = logging.getLogger("ficarchive.worker")

# How long a heartbeat may be old before its worker counts as dead (seconds).
DEFAULT_RECOVER_AFTER = 60.0
# Beats of workers gone for longer than this are deleted.
FORGET_BEATS_AFTER = timedelta(days=1)


def make_worker_id() -> str:
    """Return this process's worker id: host, pid and a random part, at most 64 characters."""
    host = socket.gethostname().replace(":", "-")[:40] or "host"
    return f"{host}:{os.getpid()}:{get_random_string(8)}"


def _process_gone(worker_id: str) -> bool:
    """Return True if worker_id names a process on this host that no longer runs (the
    caller has set this worker's own id aside)."""
    host, _, rest = worker_id.partition(":")
    pid_text, _, _ = rest.partition(":")
    pid = parse_whole_number(pid_text, max_digits=10)
    if host != make_worker_id().partition(":")[0] or pid is None:
        return False
    if pid == os.getpid():
        return True  # a previous process had our pid (another id): it is gone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # runs, under another user
    return False


def _dead_workers(worker_ids: set[str], recover_after: float, own_id: str) -> set[str]:
    """Return those of worker_ids whose worker is dead: its heartbeat is older than
    recover_after seconds, or it is a process of this host that no longer runs. This
    worker (own_id) is never dead to itself."""
    stale_before = timezone.now() - timedelta(seconds=recover_after)
    beats = dict(
        WorkerBeat.objects.filter(worker_id__in=worker_ids).values_list("worker_id", "beat_at")
    )
    return {
        worker_id
        for worker_id in worker_ids
        if worker_id != own_id
        and (_process_gone(worker_id) or (worker_id in beats and beats[worker_id] < stale_before))
    }


def recover_orphans(backend_name: str, recover_after: float, own_id: str) -> int:
    """Put back in the queue the tasks left RUNNING by dead workers (see the module doc);
    never the task this worker (own_id) is running, which its own heartbeat thread would
    otherwise take for a dead process's (the pid is ours).
    A task whose worker left no heartbeat at all (it claimed the task just now, or ran before
    heartbeats existed) counts as orphaned once it has run for recover_after seconds.
    Returns how many were requeued."""
    stale_before = timezone.now() - timedelta(seconds=recover_after)
    running = list(
        DBTaskResult.objects.filter(
            backend_name=backend_name, status=TaskResultStatus.RUNNING
        ).values_list("pk", "worker_ids", "started_at")
    )
    if not running:
        return 0
    last_worker = {pk: str(worker_ids[-1]) if worker_ids else "" for pk, worker_ids, _ in running}
    dead = _dead_workers(set(last_worker.values()), recover_after, own_id)
    with_beats = set(
        WorkerBeat.objects.filter(worker_id__in=set(last_worker.values())).values_list(
            "worker_id", flat=True
        )
    )
    orphans = [
        pk
        for pk, _, started_at in running
        if last_worker[pk] != own_id
        and (
            last_worker[pk] in dead
            or (
                last_worker[pk] not in with_beats
                and started_at is not None
                and started_at < stale_before
            )
        )
    ]
    requeued = 0
    if orphans:
        requeued = DBTaskResult.objects.filter(
            pk__in=orphans, status=TaskResultStatus.RUNNING
        ).update(status=TaskResultStatus.READY, started_at=None)
        logger.warning("Requeued %d task(s) left running by a stopped worker.", requeued)
    return requeued


class Heartbeat(threading.Thread):
    """Beats for this worker every `interval` seconds and, on each beat, requeues the tasks of
    dead workers. Runs beside the task loop, so a long task does not stop the beat. Database
    errors (a locked SQLite file, a PostgreSQL restart) are logged and tried again next beat."""

    def __init__(self, worker_id: str, backend_name: str, recover_after: float) -> None:
        super().__init__(name=f"heartbeat {worker_id}", daemon=True)
        self.worker_id = worker_id
        self.backend_name = backend_name
        self.recover_after = recover_after
        self.interval = max(0.5, min(10.0, recover_after / 3))
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def beat(self) -> None:
        """Write this worker's heartbeat now (creating its row on the first beat)."""
        now = timezone.now()
        updated = WorkerBeat.objects.filter(worker_id=self.worker_id).update(beat_at=now)
        if not updated:
            WorkerBeat.objects.create(
                worker_id=self.worker_id, started_at=self.started_at, beat_at=now
            )

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    close_old_connections()
                    self.beat()
                    recover_orphans(self.backend_name, self.recover_after, self.worker_id)
                    WorkerBeat.objects.filter(
                        beat_at__lt=timezone.now() - FORGET_BEATS_AFTER
                    ).delete()
                except DatabaseError as error:
                    logger.warning("Heartbeat of %s failed (%s); retrying.", self.worker_id, error)
                self.stopping.wait(self.interval)
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop beating and remove this worker's heartbeat (it stopped cleanly)."""
        self.stopping.set()
        self.join(timeout=self.interval + 5)
        try:
            WorkerBeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError as error:
            logger.warning("Could not remove the heartbeat of %s (%s).", self.worker_id, error)


class Command(BaseCommand):
    help = "Run background tasks (notification fan-out and email) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait between looks at an empty queue (default 1).",
        )
        parser.add_argument(
            "--queue-name",
            default=DEFAULT_TASK_QUEUE_NAME,
            help="Queues to run, separated by commas; '*' for all (default %(default)s).",
        )
        parser.add_argument(
            "--batch", action="store_true", help="Run the tasks waiting now, then exit."
        )
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="Exit after running this many tasks."
        )
        parser.add_argument(
            "--recover-after",
            type=float,
            default=envfloat("TASK_RECOVER_AFTER", DEFAULT_RECOVER_AFTER),
            help="Requeue the running tasks of a worker whose heartbeat is older than this "
            "many seconds, presuming it died (default: FICARCHIVE_TASK_RECOVER_AFTER or 60). "
            "Workers beat every third of it, at most every 10 seconds.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"]
        if not 0 <= interval <= 3600:
            raise CommandError("--interval must be from 0 to 3600 seconds.")
        if options["max_tasks"] is not None and options["max_tasks"] < 1:
            raise CommandError("--max-tasks must be at least 1.")
        if not 1 <= options["recover_after"] <= 86_400:
            raise CommandError("--recover-after must be from 1 to 86400 seconds.")
        verbosity = options["verbosity"]
        level = logging.WARNING if verbosity == 0 else logging.INFO
        for name in ("django_tasks", "django_tasks_db", "ficarchive"):
            logging.getLogger(name).setLevel(logging.DEBUG if verbosity > 1 else level)

        worker_id = make_worker_id()
        heartbeat = Heartbeat(worker_id, DEFAULT_TASK_BACKEND_ALIAS, options["recover_after"])
        heartbeat.beat()
        recover_orphans(DEFAULT_TASK_BACKEND_ALIAS, options["recover_after"], worker_id)
        periodic.start_periodic_tasks()  # e.g. the daily kudos digest (kudos/tasks.py)
        heartbeat.start()
        worker = Worker(
            queue_names=options["queue_name"].split(","),
            interval=interval,
            batch=options["batch"],
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        logger.info("Worker %s started (stop with Ctrl-C or SIGTERM).", worker_id)
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.reset_signals()
            heartbeat.stop()
        logger.info("Worker %s stopped.", worker_id)
