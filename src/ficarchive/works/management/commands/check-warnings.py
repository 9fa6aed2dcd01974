"""`ficarchive check-warnings`: list the works that carry no archive warning.

Posting needs one (as on AO3); works stored before that rule got "Creator Chose Not To Use
Archive Warnings" from a data migration, so this normally finds none. Drafts may lack one
until they are posted: they are listed only with --drafts."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Exists, OuterRef

from ficarchive.core.migrations_check import ensure_migrated
from ficarchive.tags.models import TagType
from ficarchive.works.models import Status, Work, WorkTag


class Command(BaseCommand):
    help = (
        "List posted works without an archive warning (id, URL, title); --drafts lists drafts "
        "too. Exits with 1 when it finds any, so scripts can check."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--drafts", action="store_true", help="Also list drafts.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_migrated()
        has_warning = WorkTag.objects.filter(work_id=OuterRef("pk"), tag__type=TagType.WARNING)
        works = Work.objects.filter(~Exists(has_warning)).order_by("pk")
        if not options["drafts"]:
            works = works.filter(status=Status.POSTED)
        rows = list(works.values_list("pk", "status", "title"))
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "count": len(rows),
                        "works": [
                            {"id": pk, "url": f"/works/{pk}/", "status": status, "title": title}
                            for pk, status, title in rows
                        ],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            for pk, status, title in rows:
                self.stdout.write(f"{pk}\t/works/{pk}/\t{status}\t{title}")
            kind = "works" if options["drafts"] else "posted works"
            if rows:
                self.stdout.write(
                    self.style.WARNING(
                        f"{len(rows):,} {kind} have no archive warning: edit each and choose "
                        "one (“Creator Chose Not To Use Archive Warnings” is one)."
                    )
                )
            else:
                self.stdout.write(
                    self.style.SUCCESS(f"Every one of the {kind} has an archive warning.")
                )
        if rows:
            raise SystemExit(1)
