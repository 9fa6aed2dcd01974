"""Writes on comments: add, edit, delete, approve, freeze, and re-anchor after a chapter edit.

Each runs in one transaction and keeps Work.comment_count (published comments) in step with
F() updates in that same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.blocking.queries import blocked_by
from ficarchive.comments import contracts
from ficarchive.comments.models import NAME_MAX, TEXT_MAX, Comment, CommentStatus
from ficarchive.comments.paragraphs import paragraph_texts, reanchor, snippet
from ficarchive.comments.threads import mark_anonymous_creators
from ficarchive.moderation.sanctions import check_active
from ficarchive.site.access import check_guest_comments, check_may_post
from ficarchive.site.roles import is_moderator
from ficarchive.text import render_text
from ficarchive.works.models import Chapter, CommentPermission, Creatorship, Work

NONCE = re.compile(r"[0-9a-f]{32}")
_LINK_START = re.compile(r"<a\s[^>]*>")
_REL = re.compile(r'\srel="[^"]*"')


@dataclass
class CommentInput:
    """A comment as the commenter gives it."""

    text: str
    nonce: str
    paragraph: int | None = None  # paragraph number (p3 is 3); None for the whole chapter
    guest_name: str = ""
    guest_email: str = ""


def render_comment(text: str) -> str:
    """Return comment text as sanitized HTML (the works pipeline, HTML format, no paragraph
    ids); links carry rel="nofollow ugc noopener"."""
    markup = render_text(text, "html", paragraph_ids=False).html

    def mark(match: re.Match[str]) -> str:
        tag = _REL.sub("", match.group(0))
        return tag[:-1] + ' rel="nofollow ugc noopener">'

    # In sanitized HTML every "<" in text is escaped, so "<a " only starts a link.
    return _LINK_START.sub(mark, markup)


def work_creator_ids(work: Work) -> set[int]:
    return set(Creatorship.objects.filter(work=work).values_list("pseud__user_id", flat=True))


def can_moderate(user: User | None, creators: Iterable[int]) -> bool:
    """Return True if the user may delete any comment on the work and freeze its threads."""
    return user is not None and (is_moderator(user) or user.pk in set(creators))


def check_may_comment(work: Work, user: User | None, creators: set[int]) -> None:
    """Raise ValidationError if the work takes no comments from this reader, PermissionDenied
    if a creator blocked them."""
    if work.comment_permission == CommentPermission.NOBODY:
        raise ValidationError("Comments are turned off for this work.")
    if user is None:
        check_guest_comments()
    if user is None and work.comment_permission == CommentPermission.REGISTERED:
        raise ValidationError("Only registered users can comment on this work: log in first.")
    if user is not None and blocked_by(creators, user):
        raise PermissionDenied("A creator of this work has blocked you: you can't comment here.")


def _check_text(text: str) -> str:
    if not text.strip():
        raise ValidationError("Comment is empty: write something first.")
    if len(text) > TEXT_MAX:
        raise ValidationError(
            f"Comment is {len(text):,} characters long; the limit is {TEXT_MAX:,}. Shorten it."
        )
    markup = render_comment(text)
    if not markup.strip():
        raise ValidationError("Comment has nothing left to show once unsafe markup is removed.")
    return markup


def _check_guest(data: CommentInput) -> None:
    name = data.guest_name.strip()
    if not name:
        raise ValidationError("Name is empty: guests comment under a name.")
    if len(name) > NAME_MAX:
        raise ValidationError(f"Name is longer than {NAME_MAX} characters.")
    try:
        validate_email(data.guest_email)
    except ValidationError:
        raise ValidationError(
            "Email is not an email address (it is not shown to anyone)."
        ) from None


def _notify_new(comment: Comment, creators: set[int]) -> None:
    where = f"“{comment.work.title}”"
    mark_anonymous_creators(comment.work, [comment])
    who = comment.author_name
    url = comment.get_absolute_url()
    parent = comment.parent
    notified: set[int] = set()
    replied_to = parent.user if parent is not None else None
    if comment.is_published and replied_to is not None and replied_to.pk != comment.user_id:
        contracts.notify(
            replied_to,
            kind="comment-reply",
            message=f"{who} replied to your comment on {where}.",
            url=url,
            key=f"comment-reply:{comment.pk}",
            sender=comment.user,
        )
        notified.add(replied_to.pk)
    recipients = creators - notified - ({comment.user_id} if comment.user_id else set())
    for user in User.objects.filter(pk__in=recipients, is_active=True):
        if comment.is_pending:
            message = f"{who} left a comment on {where} that awaits your approval."
        else:
            message = f"{who} commented on {where}."
        contracts.notify(
            user,
            kind="comment",
            message=message,
            url=url,
            key=f"comment:{comment.pk}",
            sender=comment.user,
        )


@transaction.atomic
def add_comment(
    work: Work,
    chapter: Chapter,
    data: CommentInput,
    *,
    user: User | None,
    parent: Comment | None = None,
) -> tuple[Comment, bool]:
    """Add a comment on a chapter (or one of its paragraphs), or a reply to `parent`, from
    `user` or a guest (user None, with name and email). Returns the comment and True, or the
    comment made earlier from the same form (same nonce) and False.

    Raises ValidationError for input or settings that forbid it, PermissionDenied for a
    blocked reader."""
    check_active(user)
    check_may_post(user)
    if chapter.work_id != work.pk:
        raise ValidationError("That chapter belongs to another work.")
    if not NONCE.fullmatch(data.nonce):
        raise ValidationError("The form was incomplete: reload the page and send it again.")
    creators = work_creator_ids(work)
    check_may_comment(work, user, creators)
    if user is None:
        _check_guest(data)
    markup = _check_text(data.text)
    paragraph_id = ""
    paragraph_snippet = ""
    thread: Comment | None = None
    if parent is not None:
        if parent.chapter_id != chapter.pk:
            raise ValidationError("That comment belongs to another chapter.")
        if not parent.is_published:
            raise ValidationError("You can only reply to published comments.")
        thread = parent.thread or parent
        if thread.frozen:
            raise ValidationError("This thread is frozen: it takes no more replies.")
        paragraph_id, paragraph_snippet = parent.paragraph_id, parent.paragraph_snippet
    elif data.paragraph is not None:
        paragraph_id = f"p{data.paragraph}"
        texts = paragraph_texts(chapter.html)
        if paragraph_id not in texts:
            raise ValidationError(
                f"This chapter has no paragraph {data.paragraph} (the chapter may have "
                "changed): comment on the whole chapter, or on a paragraph it has now."
            )
        paragraph_snippet = snippet(texts[paragraph_id])
    status = CommentStatus.PUBLISHED
    held_reason = ""
    is_creator = user is not None and user.pk in creators
    if not is_creator:
        reason = contracts.spam_reason(user=user, text=data.text)
        if reason:
            status, held_reason = CommentStatus.PENDING, reason[:200]
        elif work.moderate_comments:
            status, held_reason = CommentStatus.PENDING, "The work's comments are moderated."
    comment = Comment(
        work=work,
        chapter=chapter,
        parent=parent,
        thread=thread,
        paragraph_id=paragraph_id,
        paragraph_snippet=paragraph_snippet,
        user=user,
        guest_name="" if user else data.guest_name.strip(),
        guest_email="" if user else data.guest_email.strip(),
        text=data.text,
        text_html=markup,
        status=status,
        held_reason=held_reason,
        nonce=data.nonce,
    )
    try:
        with transaction.atomic():
            comment.save()
    except IntegrityError:
        same_sender = Q(user=user) if user is not None else Q(user__isnull=True)
        earlier = Comment.objects.filter(same_sender, nonce=data.nonce).first()
        if earlier is None:
            raise
        return earlier, False
    if comment.is_published:
        Work.objects.filter(pk=work.pk).update(comment_count=F("comment_count") + 1)
    _notify_new(comment, creators)
    return comment, True


@transaction.atomic
def edit_comment(user: User, comment: Comment, text: str) -> Comment:
    """Change the text of the user's own comment; it shows as edited. Returns the comment."""
    check_active(user)
    if comment.user_id != user.pk:
        raise PermissionDenied("You can only edit your own comments.")
    if comment.is_deleted:
        raise ValidationError("This comment was deleted.")
    comment.text_html = _check_text(text)
    comment.text = text
    comment.edited_at = timezone.now()
    comment.save(update_fields=["text", "text_html", "edited_at"])
    return comment


