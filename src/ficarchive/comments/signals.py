"""Keep Work.comment_count right when a chapter goes with its comments."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete

from ficarchive.comments.actions import recount_comments
from ficarchive.works.models import Chapter


def _chapter_deleted(sender: Any, instance: Chapter, **kwargs: Any) -> None:
    # The collector deletes the chapter's comments before the chapter, in the same
    # transaction, so counting now sees what is left.
    recount_comments([instance.work_id])


post_delete.connect(_chapter_deleted, sender=Chapter, dispatch_uid="comments_chapter_deleted")
