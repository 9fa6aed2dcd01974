"""Writes on chapter versions: bringing one back. Recording them is `versions.py`'s, called
by the chapter-writing actions of `works`."""

from __future__ import annotations

from dataclasses import asdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ficarchive.accounts.models import User
from ficarchive.moderation.sanctions import check_active
from ficarchive.revisions.models import ChapterVersion
from ficarchive.works import actions as work_actions
from ficarchive.works.models import Chapter, Creatorship

MAX_NUMBER = 2**31 - 1  # the column's range on every database


@transaction.atomic
def restore_version(user: User, chapter: Chapter, number: int) -> Chapter:
    """Make the chapter's text, title, summary, notes and format those of its version
    `number`; the result is itself a new version, so nothing is lost. Returns the chapter."""
    check_active(user)
    if not Creatorship.objects.filter(work_id=chapter.work_id, pseud__user=user).exists():
        raise PermissionDenied("Only the work's creators can restore its chapters' versions.")
    version = None
    if 0 < number <= MAX_NUMBER:
        version = ChapterVersion.objects.filter(chapter=chapter, number=number).first()
    if version is None:
        raise ValidationError(
            f"This chapter has no version {number} (it may have been dropped as too old)."
        )
    # A version holds exactly a ChapterInput's fields: the chapter's sources.
    data = work_actions.ChapterInput(**asdict(version.content()))
    return work_actions.update_chapter(user, chapter, data, restored_from=number)
