"""Writes on works and chapters: the only code that creates, changes or deletes them.

Views, the CLI and (later) the API call these; each runs in one transaction, so a failure
leaves the old state and never half of the new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from ficarchive.accounts.models import Pseud, User
from ficarchive.comments.actions import reanchor_paragraph_comments
from ficarchive.gifts.actions import invite_co_creators, notify_recipients, set_gifts
from ficarchive.moderation.sanctions import check_active
from ficarchive.revisions.models import ChapterContent
from ficarchive.revisions.versions import keep_baseline, record_first_versions, record_version
from ficarchive.search.index import reindex_appended_chapter, reindex_work, remove_work
from ficarchive.site.access import check_may_post
from ficarchive.subscriptions.actions import on_posted
from ficarchive.tags.actions import find_or_create_tags, fixed_tags
from ficarchive.tags.filtering import refresh_filter_tags
from ficarchive.tags.models import ARCHIVE_WARNINGS, CATEGORIES, Tag, TagType
from ficarchive.text import TEXT_FORMATS, render_text
from ficarchive.text import TextFormat as PipelineFormat
from ficarchive.works.models import (
    CHAPTER_TEXT_MAX,
    NOTES_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Chapter,
    CommentPermission,
    Creatorship,
    Rating,
    Status,
    TextFormat,
    Work,
    WorkTag,
)


@dataclass
class WorkInput:
    """Work metadata as an author gives it (sources, not HTML)."""

    title: str
    summary: str = ""
    notes: str = ""
    end_notes: str = ""
    text_format: str = TextFormat.HTML
    rating: str = Rating.NOT_RATED
    warnings: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    fandoms: list[str] = field(default_factory=list)
    relationships: list[str] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)
    freeforms: list[str] = field(default_factory=list)
    language: str = "en"
    expected_chapters: int | None = None
    complete: bool = False
    restricted: bool = False
    allow_guest_kudos: bool = True
    comment_permission: str = CommentPermission.ANYONE
    moderate_comments: bool = False
    # Names of the recipients (members' pseuds or names without an account) and of the other
    # members' pseuds invited as co-creators; None leaves them as they are (gifts app).
    gifts: list[str] | None = None
    co_creators: list[str] | None = None


@dataclass
class ChapterInput:
    """A chapter as an author gives it (sources, not HTML)."""

    text: str
    text_format: str = TextFormat.HTML
    title: str = ""
    summary: str = ""
    notes: str = ""
    end_notes: str = ""

    @classmethod
    def of(cls, chapter: Chapter) -> ChapterInput:
        """Return the chapter's sources as they are now (the base of a partial update): the
        fields a version keeps (tests/test_revisions.py keeps the two lists equal)."""
        return cls(**asdict(ChapterContent.of(chapter)))


def pipeline_format(value: str) -> PipelineFormat:
    """Return a stored text format as the text pipeline's format, or raise ValidationError."""
    if value not in TEXT_FORMATS:
        raise ValidationError(f"Unknown text format “{value}”.")
    return cast(PipelineFormat, value)


