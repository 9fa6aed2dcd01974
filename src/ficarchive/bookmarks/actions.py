"""Writes on bookmarks. Each runs in one transaction and keeps Work.bookmark_count (public
bookmarks) right with F() updates in that transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from ficarchive.accounts.models import User
from ficarchive.blocking.queries import blocked_by
from ficarchive.bookmarks.models import MAX_BOOKMARK_TAGS, Bookmark, BookmarkTag
from ficarchive.moderation.sanctions import check_active
from ficarchive.series.models import Series
from ficarchive.text import render_text
from ficarchive.works.models import Creatorship, Work


@dataclass
class BookmarkInput:
    """A bookmark as the reader gives it: notes are a source (plain text or HTML), tags are
    already cleaned names."""

    notes: str = ""
    tags: list[str] = field(default_factory=list)
    private: bool = False
    recommend: bool = False
    for_later: bool = False


def _target(work: Work | None, series: Series | None) -> dict[str, object]:
    if (work is None) == (series is None):
        raise ValueError("A bookmark is of exactly one work or one series.")
    return {"work": work} if work is not None else {"series": series}


def _owner_ids(work: Work | None, series: Series | None) -> list[int]:
    """Return the ids of the users who made the work (its creators) or the series."""
    if series is not None:
        return [series.creator_id]
    return list(
        Creatorship.objects.filter(work=work).values_list("pseud__user_id", flat=True).distinct()
    )


def _count_change(work_id: int | None, delta: int) -> None:
    if work_id is not None and delta:
        if delta > 0:
            Work.objects.filter(pk=work_id).update(bookmark_count=F("bookmark_count") + delta)
        else:
            # Never below zero, whatever happened before.
            Work.objects.filter(pk=work_id, bookmark_count__gte=-delta).update(
                bookmark_count=F("bookmark_count") + delta
            )


def _locked_bookmark(user: User, target: dict[str, object]) -> tuple[Bookmark, bool]:
    """Return the user's bookmark of the target, locked, creating an empty private one if
    there is none (a concurrent double submit finds the other request's row)."""
    existing = Bookmark.objects.select_for_update().filter(user=user, **target).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Bookmark.objects.create(user=user, private=True, **target), True
    except IntegrityError:
        return Bookmark.objects.select_for_update().get(user=user, **target), False


def save_bookmark(
    user: User,
    data: BookmarkInput,
    *,
    work: Work | None = None,
    series: Series | None = None,
) -> tuple[Bookmark, bool]:
    """Create or update the user's bookmark of a work or series (one per user and target, so
    a double submit edits the same bookmark). Return it and whether it is new. The caller
    has checked that the user may read the target."""
    check_active(user)
    target = _target(work, series)
    if not data.private and blocked_by(_owner_ids(work, series), user):
        raise ValidationError(
            "A creator of this work has blocked you: your bookmark of it can only be private."
        )
    if len(data.tags) > MAX_BOOKMARK_TAGS:
        raise ValidationError(f"A bookmark holds at most {MAX_BOOKMARK_TAGS} tags.")
    notes_html = render_text(data.notes, "html", paragraph_ids=False).html
    with transaction.atomic():
        bookmark, created = _locked_bookmark(user, target)
        was_public = not created and bookmark.is_public
        bookmark.notes = data.notes
        bookmark.notes_html = notes_html
        bookmark.private = data.private
        bookmark.recommend = data.recommend
        bookmark.for_later = data.for_later
        bookmark.save()
        _count_change(bookmark.work_id, int(bookmark.is_public) - int(was_public))
        wanted = {name.casefold(): name for name in data.tags}
        current = {t.name.casefold(): t for t in bookmark.tags.all()}
        stale = [t.pk for key, t in current.items() if key not in wanted]
        if stale:
            BookmarkTag.objects.filter(pk__in=stale).delete()
        BookmarkTag.objects.bulk_create(
            [BookmarkTag(bookmark=bookmark, name=n) for k, n in wanted.items() if k not in current]
        )
    return bookmark, created


def set_for_later(user: User, work: Work, for_later: bool) -> Bookmark | None:
    """Mark a work for later (a private bookmark, or the flag on the user's existing bookmark)
    or take the mark off. Taking it off a bookmark that holds nothing else deletes it.
    Return the bookmark, or None when it is gone."""
    check_active(user)
    with transaction.atomic():
        if for_later:
            bookmark, _created = _locked_bookmark(user, {"work": work})
            if not bookmark.for_later:
                bookmark.for_later = True
                bookmark.save(update_fields=["for_later", "updated_at"])
            return bookmark
        existing = Bookmark.objects.select_for_update().filter(user=user, work=work).first()
        if existing is None:
            return None
        empty = not (existing.notes or existing.recommend or existing.tags.exists())
        if existing.private and empty:
            existing.delete()  # private: never counted
            return None
        existing.for_later = False
        existing.save(update_fields=["for_later", "updated_at"])
        return existing


def delete_bookmark(user: User, bookmark: Bookmark) -> None:
    """Delete one of the user's bookmarks."""
    check_active(user)
    if bookmark.user_id != user.pk:
        raise ValidationError("That bookmark is not yours.")
    with transaction.atomic():
        # Read the row as it is now, locked: a second delete finds nothing to count.
        private = (
            Bookmark.objects.select_for_update()
            .filter(pk=bookmark.pk, user=user)
            .values_list("private", flat=True)
            .first()
        )
        if private is None:
            return
        Bookmark.objects.filter(pk=bookmark.pk).delete()
        if not private:
            _count_change(bookmark.work_id, -1)
