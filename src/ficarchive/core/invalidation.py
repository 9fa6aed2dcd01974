"""What moves the page cache's versions (core/versions.py, core/pagecache.py).

Every save or delete of one of the archive's own models bumps, when its transaction commits:
the work's slot and the listings' for a model that belongs to a work (a work, chapter, tag on
a work, kudos, comment, bookmark, creatorship, series entry, search document), and the whole
archive's for the rest (tags, people, series, settings, blocks, sanctions). Models that no
cached page shows (`UNSEEN`) bump nothing. Writes that bypass `save()` (a queryset's
`update()`) call `work_changed` or `everything_changed` themselves.

The bump comes after the commit: a page rendered before it is stored under the old stamp,
which is never read again once the bump is visible.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from ficarchive.core import versions

# Models no cached page shows (app_label.ModelName): bumping for them would only empty the
# cache. Hits change counts that MAX_AGE lets lag; member-only state never reaches a cached
# page, since members' pages are not cached.
UNSEEN = frozenset(
    {
        "accounts.LoginFailure",
        "accounts.UsernameChange",
        "accounts.DataExport",
        "api.ApiToken",
        "api.IdempotentRequest",
        "bookmarks.BookmarkTag",
        "challenges.TagSet",
        "challenges.TagNomination",
        "challenges.GiftExchange",
        "challenges.ExchangeSignUp",
        "challenges.ExchangePrompt",
        "challenges.MatchingRun",
        "challenges.Assignment",
        "core.WorkerBeat",
        "core.FormSubmission",
        "gifts.CreatorInvitation",
        "gifts.CreditPreferences",
        "history.Reading",
        "history.HistorySettings",
        "kudos.KudosDigestDay",
        "moderation.RateEvent",
        "moderation.Report",
        "moderation.ModerationLog",
        "notifications.Notification",
        "notifications.NotificationSettings",
        "preferences.ReadingPreferences",
        "preferences.MutedTag",
        "prompt_memes.PromptMeme",
        "prompt_memes.Prompt",
        "prompt_memes.Claim",
        "prompt_memes.Fill",
        "revisions.ChapterVersion",
        "site.TermsAcceptance",
        "site.Invitation",
        "site.InvitationRequest",
        "subscriptions.Subscription",
        "works.Hit",
    }
)


# Models of one work that other works' pages show too (a series' neighbours, related works).
SHARED = frozenset({"series.SeriesWork", "series.RelatedWork"})


def work_changed(work_id: int) -> None:
    """Bump a work's pages and the listings once the current transaction commits."""
    _after_commit({versions.work_slot(work_id), versions.LISTINGS})


def everything_changed() -> None:
    """Bump every cached page once the current transaction commits."""
    _after_commit({versions.ALL})


def _after_commit(slots: set[int]) -> None:
    transaction.on_commit(lambda: versions.store().bump(slots))


def _changed(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    meta = sender._meta
    if not sender.__module__.startswith("ficarchive.") or meta.label in UNSEEN:
        return
    update_fields = kwargs.get("update_fields")
    if meta.label == "accounts.User" and update_fields and set(update_fields) <= {"last_login"}:
        return  # a log-in shows on no page
    if meta.label == "works.Work":
        work_changed(int(instance.pk))
        return
    work_id = getattr(instance, "work_id", None)
    if isinstance(work_id, int) and meta.label not in SHARED:
        work_changed(work_id)
    else:
        everything_changed()


def connect() -> None:
    post_save.connect(_changed, dispatch_uid="page-cache-save")
    post_delete.connect(_changed, dispatch_uid="page-cache-delete")
