"""Writes of the moderation app: reports, and every moderator action (each logged in the same
transaction as the change it logs)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.core.invalidation import work_changed
from ficarchive.moderation.models import (
    DETAILS_MAX,
    ModerationLog,
    Reason,
    Report,
    ReportStatus,
    Sanction,
    SanctionKind,
    TargetType,
)
from ficarchive.moderation.sanctions import check_active
from ficarchive.site import roles
from ficarchive.works.models import Work

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

LABEL_MAX = 300


def is_moderator(user: User | AnonymousUser | None) -> bool:
    """Return True for active staff and moderators: they see the queue and act on reports."""
    return roles.is_moderator(user)


def _require_moderator(user: User) -> None:
    if not is_moderator(user):
        raise PermissionDenied("Only moderators can do that.")


def _clean_text(text: str, limit: int = DETAILS_MAX) -> str:
    """Return plain text without NUL and other control characters (newlines and tabs kept),
    cut to `limit` characters."""
    kept = "".join(c for c in text if c in "\n\t" or (ord(c) >= 32 and ord(c) != 127))
    return kept.strip()[:limit]


def target_label(target_type: str, target: Model) -> str:
    """Return a short description of a report target, for the queue and the log."""
    if isinstance(target, Work):
        label = f"Work “{target.title}” (#{target.pk})"
    elif isinstance(target, User):
        label = f"User {target.username}"
    else:
        author = getattr(target, "user", None) or getattr(target, "author", None)
        who = f" by {author}" if author is not None else ""
        label = f"Comment #{target.pk}{who}"
    return label[:LABEL_MAX]


def target_url(target_type: str, target: Model) -> str:
    """Return the page of a report target."""
    if isinstance(target, Work):
        return f"/works/{target.pk}/"
    if isinstance(target, User):
        return f"/users/{target.username}/"
    url = getattr(target, "get_absolute_url", None)
    return str(url()) if callable(url) else ""


@transaction.atomic
def file_report(
    reporter: User | None,
    *,
    target_type: str,
    target: Model,
    reason: str,
    details: str = "",
    email: str = "",
    address: str = "",
) -> tuple[Report, bool]:
    """File a report of a work, a comment or a user. Returns (report, created): a reporter's
    second report of the same target while the first is open returns the first."""
    if target_type not in TargetType.values:
        raise ValidationError("Choose what you report: a work, a comment or a user.")
    if reason not in Reason.values:
        raise ValidationError("Choose a reason from the list.")
    if reporter is not None:
        existing = Report.objects.filter(
            reporter=reporter,
            target_type=target_type,
            target_id=target.pk,
            status=ReportStatus.OPEN,
        ).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter,
                email="" if reporter is not None else email[:254],
                address=address[:64],
                target_type=target_type,
                target_id=target.pk,
                target_label=target_label(target_type, target),
                reason=reason,
                details=_clean_text(details),
            )
    except IntegrityError:
        # A second request won the race: the reporter's open report exists now.
        report = Report.objects.get(
            reporter=reporter,
            target_type=target_type,
            target_id=target.pk,
            status=ReportStatus.OPEN,
        )
        return report, False
    return report, True


def _log(moderator: User, action: str, target: str, reason: str, url: str = "") -> ModerationLog:
    return ModerationLog.objects.create(
        moderator=moderator,
        action=action,
        target=target[:LABEL_MAX],
        target_url=url[:300],
        reason=_clean_text(reason),
    )


def _close_reports(
    moderator: User, target_type: str, target_id: int, status: str = ReportStatus.RESOLVED
) -> int:
    """Close the open reports of a target; returns how many."""
    return Report.objects.filter(
        target_type=target_type, target_id=target_id, status=ReportStatus.OPEN
    ).update(status=status, handled_by=moderator, handled_at=timezone.now())


@transaction.atomic
def set_work_hidden(moderator: User, work: Work, hidden: bool, reason: str = "") -> None:
    """Hide a work from everyone but its creators (or show it again); hiding closes its open
    reports."""
    check_active(moderator)
    _require_moderator(moderator)
    Work.objects.filter(pk=work.pk).update(hidden=hidden)
    work_changed(work.pk)
    work.hidden = hidden
    label = target_label(TargetType.WORK, work)
    _log(moderator, "hide work" if hidden else "unhide work", label, reason, f"/works/{work.pk}/")
    if hidden:
        _close_reports(moderator, TargetType.WORK, work.pk)


@transaction.atomic
def delete_comment(moderator: User, comment: Any, reason: str = "") -> None:
    """Delete a comment through the comments app's own action, and log it."""
    check_active(moderator)
    _require_moderator(moderator)
    from ficarchive.comments import actions as comment_actions

    label = target_label(TargetType.COMMENT, comment)
    comment_actions.delete_comment(moderator, comment)
    _log(moderator, "delete comment", label, reason)
    _close_reports(moderator, TargetType.COMMENT, comment.pk)