def _check_length(label: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise ValidationError(
            f"{label} is {len(value):,} characters long; the limit is {limit:,}. Shorten it."
        )


# As on AO3, a posted work carries at least one archive warning; choosing none is itself a
# choice, "Creator Chose Not To Use Archive Warnings" (NO_WARNING_CHOSEN).
NO_WARNING_CHOSEN = "Creator Chose Not To Use Archive Warnings"
NO_WARNING_MESSAGE = (
    "Archive warnings is empty: choose at least one (“No Archive Warnings Apply”, or "
    f"“{NO_WARNING_CHOSEN}” if you would rather not say)."
)


def validate_work_input(data: WorkInput, *, posting: bool = True) -> None:
    """Raise ValidationError with a clear message for anything the archive cannot store.
    A work must name a fandom and at least one archive warning to be posted; a draft may
    leave them for later."""
    if not data.title.strip():
        raise ValidationError("Title is empty: give your work a title.")
    _check_length("Title", data.title, TITLE_MAX)
    _check_length("Summary", data.summary, SUMMARY_MAX)
    _check_length("Notes", data.notes, NOTES_MAX)
    _check_length("End notes", data.end_notes, NOTES_MAX)
    if data.text_format not in TextFormat.values:
        raise ValidationError(f"Unknown text format “{data.text_format}”.")
    if data.comment_permission not in CommentPermission.values:
        raise ValidationError(f"Unknown comment setting “{data.comment_permission}”.")
    if data.rating not in Rating.values:
        raise ValidationError(f"Unknown rating “{data.rating}”.")
    for warning in data.warnings:
        if warning not in ARCHIVE_WARNINGS:
            raise ValidationError(f"Unknown archive warning “{warning}”.")
    for category in data.categories:
        if category not in CATEGORIES:
            raise ValidationError(f"Unknown category “{category}”.")
    if posting and not data.fandoms:
        raise ValidationError("Fandoms is empty: name at least one fandom (or “Original Work”).")
    if posting and not data.warnings:
        raise ValidationError(NO_WARNING_MESSAGE)
    if data.expected_chapters is not None and not 1 <= data.expected_chapters <= 10_000:
        raise ValidationError("Expected chapters must be a number from 1 to 10,000, or empty.")


def validate_chapter_input(data: ChapterInput) -> None:
    """Raise ValidationError with a clear message for anything the archive cannot store."""
    if not data.text.strip():
        raise ValidationError("Work text is empty: write or paste the chapter.")
    _check_length("Work text", data.text, CHAPTER_TEXT_MAX)
    _check_length("Chapter title", data.title, TITLE_MAX)
    _check_length("Chapter summary", data.summary, SUMMARY_MAX)
    _check_length("Chapter notes", data.notes, NOTES_MAX)
    _check_length("Chapter end notes", data.end_notes, NOTES_MAX)
    if data.text_format not in TextFormat.values:
        raise ValidationError(f"Unknown text format “{data.text_format}”.")


def _html(source: str, fmt: str) -> str:
    if not source.strip():
        return ""
    return render_text(source, pipeline_format(fmt), paragraph_ids=False).html


def _apply_work_fields(work: Work, data: WorkInput) -> None:
    work.title = data.title.strip()
    work.summary = data.summary
    work.notes = data.notes
    work.end_notes = data.end_notes
    work.text_format = data.text_format
    work.summary_html = _html(data.summary, data.text_format)
    work.notes_html = _html(data.notes, data.text_format)
    work.end_notes_html = _html(data.end_notes, data.text_format)
    work.rating = data.rating
    work.language = (data.language or "en").strip()[:20]
    work.expected_chapters = data.expected_chapters
    work.complete = data.complete or _reached_expected(work)
    work.restricted = data.restricted
    work.allow_guest_kudos = data.allow_guest_kudos
    work.comment_permission = data.comment_permission
    work.moderate_comments = data.moderate_comments


def _apply_chapter_fields(chapter: Chapter, data: ChapterInput) -> None:
    rendered = render_text(data.text, pipeline_format(data.text_format))
    if rendered.word_count == 0 and not rendered.html.strip():
        raise ValidationError("Work text has nothing left to show once unsafe markup is removed.")
    chapter.text = data.text
    chapter.text_format = data.text_format
    chapter.html = rendered.html
    chapter.word_count = rendered.word_count
    chapter.paragraph_count = rendered.paragraphs
    chapter.title = data.title.strip()
    chapter.summary = data.summary
    chapter.notes = data.notes
    chapter.end_notes = data.end_notes
    chapter.summary_html = _html(data.summary, data.text_format)
    chapter.notes_html = _html(data.notes, data.text_format)
    chapter.end_notes_html = _html(data.end_notes, data.text_format)


def _in_order(names: list[str], choices: list[str]) -> list[str]:
    return sorted(names, key=lambda name: choices.index(name) if name in choices else len(choices))


def _set_tags(work: Work, data: WorkInput) -> None:
    tags: list[Tag] = []
    tags += find_or_create_tags(TagType.FANDOM, data.fandoms)
    tags += find_or_create_tags(TagType.RELATIONSHIP, data.relationships)
    tags += find_or_create_tags(TagType.CHARACTER, data.characters)
    tags += find_or_create_tags(TagType.FREEFORM, data.freeforms)
    # Warnings and categories are fixed choices: always in their own order, as the form lists
    # them, whatever order an API client sent.
    tags += fixed_tags(TagType.WARNING, _in_order(data.warnings, ARCHIVE_WARNINGS))
    tags += fixed_tags(TagType.CATEGORY, _in_order(data.categories, CATEGORIES))
    # The writer's order, kept as each row's position: fandoms, relationships (the first is
    # the main pairing), characters, additional tags, then the fixed tags. A name given twice
    # (or a synonym given beside its tag) keeps its first place.
    order: dict[int, int] = {}
    for tag in tags:
        order.setdefault(tag.pk, len(order))
    WorkTag.objects.filter(work=work).exclude(tag_id__in=order).delete()
    have = {row.tag_id: row for row in WorkTag.objects.filter(work=work)}
    moved = [row for pk, row in have.items() if row.position != order[pk]]
    for row in moved:
        row.position = order[row.tag_id]
    WorkTag.objects.bulk_update(moved, ["position"])
    WorkTag.objects.bulk_create(
        [WorkTag(work=work, tag_id=pk, position=i) for pk, i in order.items() if pk not in have]
    )
    refresh_filter_tags([work.pk])  # tags: keep the work's filter tags in step


def _check_creator(work: Work, user: User) -> None:
    if not Creatorship.objects.filter(work=work, pseud__user=user).exists():
        raise PermissionDenied("Only the work's creators can change it.")


def _reached_expected(work: Work) -> bool:
    """Return True when the work's posted chapters reach the number its creators expect:
    such a work is complete, as on AO3 ("3/3")."""
    expected = work.expected_chapters
    return expected is not None and expected > 0 and work.chapter_count >= expected


def _refresh_totals(work: Work) -> None:
    """Recompute the work's posted word and chapter counts from its chapters."""
    totals = Chapter.objects.filter(work=work, posted=True).aggregate(
        words=Sum("word_count"), chapters=Count("pk")
    )
    work.word_count = totals["words"] or 0
    work.chapter_count = totals["chapters"]
    fields = ["word_count", "chapter_count", "revised_at"]
    if not work.complete and _reached_expected(work):
        work.complete = True
        fields.append("complete")
    work.save(update_fields=fields)


def _check_pseuds(user: User, pseuds: Sequence[Pseud]) -> list[Pseud]:
    chosen = list(pseuds) or [user.default_pseud()]
    for pseud in chosen:
        if pseud.user_id != user.pk:
            raise PermissionDenied("You can only post under your own pseuds.")
    return chosen


@transaction.atomic
def post_work(
    user: User,
    data: WorkInput,
    chapter: ChapterInput,
    *,
    pseuds: Sequence[Pseud] = (),
    draft: bool = False,
) -> Work:
    """Create a work with its first chapter, credited to the user's pseuds (the default pseud
    when none are given), posted now or kept as a draft. Returns the new work."""
    check_active(user)
    if not draft:
        check_may_post(user)
    validate_work_input(data, posting=not draft)
    validate_chapter_input(chapter)
    creators = _check_pseuds(user, pseuds)
    now = timezone.now()
    work = Work(status=Status.DRAFT if draft else Status.POSTED)
    _apply_work_fields(work, data)
    if not draft:
        work.published_at = now
        work.updated_at = now
    work.save()
    Creatorship.objects.bulk_create(
        [Creatorship(work=work, pseud=p, position=i) for i, p in enumerate(creators)]
    )
    _set_tags(work, data)
    _set_credits(user, work, data)
    first = Chapter(work=work, position=1, posted=not draft, published_at=None if draft else now)
    _apply_chapter_fields(first, chapter)
    first.save()
    record_version(first, user)
    _refresh_totals(work)
    reindex_work(work)
    on_posted(work, first)
    return work


@transaction.atomic
def update_work(
    user: User, work: Work, data: WorkInput, *, pseuds: Sequence[Pseud] | None = None
) -> Work:
    """Change a work's metadata and tags, and, when pseuds are given, which of the user's own
    pseuds it is credited to (co-creators' credits are left alone). Returns the work."""
    check_active(user)
    _check_creator(work, user)
    validate_work_input(data, posting=work.status == Status.POSTED)
    _apply_work_fields(work, data)
    work.save()
    _set_tags(work, data)
    if pseuds:
        chosen = _check_pseuds(user, pseuds)
        Creatorship.objects.filter(work=work, pseud__user=user).exclude(pseud__in=chosen).delete()
        have = set(Creatorship.objects.filter(work=work).values_list("pseud_id", flat=True))
        start = len(have)
        Creatorship.objects.bulk_create(
            [
                Creatorship(work=work, pseud=p, position=start + i)
                for i, p in enumerate(p for p in chosen if p.pk not in have)
            ]
        )
    _set_credits(user, work, data)
    reindex_work(work)
    return work


def _set_credits(user: User, work: Work, data: WorkInput) -> None:
    """Save the gifts and co-creator invitations the input names (the gifts app's rules)."""
    if data.gifts is not None:
        set_gifts(user, work, data.gifts)
    if data.co_creators is not None:
        invite_co_creators(user, work, data.co_creators)


@transaction.atomic
def post_draft_work(user: User, work: Work) -> Work:
    """Post a draft work and all of its chapters. Returns the work."""
    check_active(user)
    check_may_post(user)
    _check_creator(work, user)
    if work.status == Status.POSTED:
        return work
    if not work.tags.filter(type=TagType.FANDOM).exists():
        raise ValidationError("Add a fandom before posting: edit the work and fill in Fandoms.")
    if not work.tags.filter(type=TagType.WARNING).exists():
        raise ValidationError(
            "Choose an archive warning before posting: edit the work and tick at least one "
            f"under Archive warnings (“{NO_WARNING_CHOSEN}” is one)."
        )
    now = timezone.now()
    work.status = Status.POSTED
    work.published_at = work.published_at or now
    work.updated_at = now
    work.save(update_fields=["status", "published_at", "updated_at", "revised_at"])
    Chapter.objects.filter(work=work, posted=False).update(posted=True, published_at=now)
    _refresh_totals(work)
    reindex_work(work)
    notify_recipients(work, sender=user)  # a draft's recipients hear of it when it is posted
    from ficarchive.prompt_memes.actions import announce_fills

    announce_fills(work)  # and the prompters of the prompts it fills
    if first := Chapter.objects.filter(work=work, posted=True).order_by("position").first():
        on_posted(work, first)
    return work


@transaction.atomic
def delete_work(user: User, work: Work) -> None:
    """Delete a work with its chapters, credits and taggings."""
    check_active(user)
    _check_creator(work, user)
    remove_work(work)
    work.delete()


@transaction.atomic
def add_chapter(user: User, work: Work, data: ChapterInput, *, draft: bool = False) -> Chapter:
    """Append a chapter to the work, posted now or kept as a draft. Returns the chapter."""
    check_active(user)
    if not draft:
        check_may_post(user)
    _check_creator(work, user)
    validate_chapter_input(data)
    # Lock the work row so two chapters added at once get different positions.
    work = Work.objects.select_for_update().get(pk=work.pk)
    last = Chapter.objects.filter(work=work).aggregate(m=Max("position"))["m"] or 0
    now = timezone.now()
    posted = not draft and work.status == Status.POSTED
    chapter = Chapter(
        work=work, position=last + 1, posted=posted, published_at=now if posted else None
    )
    _apply_chapter_fields(chapter, data)
    chapter.save()
    record_version(chapter, user)
    if posted:
        work.updated_at = now
        work.save(update_fields=["updated_at", "revised_at"])
    _refresh_totals(work)
    # The new chapter comes after every other: its text is added to the work's index row.
    reindex_appended_chapter(work, chapter)
    on_posted(work, chapter)
    return chapter


@transaction.atomic
def add_chapters(
    user: User, work: Work, chapters: Sequence[ChapterInput], *, draft: bool = False
) -> list[Chapter]:
    """Append chapters to the work in order, as :func:`add_chapter` does one by one, but with
    the checks, the work's totals and its index row done once (an import adds hundreds of
    chapters, and per-chapter bookkeeping cost more than the chapters). Returns them."""
    if not chapters:
        return []
    check_active(user)
    if not draft:
        check_may_post(user)
    _check_creator(work, user)
    for data in chapters:
        validate_chapter_input(data)
    work = Work.objects.select_for_update().get(pk=work.pk)
    last = Chapter.objects.filter(work=work).aggregate(m=Max("position"))["m"] or 0
    now = timezone.now()
    posted = not draft and work.status == Status.POSTED
    made: list[Chapter] = []
    for offset, data in enumerate(chapters, start=1):
        chapter = Chapter(
            work=work, position=last + offset, posted=posted, published_at=now if posted else None
        )
        _apply_chapter_fields(chapter, data)
        chapter.save()
        made.append(chapter)
    record_first_versions(made, user)
    if posted:
        work.updated_at = now
        work.save(update_fields=["updated_at", "revised_at"])
    _refresh_totals(work)
    reindex_work(work)
    for chapter in made:
        on_posted(work, chapter)
    return made


@transaction.atomic
def update_chapter(
    user: User, chapter: Chapter, data: ChapterInput, *, restored_from: int | None = None
) -> Chapter:
    """Change a chapter's text and notes, keeping the result as a new version (the one before
    is kept already; `restored_from` names the version this save brings back). Returns the
    chapter."""
    check_active(user)
    _check_creator(chapter.work, user)
    validate_chapter_input(data)
    keep_baseline(chapter)  # a chapter saved before versions were kept keeps its text
    _apply_chapter_fields(chapter, data)
    chapter.save()
    record_version(
        chapter,
        user,
        kind="restored" if restored_from is not None else "saved",
        restored_from=restored_from,
    )
    reanchor_paragraph_comments(chapter)  # paragraph comments follow their paragraphs
    _refresh_totals(chapter.work)
    reindex_work(chapter.work)
    return chapter


@transaction.atomic
def post_chapter(user: User, chapter: Chapter) -> Chapter:
    """Post a draft chapter of a posted work. Returns the chapter."""
    check_active(user)
    check_may_post(user)
    work = chapter.work
    _check_creator(work, user)
    if chapter.posted:
        return chapter
    if work.status != Status.POSTED:
        raise ValidationError("Post the work first; its chapters are posted with it.")
    now = timezone.now()
    chapter.posted = True
    chapter.published_at = now
    chapter.save(update_fields=["posted", "published_at", "updated_at"])
    work.updated_at = now
    work.save(update_fields=["updated_at", "revised_at"])
    _refresh_totals(work)
    reindex_appended_chapter(work, chapter)  # the whole row again unless it is the last one
    on_posted(work, chapter)
    return chapter


def _renumber(work: Work, ordered_ids: Sequence[int]) -> None:
    # Two passes so the unique (work, position) constraint never sees a duplicate.
    offset = 1_000_000
    for index, pk in enumerate(ordered_ids, start=1):
        Chapter.objects.filter(pk=pk).update(position=offset + index)
    for index, pk in enumerate(ordered_ids, start=1):
        Chapter.objects.filter(pk=pk).update(position=index)


@transaction.atomic
def delete_chapter(user: User, chapter: Chapter) -> None:
    """Delete a chapter and renumber the rest. A work's only chapter cannot be deleted (delete
    the work instead)."""
    check_active(user)
    work = chapter.work
    _check_creator(work, user)
    if Chapter.objects.filter(work=work).count() <= 1:
        raise ValidationError("This is the work's only chapter: delete the work instead.")
    chapter.delete()
    _renumber(
        work,
        list(Chapter.objects.filter(work=work).order_by("position").values_list("pk", flat=True)),
    )
    _refresh_totals(work)
    reindex_work(work)


@transaction.atomic
def reorder_chapters(user: User, work: Work, ordered_ids: Sequence[int]) -> None:
    """Put the work's chapters in the given order (a list of all its chapter ids)."""
    check_active(user)
    _check_creator(work, user)
    current = set(Chapter.objects.filter(work=work).values_list("pk", flat=True))
    if set(ordered_ids) != current or len(ordered_ids) != len(current):
        raise ValidationError("The new order must list each of the work's chapters exactly once.")
    _renumber(work, ordered_ids)
    work.save(update_fields=["revised_at"])
