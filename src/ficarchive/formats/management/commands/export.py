"""`ficarchive export WORK_ID --format epub|html|txt -o PATH`: write a work's download file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ficarchive.core.migrations_check import ensure_migrated
from ficarchive.formats.downloads import export_bytes
from ficarchive.formats.exporters import FORMATS
from ficarchive.works.models import Work

EXIT_FAILED = 2


class Command(BaseCommand):
    help = (
        "Write a work's download file, as a guest would get it (posted chapters only) unless "
        "--include-drafts. The bytes are those of the download link on the work's page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("work_id", type=int, metavar="WORK_ID", help="The work's number.")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS), dest="fmt")
        parser.add_argument("-o", "--output", required=True, metavar="PATH", help="File to write.")
        parser.add_argument(
            "--include-drafts",
            action="store_true",
            help="Export a draft work, or a work's draft chapters, as its creators see it.",
        )

    def _fail(self, message: str) -> None:
        self.stderr.write(message)
        sys.exit(EXIT_FAILED)

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_migrated()
        work = Work.objects.for_listing().filter(pk=options["work_id"]).first()
        if work is None:
            self._fail(f"There is no work {options['work_id']}.")
            return
        drafts = bool(options["include_drafts"])
        if work.is_draft and not drafts:
            self._fail(
                f"Work {work.pk} is a draft, so readers cannot download it. "
                "Add --include-drafts to export it as its creators see it."
            )
            return
        data = export_bytes(work, options["fmt"], include_drafts=drafts)
        output = Path(options["output"])
        try:
            output.write_bytes(data)
        except OSError as error:
            self._fail(f"Could not write {output}: {error.strerror or error}.")
            return
        self.stdout.write(f"Wrote {output} ({len(data):,} bytes, {options['fmt']}).")
