"""`ficarchive serve`: bring the database and static files up to date if they are not, then
serve with gunicorn.

A start after a crash or a reboot, with nothing changed, skips both (core/upkeep.py), so the
archive answers again within seconds. SIGTERM stops it within a few seconds: requests in flight
finish (up to GRACEFUL_SECONDS) and the background worker, if any, stops beside it."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ficarchive.core import upkeep
from ficarchive.core.env import envbool

# How long requests in flight may take to finish after SIGTERM, in seconds.
GRACEFUL_SECONDS = 4


class Command(BaseCommand):
    help = "Migrate the database and serve the archive with a production WSGI server (gunicorn)."
    # Django's system checks cost most of a second on every start; `ficarchive upgrade` and
    # `ficarchive check --deploy` run them, and a start after a crash must be quick.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("FICARCHIVE_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("FICARCHIVE_PORT", "8000"))
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("FICARCHIVE_WORKERS", "2")),
            help="Worker processes (default 2).",
        )
        parser.add_argument(
            "--threads", type=int, default=4, help="Threads per worker (default 4)."
        )
        parser.add_argument("--no-migrate", action="store_true", help="Skip migrations.")
        parser.add_argument(
            "--access-log",
            action="store_true",
            default=envbool("ACCESS_LOG", False),
            help="Log every request on standard output (off by default: it halves the "
            "requests per second of pages served from the page cache; a proxy in front "
            "usually keeps this log).",
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            default=envbool("RUN_WORKER", False),
            help="Also run one background task worker (`ficarchive worker`), stopped with the "
            "server. For small sites; larger ones run `ficarchive worker` on its own.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["port"] <= 65535:
            raise CommandError(f"--port {options['port']} is not a TCP port (1-65535).")
        if not 1 <= options["workers"] <= 64:
            raise CommandError("--workers must be from 1 to 64.")
        if not options["no_migrate"]:
            pending = upkeep.pending_migrations()
            if pending:
                self.stdout.write(f"Applying {len(pending)} database migration(s)...")
                self.stdout.flush()
                upkeep.migrate()
            self.stdout.write("Database is up to date.")
        if upkeep.static_files_current():
            self.stdout.write("Static files are up to date.")
        else:
            self.stdout.write("Collecting static files...")
            self.stdout.flush()
            upkeep.collect_static()
        bind = f"{options['host']}:{options['port']}"
        host = options["host"] if ":" not in options["host"] else f"[{options['host']}]"
        self.stdout.write(
            f"Serving ficarchive at http://{host}:{options['port']}/ "
            f"({options['workers']} workers, data in {settings.DATA_DIR}). Stop with Ctrl-C."
        )
        if options["host"] in {"0.0.0.0", "::"} and not os.environ.get("FICARCHIVE_ALLOWED_HOSTS"):  # noqa: S104
            self.stdout.write(
                "Listening on every address: set FICARCHIVE_ALLOWED_HOSTS to the names readers "
                "use (e.g. fics.example.org), or requests by those names get 400 Bad Request."
            )
        self.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "ficarchive.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
            "--graceful-timeout",
            str(GRACEFUL_SECONDS),
            # Load the site once, then fork the workers: a faster start and shared memory.
            "--preload",
            "--no-control-socket",
            "--forwarded-allow-ips",
            os.environ.get("FICARCHIVE_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        if options["access_log"]:
            argv += ["--access-logfile", "-"]
        # Render the first pages before forking the workers (core/warmup.py).
        os.environ["FICARCHIVE_WARMUP_HOST"] = _warmup_host(options["host"], options["port"])
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ficarchive.settings")
        if options["with_worker"]:
            sys.exit(_serve_with_worker(argv))
        os.execv(sys.executable, argv)  # noqa: S606 (replace this process: signals reach gunicorn)


def _warmup_host(host: str, port: int) -> str:
    """The Host the warm-up requests name: the address served, or for every address the
    first name the archive answers to."""
    if host in {"0.0.0.0", "::"}:  # noqa: S104
        names = [name.lstrip(".") for name in settings.ALLOWED_HOSTS if name != "*"]
        host = names[0] if names else "localhost"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _serve_with_worker(argv: list[str]) -> int:
    """Run gunicorn and one `ficarchive worker` side by side: SIGTERM and SIGINT go to both
    at once (gunicorn finishes the requests in flight, the worker the task in progress), SIGHUP
    to gunicorn; a worker that dies is started again; gunicorn's exit code is returned."""
    import signal
    import subprocess
    import time

    worker_argv = [sys.executable, "-m", "ficarchive", "worker"]
    server = subprocess.Popen(argv)
    worker = subprocess.Popen(worker_argv)

    stopping = False

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        server.send_signal(signum)
        if signum != signal.SIGHUP:
            stopping = True
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    while server.poll() is None:
        if worker.poll() is not None and not stopping:
            time.sleep(1)  # do not spin when the worker cannot start
            if server.poll() is None and not stopping:
                worker = subprocess.Popen(worker_argv)
        time.sleep(0.1)
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=GRACEFUL_SECONDS + 1)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    return server.returncode
