"""{% chapter_comments chapter %}: a chapter's comments and the form to add one, on the work
page. The comments of every chapter shown are read in one query per page.
{% chapter_text chapter %}: the chapter's text with a comment link beside each paragraph."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.paginator import Paginator
from django.utils.safestring import SafeString, mark_safe

from ficarchive.comments.forms import CommentForm
from ficarchive.comments.models import Comment
from ficarchive.comments.paragraphs import opening_words, paragraph_texts, with_comment_controls
from ficarchive.comments.threads import (
    Node,
    build_threads,
    count_shown,
    mark_anonymous_creators,
    visible_comments,
)
from ficarchive.site.access import guest_comments_allowed
from ficarchive.site.roles import is_moderator
from ficarchive.works.models import CommentPermission

register = template.Library()

THREADS_PER_PAGE = 30
PAGE_PARAMETER = "comments_page"


def _comments_by_chapter(context: template.Context, moderator: bool) -> dict[int, list[Comment]]:
    request = context["request"]
    work = context["work"]
    cached = getattr(request, "_ficarchive_comments", None)
    if cached is not None and cached[0] == work.pk:
        return dict(cached[1])
    shown = [chapter.pk for chapter in context.get("shown") or []]
    by_chapter: dict[int, list[Comment]] = {pk: [] for pk in shown}
    rows = visible_comments(context["user"], moderator=moderator).filter(chapter_id__in=shown)
    found = list(rows)
    mark_anonymous_creators(work, found)
    for comment in found:
        by_chapter.setdefault(comment.chapter_id, []).append(comment)
    request._ficarchive_comments = (work.pk, by_chapter)
    return by_chapter


def _paragraph_groups(chapter: Any, roots: list[Node]) -> list[dict[str, Any]]:
    groups: dict[str, list[Node]] = {}
    for node in roots:
        groups.setdefault(node.comment.paragraph_id, []).append(node)
    texts = paragraph_texts(chapter.html) if groups else {}
    return [
        {
            "id": pid,
            "number": pid[1:],
            "quote": opening_words(texts.get(pid) or nodes[0].comment.paragraph_snippet),
            "threads": nodes,
            "count": count_shown(nodes),
        }
        for pid, nodes in sorted(groups.items(), key=lambda item: int(item[0][1:]))
    ]


@register.simple_tag(takes_context=True)
def chapter_text(context: template.Context, chapter: Any) -> SafeString:
    """Return the chapter's stored (sanitized) HTML, with a comment link beside each of its
    paragraphs when the chapter takes comments."""
    work = context["work"]
    markup = str(chapter.html)
    if work.is_draft or not chapter.posted or work.comment_permission == CommentPermission.NOBODY:
        return mark_safe(markup)  # sanitized when it was stored
    href = f"/works/{work.pk}/comments/?chapter={chapter.pk}&amp;paragraph="
    return mark_safe(with_comment_controls(markup, href))  # the links are escaped


@register.inclusion_tag("comments/chapter_comments.html", takes_context=True)
def chapter_comments(context: template.Context, chapter: Any) -> dict[str, Any]:
    """Return the chapter's threads (chapter-wide ones paginated, paragraph ones grouped by
    paragraph), the comment count the reader sees and a blank comment form."""
    request = context["request"]
    work = context["work"]
    user = context["user"]
    creator_ids = {pseud.user_id for pseud in context.get("creators") or []}
    moderator = bool(user.is_authenticated and (is_moderator(user) or user.pk in creator_ids))
    roots = build_threads(_comments_by_chapter(context, moderator).get(chapter.pk, []))
    chapter_roots = [node for node in roots if not node.comment.paragraph_id]
    paragraph_roots = [node for node in roots if node.comment.paragraph_id]
    page = Paginator(chapter_roots, THREADS_PER_PAGE).get_page(request.GET.get(PAGE_PARAMETER))
    permission = work.comment_permission
    guest = not user.is_authenticated
    can_comment = (
        permission == CommentPermission.ANYONE and (not guest or guest_comments_allowed())
    ) or (permission in (CommentPermission.ANYONE, CommentPermission.REGISTERED) and not guest)
    form = None
    if can_comment and chapter.posted and not work.is_draft:
        form = CommentForm(guest=guest, auto_id=f"c{chapter.pk}-%s")
    return {
        "work": work,
        "chapter": chapter,
        "whole": "chapter" if len(context.get("chapters") or ()) > 1 else "work",
        "count": count_shown(roots),
        "page": page,
        "paragraph_groups": _paragraph_groups(chapter, paragraph_roots),
        "form": form,
        "comments_off": permission == CommentPermission.NOBODY,
        "login_needed": not can_comment and permission != CommentPermission.NOBODY,
        "perms": {
            "user_id": user.pk if user.is_authenticated else None,
            "moderator": moderator,
            "can_reply": can_comment,
        },
        "page_parameter": PAGE_PARAMETER,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
