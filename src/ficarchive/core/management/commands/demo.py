"""`ficarchive demo`: migrate, then fill an empty archive with generated, realistic data."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ficarchive.core.progress import Progress
from ficarchive.demo import shapes
from ficarchive.demo.build import DemoSummary, build_demo
from ficarchive.demo.bulk import BULK_THRESHOLD, build_bulk
from ficarchive.works.models import Work

MAX_WORKS = 5_000_000


class Command(BaseCommand):
    help = (
        "Migrate the database, then fill an empty archive with generated demo data: accounts "
        "(log in as `demo`), pseuds, and tagged multi-chapter works in invented fandoms, shaped "
        "like AO3's. Refuses when the archive already has works (see --if-empty)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--works",
            type=int,
            default=60,
            help="How many works to make, drafts included (default 60: a few seconds).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="Random seed (default 1): the same seed makes the same titles, tags and text.",
        )
        parser.add_argument(
            "--text",
            action="store_true",
            help="Write generated story text of the planned length for every chapter. Small "
            "demos always do; a bulk load without it gives each chapter a short passage (and "
            "its planned word count), which is enough for listings and work pages.",
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help=f"Write rows in bulk instead of posting each work through the posting actions "
            f"(the default above {BULK_THRESHOLD:,} works): a million works load in minutes.",
        )
        parser.add_argument(
            "--max-words",
            type=int,
            default=shapes.DEFAULT_MAX_WORDS,
            help=f"Longest work in words (default {shapes.DEFAULT_MAX_WORDS:,}): the demo cuts "
            "the long tail of novel-length works.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="When the archive already has works, say so and exit successfully instead of "
            "failing (for start-up scripts).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        works: int = options["works"]
        if not 1 <= works <= MAX_WORKS:
            raise CommandError(f"--works must be from 1 to {MAX_WORKS:,} (got {works}).")
        max_words: int = options["max_words"]
        if not 1_000 <= max_words <= 1_000_000:
            raise CommandError(f"--max-words must be from 1,000 to 1,000,000 (got {max_words}).")
        call_command("migrate", interactive=False, verbosity=0)
        existing = Work.objects.count()
        if existing:
            if options["if_empty"]:
                self.stdout.write(
                    f"The archive already has {existing:,} works: skipped the demo (--if-empty)."
                )
                return
            raise CommandError(
                f"The archive already has {existing:,} works; demo only fills an empty archive. "
                f"To try the demo, point it at an empty data directory, e.g. "
                f"`FICARCHIVE_DATA_DIR=/tmp/ficarchive-demo ficarchive demo` (this archive's "
                f"data is in {settings.DATA_DIR}), or add --if-empty to skip quietly."
            )
        verbosity: int = options["verbosity"]
        bulk = options["bulk"] or works > BULK_THRESHOLD
        if verbosity:
            how = " in bulk" if bulk else ""
            self.stdout.write(
                f"Making a demo archive of {works:,} works{how} (seed {options['seed']})…"
            )
        progress = Progress(self.stdout, "Posted", "works", quiet=not verbosity)
        if bulk:
            summary = build_bulk(
                works,
                options["seed"],
                text=options["text"],
                max_words=max_words,
                progress=progress,
            )
        else:
            summary = build_demo(works, options["seed"], max_words=max_words, progress=progress)
        if verbosity:
            self._report(summary)

    def _report(self, summary: DemoSummary) -> None:
        """Write what was made and how to log in."""
        posted = summary.works - summary.drafts
        lines = [
            f"Demo archive ready in {summary.seconds:.1f} s:",
            f"  {summary.users:,} users with {summary.pseuds:,} pseuds",
            f"  {summary.works:,} works ({posted:,} posted, "
            f"{summary.drafts:,} draft{'' if summary.drafts == 1 else 's'}), "
            f"{summary.chapters:,} chapters, {summary.words:,} words posted",
        ]
        if summary.password is not None:
            lines.append(
                f"Log in as `{summary.username}` with the password `{summary.password}` "
                f"(shown only now; change it before you put this archive online)."
            )
        else:
            lines.append(
                f"Log in as `{summary.username}`: that account already existed, so its password "
                f"was left unchanged."
            )
        lines.append("Run `ficarchive serve` and open http://127.0.0.1:8000/ to browse it.")
        self.stdout.write(self.style.SUCCESS(lines[0]))
        for line in lines[1:]:
            self.stdout.write(line)