@transaction.atomic
def suspend_user(moderator: User, user: User, until: datetime, reason: str) -> Sanction:
    """Suspend an account until a date: it cannot post works, comments, kudos or bookmarks."""
    check_active(moderator)
    _require_moderator(moderator)
    if until <= timezone.now():
        raise ValidationError("A suspension ends in the future: choose a later date.")
    if user.pk == moderator.pk:
        raise ValidationError("You cannot suspend yourself.")
    sanction = Sanction.objects.create(
        user=user, kind=SanctionKind.SUSPEND, until=until, reason=_clean_text(reason), by=moderator
    )
    ends = timezone.localtime(until).strftime("%Y-%m-%d %H:%M %Z")
    _log(
        moderator,
        "suspend user",
        f"{target_label(TargetType.USER, user)} until {ends}",
        reason,
        f"/users/{user.username}/",
    )
    _close_reports(moderator, TargetType.USER, user.pk)
    return sanction


@transaction.atomic
def ban_user(moderator: User, user: User, reason: str) -> Sanction:
    """Ban an account: it can no longer log in (is_active False) nor write anything."""
    check_active(moderator)
    _require_moderator(moderator)
    if user.pk == moderator.pk:
        raise ValidationError("You cannot ban yourself.")
    if user.is_superuser:
        raise ValidationError("Superusers cannot be banned from here: use the admin site.")
    sanction = Sanction.objects.create(
        user=user, kind=SanctionKind.BAN, reason=_clean_text(reason), by=moderator
    )
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    _log(moderator, "ban user", target_label(TargetType.USER, user), reason)
    _close_reports(moderator, TargetType.USER, user.pk)
    # Sessions are kept, but Django's auth refuses inactive users on every request.
    return sanction


@transaction.atomic
def lift_sanction(moderator: User, sanction: Sanction, reason: str = "") -> None:
    """End a ban or suspension now; lifting a ban lets the account log in again."""
    check_active(moderator)
    _require_moderator(moderator)
    if sanction.lifted_at is not None:
        return
    sanction.lifted_at = timezone.now()
    sanction.save(update_fields=["lifted_at"])
    user = sanction.user
    if (
        sanction.kind == SanctionKind.BAN
        and not Sanction.objects.active().filter(user=user, kind=SanctionKind.BAN).exists()
    ):
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
    _log(
        moderator,
        f"lift {sanction.get_kind_display().lower()}",
        target_label(TargetType.USER, user),
        reason,
        f"/users/{user.username}/",
    )


@transaction.atomic
def close_report(moderator: User, report: Report, status: str, reason: str = "") -> None:
    """Mark an open report resolved or dismissed."""
    check_active(moderator)
    _require_moderator(moderator)
    if status not in (ReportStatus.RESOLVED, ReportStatus.DISMISSED):
        raise ValidationError("A report is closed as resolved or dismissed.")
    updated = Report.objects.filter(pk=report.pk, status=ReportStatus.OPEN).update(
        status=status, handled_by=moderator, handled_at=timezone.now()
    )
    if not updated:
        raise ValidationError("That report is closed already.")
    report.status = status
    verb = "resolve report" if status == ReportStatus.RESOLVED else "dismiss report"
    _log(moderator, verb, f"Report #{report.pk}: {report.target_label}", reason)
