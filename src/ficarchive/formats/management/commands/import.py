"""`ficarchive import PATH... --author USER`: import stories from files (or every story file
in a folder) as works, one transaction per file, reporting each file and going on past
failures."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ficarchive.accounts.models import User
from ficarchive.core.migrations_check import ensure_migrated
from ficarchive.core.progress import Progress
from ficarchive.formats.actions import import_parsed_work
from ficarchive.formats.importers import FORMATS, MAX_IMPORT_BYTES, ImportRejected, parse_file
from ficarchive.formats.parsed import ParsedWork
from ficarchive.moderation.sanctions import check_active

EXIT_BAD_FILE = 2
# Files a folder import picks up; others in the folder are counted and skipped.
STORY_EXTENSIONS = frozenset(
    {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".epub", ".docx"}
)


def expand_paths(raw_paths: list[str]) -> tuple[list[Path], list[Path]]:
    """Return (files to import, files skipped) for the paths given: a folder gives its story
    files (by extension, sorted, hidden files and folders left out), recursively."""
    files: list[Path] = []
    skipped: list[Path] = []
    for raw in raw_paths:
        path = Path(raw)
        if not path.is_dir():
            files.append(path)
            continue
        for found in sorted(path.rglob("*")):
            relative = found.relative_to(path)
            if any(part.startswith(".") for part in relative.parts) or not found.is_file():
                continue
            if found.suffix.lower() in STORY_EXTENSIONS:
                files.append(found)
            else:
                skipped.append(found)
    return files, skipped


class Command(BaseCommand):
    help = (
        "Import stories (plain text, Markdown, HTML, AO3 HTML downloads, EPUB, DOCX) from files "
        "or folders as works credited to --author's default pseud. Prints the id and "
        "/works/<id>/ path of each work made; exit code 2 if a file was bad."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help="Files, or folders of story files, to import."
        )
        parser.add_argument("--author", required=True, help="Username of an existing account.")
        parser.add_argument("--title", help="Title (overrides the file's; needed if it has none).")
        parser.add_argument("--format", choices=list(FORMATS), help="Force the file format.")
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
            try:
                check_active(author)
            except PermissionDenied as error:
                raise CommandError(f"{author.username} cannot import works now: {error}") from None
        paths, skipped = expand_paths(options["paths"])
        if skipped:
            kinds = sorted({p.suffix.lower() or "(no extension)" for p in skipped})
            self.stderr.write(
                f"Skipped {len(skipped)} file(s) that are not story files ({', '.join(kinds[:10])})."
            )
        if not paths:
            self.stderr.write(
                "No story files found to import (folders are searched for "
                f"{', '.join(sorted(STORY_EXTENSIONS))} files)."
            )
            sys.exit(EXIT_BAD_FILE)
        progress = Progress(self.stderr, "Imported", "files", quiet=len(paths) < 2)
        failures = 0
        for done, path in enumerate(paths, start=1):
            try:
                result = self._one(path, author, options)
            except (ImportRejected, ValidationError, PermissionDenied, OSError) as error:
                failures += 1
                self._failed(path, _message(error), options)
            except Exception as error:  # a bug must not stop a folder import halfway
                failures += 1
                self._failed(
                    path,
                    f"unexpected error ({type(error).__name__}: {error}); please report it",
                    options,
                )
            else:
                self.stdout.write(result)
            progress(done, len(paths))
        if len(paths) > 1:
            made = len(paths) - failures
            verb = "parsed" if options["dry_run"] else "imported"
            self.stderr.write(f"{made} of {len(paths)} files {verb}, {failures} failed.")
        if failures:
            sys.exit(EXIT_BAD_FILE)

    def _failed(self, path: Path, message: str, options: dict[str, Any]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps({"file": str(path), "error": message}))
        self.stderr.write(f"{path}: not imported: {message}")

    def _one(self, path: Path, author: User | None, options: dict[str, Any]) -> str:
        if path.is_dir():
            raise ImportRejected(f"{path} is a folder: name the files in it to import.")
        if path.exists() and not path.is_file():
            raise ImportRejected(f"{path} is not a regular file (a device or a pipe).")
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
            return f"{path}: {_described(parsed)} ({parsed.encoding}); dry run, nothing saved."
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
        state = "draft" if work.is_draft else "posted"
        self.stderr.write(f"{path}: made work {work.pk} ({state}): {_described(parsed)}")
        if options["json"]:
            return json.dumps(
                {
                    "file": str(path),
                    "id": work.pk,
                    "url": work.get_absolute_url(),
                    "title": work.title,
                    "chapters": len(parsed.chapters),
                    "words": parsed.word_count,
                    "draft": work.is_draft,
                },
                ensure_ascii=False,
            )
        return f"{work.pk} {work.get_absolute_url()}"


def _described(parsed: ParsedWork) -> str:
    title = parsed.title or "(no title: pass --title)"
    count = len(parsed.chapters)
    chapters = f"{count} chapter{'' if count == 1 else 's'}"
    return f"“{title}”, {chapters}, {parsed.word_count:,} words"


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, OSError):
        return (
            f"could not read the file ({error.strerror or error}). Check the path and permissions."
        )
    return str(error)
