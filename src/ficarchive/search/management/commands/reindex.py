"""`ficarchive reindex`: rebuild the full-text index of every posted work."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ficarchive.core.migrations_check import ensure_migrated
from ficarchive.core.progress import Progress
from ficarchive.search.index import reindex_all


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index from the works: every posted work is indexed again "
        "(title, tags, creators, summary, notes and posted chapters), in batches, one "
        "transaction each, so searching keeps working meanwhile; rows of works that are gone "
        "or no longer posted are removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=200,
            help="Works indexed per transaction (default 200).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_migrated()
        batch_size: int = options["batch_size"]
        if not 1 <= batch_size <= 10_000:
            raise CommandError(f"--batch-size must be from 1 to 10,000 (got {batch_size}).")
        verbosity: int = options["verbosity"]
        started = time.monotonic()
        progress = Progress(self.stdout, "Indexed", "works", quiet=not verbosity)
        summary = reindex_all(batch_size=batch_size, progress=progress)
        if verbosity:
            seconds = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(
                    f"Indexed {summary.works:,} posted work{'' if summary.works == 1 else 's'} "
                    f"in {seconds:.1f} s; removed {summary.removed:,} stale "
                    f"entr{'y' if summary.removed == 1 else 'ies'}."
                )
            )
