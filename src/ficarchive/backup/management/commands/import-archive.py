"""`ficarchive import-archive PATH`: restore an archive into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ficarchive.backup.archive import ArchiveError, restore_archive
from ficarchive.core.migrations_check import ensure_migrated
from ficarchive.core.progress import Progress

EXIT_FAILED = 2


class Command(BaseCommand):
    help = (
        "Restore an archive written by export-archive into this database, which must be "
        "migrated and empty. Every file is checked (manifest, checksums, each line) before "
        "anything is written; then everything is inserted in one transaction and the derived "
        "tables (filter tags, search index) are rebuilt. A damaged archive is refused with the "
        "file and line, and exit code 2, with nothing written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="PATH", help="The archive's directory.")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Rows inserted per statement (default 500).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_migrated()
        batch_size: int = options["batch_size"]
        if not 1 <= batch_size <= 10_000:
            raise CommandError(f"--batch-size must be from 1 to 10,000 (got {batch_size}).")
        verbosity: int = options["verbosity"]
        try:
            summary = restore_archive(
                Path(options["path"]),
                batch_size=batch_size,
                verified=Progress(self.stdout, "Checked", "rows", quiet=not verbosity),
                restored=Progress(self.stdout, "Restored", "rows", quiet=not verbosity),
            )
        except ArchiveError as error:
            raise CommandError(str(error), returncode=EXIT_FAILED) from None
        except OSError as error:
            raise CommandError(
                f"Could not read the archive: {error.strerror or error} "
                f"({error.filename or options['path']}).",
                returncode=EXIT_FAILED,
            ) from None
        if verbosity > 1:
            for label, rows in summary.counts.items():
                self.stdout.write(f"  {label}: {rows:,}")
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restored {summary.rows:,} rows of {summary.models} tables in "
                    f"{summary.seconds:.1f} s; rebuilt the filter tags and the search index."
                )
            )
