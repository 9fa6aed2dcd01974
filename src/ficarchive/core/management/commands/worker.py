"""`ficarchive worker`: run background tasks (notification fan-out and email) from the
database queue of django-tasks-db.

It wraps django-tasks-db's worker loop and adds what a restarted worker needs: tasks left
RUNNING by a worker that died (kill -9, power loss) are put back in the queue when this worker
starts. A worker's id is "<host>:<pid>:<random>", so a task claimed on this host by a process
that no longer exists is requeued at once; a task claimed anywhere longer than
--recover-after seconds ago is requeued too (its worker is presumed dead). Tasks therefore run
at least once, and every task here is written to be safe to run again (notifications are
unique per recipient and key; email is claimed before it is sent).

SIGTERM or SIGINT stops the worker after the task in progress (a second one stops it at
once); each task is logged when it starts and when it ends.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("ficarchive.worker")


def make_worker_id() -> str:
    """Return this process's worker id: host, pid and a random part, at most 64 characters."""
    host = socket.gethostname().replace(":", "-")[:40] or "host"
    return f"{host}:{os.getpid()}:{get_random_string(8)}"


def _process_gone(worker_id: str) -> bool:
    """Return True if worker_id names a process on this host that no longer runs."""
    host, _, rest = worker_id.partition(":")
    pid_text, _, _ = rest.partition(":")
    if host != make_worker_id().partition(":")[0] or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # a previous process had our pid: it is gone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # runs, under another user
    return False


def recover_orphans(backend_name: str, recover_after: float) -> int:
    """Put back in the queue the tasks left RUNNING by dead workers (see the module doc).
    Returns how many were requeued."""
    stale_before = timezone.now() - timedelta(seconds=recover_after)
    orphans = []
    for pk, worker_ids, started_at in DBTaskResult.objects.filter(
        backend_name=backend_name, status=TaskResultStatus.RUNNING
    ).values_list("pk", "worker_ids", "started_at"):
        last = worker_ids[-1] if worker_ids else ""
        if (started_at is not None and started_at < stale_before) or _process_gone(str(last)):
            orphans.append(pk)
    requeued = 0
    if orphans:
        requeued = DBTaskResult.objects.filter(
            pk__in=orphans, status=TaskResultStatus.RUNNING
        ).update(status=TaskResultStatus.READY, started_at=None)
        logger.warning("Requeued %d task(s) left running by a stopped worker.", requeued)
    return requeued


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
            default=float(os.environ.get("FICARCHIVE_TASK_RECOVER_AFTER", "900")),
            help="Requeue tasks running for longer than this many seconds when starting, "
            "presuming their worker died (default 900).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"]
        if not 0 <= interval <= 3600:
            raise CommandError("--interval must be from 0 to 3600 seconds.")
        if options["max_tasks"] is not None and options["max_tasks"] < 1:
            raise CommandError("--max-tasks must be at least 1.")
        if options["recover_after"] < 0:
            raise CommandError("--recover-after must be 0 or more seconds.")
        verbosity = options["verbosity"]
        level = logging.WARNING if verbosity == 0 else logging.INFO
        for name in ("django_tasks", "django_tasks_db", "ficarchive"):
            logging.getLogger(name).setLevel(logging.DEBUG if verbosity > 1 else level)

        worker_id = make_worker_id()
        recover_orphans(DEFAULT_TASK_BACKEND_ALIAS, options["recover_after"])
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
        logger.info("Worker %s stopped.", worker_id)
