"""A chapter's history for its creators: every kept version with what changed, and
restoring one. Only the work's creators see it (anyone else gets a 404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString, mark_safe

from ficarchive.accounts.models import User
from ficarchive.core.numbers import parse_whole_number
from ficarchive.core.pagination import paginate
from ficarchive.moderation.guards import refused_response
from ficarchive.revisions.actions import restore_version
from ficarchive.revisions.models import ChapterContent, ChapterVersion
from ficarchive.text.diff import diff_html
from ficarchive.works.models import Chapter, TextFormat, Work

PER_PAGE = 10  # each version shows its changes: a short page

FIELDS = (
    ("title", "Chapter title"),
    ("summary", "Chapter summary"),
    ("notes", "Chapter notes"),
    ("text", "Work text"),
    ("end_notes", "Chapter end notes"),
)


@dataclass
class Change:
    label: str
    html: SafeString


@dataclass
class VersionRow:
    version: ChapterVersion
    words_changed: int | None  # against the version before; None for the first kept
    changes: list[Change]
    format_change: str  # "Plain text → HTML", or ""
    is_current: bool


def _format_label(value: str) -> str:
    return str(dict(TextFormat.choices).get(value, value))


def _changes(before: ChapterContent | None, after: ChapterContent) -> tuple[list[Change], str]:
    changes: list[Change] = []
    for name, label in FIELDS:
        old = getattr(before, name) if before is not None else ""
        new = getattr(after, name)
        if old != new:
            # diff_html escapes every piece of the writer's text it puts in the HTML.
            changes.append(Change(label, mark_safe(diff_html(old, new))))
    fmt = ""
    if before is not None and before.text_format != after.text_format:
        fmt = f"{_format_label(before.text_format)} → {_format_label(after.text_format)}"
    return changes, fmt


def _own_chapter(request: HttpRequest, work_id: int, position: int) -> tuple[Work, Chapter]:
    user = request.user
    assert isinstance(user, User)
    work = Work.objects.credited_to(user).filter(pk=work_id).first()
    chapter = Chapter.objects.filter(work=work, position=position).first() if work else None
    if work is None or chapter is None:
        raise Http404("No such chapter among your works.")
    chapter.work = work
    return work, chapter


@login_required
def chapter_history(request: HttpRequest, work_id: int, position: int) -> HttpResponse:
    work, chapter = _own_chapter(request, work_id, position)
    if request.method == "POST":
        return _restore(request, work, chapter)
    versions = (
        ChapterVersion.objects.filter(chapter=chapter).select_related("author").order_by("-number")
    )
    page, problem = paginate(request, versions, PER_PAGE)
    shown: list[ChapterVersion] = list(page.object_list)
    before_page = (
        ChapterVersion.objects.filter(chapter=chapter, number__lt=shown[-1].number)
        .order_by("-number")
        .first()
        if shown
        else None
    )
    newest = page.number == 1 and bool(shown)
    rows: list[VersionRow] = []
    olders = [*shown[1:], before_page]
    for index, (version, older) in enumerate(zip(shown, olders, strict=True)):
        changes, fmt = _changes(older.content() if older else None, version.content())
        rows.append(
            VersionRow(
                version=version,
                words_changed=version.word_count - older.word_count if older else None,
                changes=changes,
                format_change=fmt,
                is_current=newest and index == 0,
            )
        )
    return render(
        request,
        "revisions/history.html",
        {"work": work, "chapter": chapter, "page": page, "rows": rows, "problem": problem},
    )


def _restore(request: HttpRequest, work: Work, chapter: Chapter) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    url = f"/works/{work.pk}/chapters/{chapter.position}/history/"
    number = parse_whole_number(request.POST.get("restore", ""))
    if number is None:
        messages.error(request, "Choose a version to restore: that is not a version number.")
        return redirect(url)
    try:
        restore_version(user, chapter, number)
    except PermissionDenied as error:
        return refused_response(request, error)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(url)
    messages.success(
        request, f"Version {number} restored: the chapter is as it was then (a new version)."
    )
    return redirect(url)
