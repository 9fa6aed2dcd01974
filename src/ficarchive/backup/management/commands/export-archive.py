"""`ficarchive export-archive PATH`: write the whole archive as a directory of JSON Lines."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ficarchive.backup.archive import ArchiveError, export_archive
from ficarchive.core.migrations_check import ensure_migrated
from ficarchive.core.progress import Progress

EXIT_FAILED = 2


class Command(BaseCommand):
    help = (
        "Write the whole archive (users, pseuds, works, chapters, tags and their wrangling, "
        "and every other ficarchive table) into the directory PATH, which must not exist yet: "
        "manifest.json plus one JSON Lines file per table, with checksums. Passwords are left "
        "out (restored accounts reset theirs) unless --include-passwords; e-mail addresses are "
        "kept unless --no-emails. See docs/operations.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="PATH", help="Directory to create.")
        parser.add_argument(
            "--include-passwords",
            action="store_true",
            help="Keep password hashes, so that everyone can log in after a restore. Guard the "
            "archive like the database itself.",
        )
        parser.add_argument(
            "--no-emails",
            action="store_true",
            help="Leave out e-mail addresses (every e-mail field is written empty).",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=2000,
            help="Rows read from the database at a time (default 2,000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_migrated()
        chunk_size: int = options["chunk_size"]
        if not 1 <= chunk_size <= 100_000:
            raise CommandError(f"--chunk-size must be from 1 to 100,000 (got {chunk_size}).")
        verbosity: int = options["verbosity"]
        started = time.monotonic()
        try:
            summary = export_archive(
                Path(options["path"]),
                include_passwords=options["include_passwords"],
                include_emails=not options["no_emails"],
                chunk_size=chunk_size,
                progress=Progress(self.stdout, "Exported", "rows", quiet=not verbosity),
            )
        except ArchiveError as error:
            raise CommandError(str(error), returncode=EXIT_FAILED) from None
        except OSError as error:
            raise CommandError(
                f"Could not write the archive: {error.strerror or error} "
                f"({error.filename or options['path']}).",
                returncode=EXIT_FAILED,
            ) from None
        if verbosity > 1:
            for label, rows in summary.counts.items():
                self.stdout.write(f"  {label}: {rows:,}")
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Exported {summary.rows:,} rows of {summary.models} tables "
                    f"({summary.bytes / 1_000_000:,.1f} MB) to {summary.path} in "
                    f"{time.monotonic() - started:.1f} s."
                )
            )
