"""`ficarchive refresh-filter-tags`: recompute every work's filter tags from its tags and the
wrangling (after a bulk load, a restore, or to repair the table)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ficarchive.core.migrations_check import ensure_migrated
from ficarchive.core.progress import Progress
from ficarchive.tags.filtering import refresh_all_filter_tags
from ficarchive.works.models import Work


class Command(BaseCommand):
    help = (
        "Recompute the filter tags of every work (its own tags, its synonyms' canonical tags "
        "and their meta tags), in batches of work ids, each batch in its own transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="Work ids per batch (default 5000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_migrated()
        batch_size: int = options["batch_size"]
        if not 1 <= batch_size <= 100_000:
            raise CommandError(f"--batch-size must be from 1 to 100,000 (got {batch_size}).")
        verbosity: int = options["verbosity"]
        works = Work.objects.count()
        started = time.monotonic()
        if verbosity:
            self.stdout.write(f"Refreshing the filter tags of {works:,} works…")

        progress = Progress(self.stdout, "Refreshed", "batches", quiet=not verbosity)
        rows = refresh_all_filter_tags(batch_size=batch_size, progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Refreshed filter tags: {works:,} works, {rows:,} filter tags, {elapsed:.1f} s."
            )
        )
