"""`ficarchive import FILE... --author USER`: import stories from files as works."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ficarchive.accounts.models import User
from ficarchive.core.migrations_check import ensure_migrated
from ficarchive.formats.actions import import_parsed_work
from ficarchive.formats.importers import MAX_IMPORT_BYTES, ImportRejected, parse_file

EXIT_BAD_FILE = 2


class Command(BaseCommand):
    help = (
        "Import plain-text or Markdown stories as works credited to --author's default pseud. "
        "Prints the id and /works/<id>/ path of each work made; exit code 2 if a file was bad."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="FILE", help="Files to import.")
        parser.add_argument("--author", required=True, help="Username of an existing account.")
        parser.add_argument("--title", help="Title (overrides the file's; needed if it has none).")
        parser.add_argument("--format", choices=["text", "markdown"], help="Force the file format.")
        parser.add_argument(
            "--fandom", action="append", default=[], help="Fandom to add (repeatable)."
        )
        parser.add_argument("--draft", action="store_true", help="Save as drafts, not posted.")
        parser.add_argument("--dry-run", action="store_true", help="Parse only; save nothing.")
        parser.add_argument(
            "--json", action="store_true", help="Print results as JSON (one object a line)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        author = None
        if not options["dry_run"]:
            ensure_migrated()
            author = User.objects.filter(username__iexact=options["author"]).first()
            if author is None:
                raise CommandError(
                    f"There is no user named “{options['author']}”. Create the account first "
                    "(sign up on the site, or `ficarchive createsuperuser`), then import again."
                )
        failures = 0
        for raw in options["paths"]:
            path = Path(raw)
            try:
                result = self._one(path, author, options)
            except (ImportRejected, ValidationError, OSError) as error:
                failures += 1
                message = _message(error)
                if options["json"]:
                    self.stdout.write(json.dumps({"file": str(path), "error": message}))
                self.stderr.write(f"{path}: not imported: {message}")
                continue
            self.stdout.write(result)
        if len(options["paths"]) > 1 and not options["json"]:
            made = len(options["paths"]) - failures
            verb = "parsed" if options["dry_run"] else "imported"
            self.stderr.write(f"{made} of {len(options['paths'])} files {verb}, {failures} failed.")
        if failures:
            sys.exit(EXIT_BAD_FILE)

    def _one(self, path: Path, author: User | None, options: dict[str, Any]) -> str:
        if path.is_dir():
            raise ImportRejected(f"{path} is a folder: name the files in it to import.")
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise ImportRejected(
                f"The file is {path.stat().st_size:,} bytes; the limit is {MAX_IMPORT_BYTES:,}. "
                "Split it into several works or chapters."
            )
        parsed = parse_file(
            path.read_bytes(), filename=path.name, fmt=options["format"], title=options["title"]
        )
        for fandom in options["fandom"]:
            if fandom not in parsed.fandoms:
                parsed.fandoms.append(fandom)
        if options["dry_run"]:
            if options["json"]:
                return json.dumps(parsed.to_json(), ensure_ascii=False)
            return (
                f"{path}: “{parsed.title or '(no title: pass --title)'}”, "
                f"{len(parsed.chapters)} chapter(s), "
                f"{sum(c.word_count for c in parsed.chapters):,} words ({parsed.encoding}); "
                "dry run, nothing saved."
            )
        assert author is not None
        if not parsed.title.strip():
            raise ImportRejected('The file names no title: pass one with --title "...".')
        if not parsed.fandoms and not options["draft"]:
            raise ImportRejected(
                "The file names no fandom, and a work needs one to be posted: pass --fandom "
                '"...", or --draft to save it as a draft and add the fandom on the site.'
            )
        work = import_parsed_work(author, parsed, draft=options["draft"])
        for warning in parsed.warnings:
            self.stderr.write(f"{path}: note: {warning}")
        if options["json"]:
            return json.dumps(
                {
                    "file": str(path),
                    "id": work.pk,
                    "url": work.get_absolute_url(),
                    "title": work.title,
                    "draft": work.is_draft,
                }
            )
        return f"{work.pk} {work.get_absolute_url()}"


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, OSError):
        return (
            f"could not read the file ({error.strerror or error}). Check the path and permissions."
        )
    return str(error)
