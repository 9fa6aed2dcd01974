"""`ficarchive upgrade`: after installing a new version, apply its database migrations and
collect its static files, with a line for each step. `serve` does the same at start, but
only for what is out of date."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from ficarchive.core import upkeep


class Command(BaseCommand):
    help = "Apply database migrations and collect static files (after installing a new version)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        pending = upkeep.pending_migrations()
        self.stdout.write(f"Applying {len(pending)} database migration(s)...")
        upkeep.migrate()
        self.stdout.write("Collecting static files...")
        upkeep.collect_static()
        self.stdout.write(
            f"Upgraded in {time.monotonic() - started:.1f} s: the database is up to date and "
            "the static files are collected. Start the archive with `ficarchive serve`."
        )