@transaction.atomic
def delete_comment(user: User, comment: Comment) -> None:
    """Delete a comment: its commenter, the work's creators and moderators may. The text goes;
    the row stays as "(This comment was deleted.)" while replies hang from it."""
    check_active(user)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.user_id != user.pk and not can_moderate(user, work_creator_ids(comment.work)):
        raise PermissionDenied("You can only delete your own comments or those on your works.")
    if comment.is_deleted:
        return
    was_published = comment.is_published
    comment.status = CommentStatus.DELETED
    comment.text = ""
    comment.text_html = ""
    comment.save(update_fields=["status", "text", "text_html"])
    if was_published:
        Work.objects.filter(pk=comment.work_id).update(comment_count=F("comment_count") - 1)


@transaction.atomic
def approve_comment(user: User, comment: Comment) -> Comment:
    """Publish a pending comment (the work's creators and moderators)."""
    check_active(user)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    creators = work_creator_ids(comment.work)
    if not can_moderate(user, creators):
        raise PermissionDenied("Only the work's creators can approve its comments.")
    if not comment.is_pending:
        return comment
    comment.status = CommentStatus.PUBLISHED
    comment.held_reason = ""
    comment.save(update_fields=["status", "held_reason"])
    Work.objects.filter(pk=comment.work_id).update(comment_count=F("comment_count") + 1)
    parent = comment.parent
    mark_anonymous_creators(comment.work, [comment])
    if parent is not None and parent.user is not None and parent.user_id != comment.user_id:
        contracts.notify(
            parent.user,
            kind="comment-reply",
            message=f"{comment.author_name} replied to your comment on “{comment.work.title}”.",
            url=comment.get_absolute_url(),
            key=f"comment-reply:{comment.pk}",
            sender=comment.user,
        )
    return comment


