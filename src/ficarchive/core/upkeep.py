"""What a start of the archive must bring up to date first: the database schema and the
collected static files. `ficarchive serve` runs only what is out of date, so a restart after a
crash answers in seconds; `ficarchive upgrade` runs both in full (after installing a new
version)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

import ficarchive

STAMP_NAME = ".ficarchive-static-stamp"


def pending_migrations() -> list[str]:
    """Return the names of the migrations not yet applied to the database ("app.name")."""
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    return [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(targets)]


def static_fingerprint() -> str:
    """Return a fingerprint of every static file the site serves (path, size, change time)
    and of the code's version: when it differs from the stamp, collectstatic must run."""
    digest = hashlib.sha256(f"ficarchive {ficarchive.__version__}\n".encode())
    seen: set[str] = set()
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            if path in seen:
                continue
            seen.add(path)
            stat = Path(storage.path(path)).stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _stamp() -> Path:
    return Path(settings.STATIC_ROOT) / STAMP_NAME


def static_files_current() -> bool:
    """Return whether the collected static files match the code's (per the stamp)."""
    try:
        return _stamp().read_text().strip() == static_fingerprint()
    except OSError:
        return False


def collect_static() -> None:
    """Collect (and compress) the static files, then write the stamp."""
    fingerprint = static_fingerprint()
    call_command("collectstatic", interactive=False, verbosity=0)
    _stamp().write_text(fingerprint + "\n")


def migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0)
