"""The "download my data" ZIP: everything the archive keeps about one member, as JSON, with
each of their works as EPUB and HTML.

Layout: ``profile.json``, ``pseuds.json``, ``works.json`` (with ``works/<id>.epub`` and
``works/<id>.html``, drafts included), ``series.json``, ``comments.json``,
``bookmarks.json``, ``kudos.json``, ``subscriptions.json``, ``history.json`` and a short
``README.txt``. The file is written under DATA_DIR/exports/ with mode 0600 under a random
name, then renamed into place, so no other user of the machine can read it and no reader
sees half a file.
"""

from __future__ import annotations

import json
import os
import secrets
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from ficarchive.accounts.models import User
from ficarchive.bookmarks.models import Bookmark
from ficarchive.comments.models import Comment
from ficarchive.formats.downloads import export_bytes
from ficarchive.history.models import Reading
from ficarchive.kudos.models import Kudos
from ficarchive.series.models import Series
from ficarchive.subscriptions.models import Subscription
from ficarchive.works.models import Work


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _profile(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "email_confirmed_at": _when(user.email_confirmed_at),
        "bio": user.bio,
        "bio_html": user.bio_html,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
        "earlier_usernames": [
            {"username": c.old_username, "changed_at": _when(c.changed_at)}
            for c in user.username_changes.order_by("changed_at")
        ],
    }


def _works(user: User) -> list[Work]:
    return list(Work.objects.created_by(user).for_listing().order_by("pk"))


def _work(work: Work) -> dict[str, Any]:
    return {
        "id": work.pk,
        "url": f"/works/{work.pk}/",
        "title": work.title,
        "status": work.status,
        "creators": [str(p) for p in work.creator_pseuds()],  # their own works
        "rating": work.rating,
        "language": work.language,
        "tags": [{"type": t.type, "name": t.name} for t in work.ordered_tags()],
        "summary_html": work.summary_html,
        "word_count": work.word_count,
        "chapter_count": work.chapter_count,
        "complete": work.complete,
        "created_at": _when(work.created_at),
        "published_at": _when(work.published_at),
        "updated_at": _when(work.updated_at),
        "kudos_count": work.kudos_count,
        "bookmark_count": work.bookmark_count,
        "comment_count": work.comment_count,
        "hit_count": work.hit_count,
        "files": [f"works/{work.pk}.epub", f"works/{work.pk}.html"],
    }


def collect(user: User) -> dict[str, Any]:
    """Return the JSON documents of the export (file name without .json -> content)."""
    return {
        "profile": _profile(user),
        "pseuds": [
            {
                "name": p.name,
                "description": p.description,
                "is_default": p.is_default,
                "created_at": _when(p.created_at),
            }
            for p in user.pseuds.all()
        ],
        "series": [
            {
                "id": s.pk,
                "title": s.title,
                "summary": s.summary,
                "notes": s.notes,
                "complete": s.complete,
                "works": [e.work_id for e in s.entries.all()],
                "created_at": _when(s.created_at),
            }
            for s in Series.objects.filter(creator=user).prefetch_related("entries")
        ],
        "comments": [
            {
                "id": c.pk,
                "work": c.work_id,
                "work_title": c.work.title,
                "chapter": c.chapter.position,
                "paragraph": c.paragraph_id,
                "in_reply_to": c.parent_id,
                "text": c.text,
                "status": c.status,
                "created_at": _when(c.created_at),
                "edited_at": _when(c.edited_at),
            }
            for c in Comment.objects.filter(user=user).select_related("work", "chapter")
        ],
        "bookmarks": [
            {
                "work": b.work_id,
                "series": b.series_id,
                "title": b.work.title if b.work else b.series.title if b.series else "",
                "notes": b.notes,
                "tags": [t.name for t in b.tags.all()],
                "private": b.private,
                "recommend": b.recommend,
                "for_later": b.for_later,
                "created_at": _when(b.created_at),
                "updated_at": _when(b.updated_at),
            }
            for b in Bookmark.objects.filter(user=user)
            .select_related("work", "series")
            .prefetch_related("tags")
        ],
        "kudos": [
            {"work": k.work_id, "title": k.work.title, "created_at": _when(k.created_at)}
            for k in Kudos.objects.filter(user=user).select_related("work")
        ],
        "subscriptions": [
            {
                "work": s.work_id,
                "series": s.series_id,
                "creator": s.creator.username if s.creator else None,
                "created_at": _when(s.created_at),
            }
            for s in Subscription.objects.filter(user=user).select_related("creator")
        ],
        "history": [
            {
                "work": r.work_id,
                "title": r.work.title,
                "last_chapter": r.last_chapter.position if r.last_chapter else None,
                "last_read_at": _when(r.last_read_at),
                "visits": r.visits,
            }
            for r in Reading.objects.filter(user=user).select_related("work", "last_chapter")
        ],
    }


README = """Your data from {site}, as of {when}.

profile.json       your account: username, display name, e-mail, bio, earlier usernames
pseuds.json        your pseuds
works.json         your works (drafts too); works/<id>.epub and works/<id>.html are the text
series.json        your series
comments.json      the comments you wrote
bookmarks.json     your bookmarks (private ones too)
kudos.json         the works you left kudos on
subscriptions.json what you subscribed to
history.json       your reading history
"""


def write_export(user: User, directory: Path, now: datetime) -> tuple[str, int]:
    """Write the user's export ZIP into directory (mode 0600). Returns its file name and
    size in bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    name = f"{secrets.token_urlsafe(24)}.zip"
    temporary = directory / f".tmp-{name}"
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with (
            os.fdopen(handle, "wb") as file,
            zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            archive.writestr(
                "README.txt", README.format(site=settings.SITE_NAME, when=now.isoformat())
            )
            works = _works(user)
            documents = collect(user)
            documents["works"] = [_work(work) for work in works]
            for key, value in documents.items():
                archive.writestr(f"{key}.json", json.dumps(value, ensure_ascii=False, indent=2))
            for work in works:
                for fmt in ("epub", "html"):
                    archive.writestr(
                        f"works/{work.pk}.{fmt}", export_bytes(work, fmt, include_drafts=True)
                    )
        os.replace(temporary, directory / name)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return name, (directory / name).stat().st_size