@transaction.atomic
def set_thread_frozen(user: User, comment: Comment, frozen: bool) -> Comment:
    """Freeze (no more replies) or unfreeze the thread the comment is in. Returns its root."""
    check_active(user)
    root = comment.thread or comment
    if not can_moderate(user, work_creator_ids(root.work)):
        raise PermissionDenied("Only the work's creators can freeze its threads.")
    if root.frozen != frozen:
        root.frozen = frozen
        root.save(update_fields=["frozen"])
    return root


def reanchor_paragraph_comments(chapter: Chapter) -> int:
    """After a chapter's HTML changed, move paragraph comments to where their paragraph is
    now, or to the whole chapter if it is gone. Runs in the caller's transaction. Returns
    how many comments moved."""
    anchors = {
        pk: (pid, snip)
        for pk, pid, snip in Comment.objects.filter(chapter=chapter)
        .exclude(paragraph_id="")
        .values_list("pk", "paragraph_id", "paragraph_snippet")
    }
    if not anchors:
        return 0
    moves = reanchor(anchors, chapter.html)
    targets: dict[str, list[int]] = {}
    for pk, target in moves.items():
        targets.setdefault(target, []).append(pk)
    for target, pks in targets.items():
        Comment.objects.filter(pk__in=pks).update(paragraph_id=target)
    return len(moves)


def recount_comments(work_ids: Iterable[int]) -> None:
    """Set comment_count from the rows (after chapters and their comments were deleted)."""
    for work_id in work_ids:
        count = Comment.objects.filter(work_id=work_id, status=CommentStatus.PUBLISHED).count()
        Work.objects.filter(pk=work_id).update(comment_count=count)
