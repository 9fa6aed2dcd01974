"""Which comments a reader sees, and their threads built in Python from one query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q

from ficarchive.blocking.queries import muted_user_ids
from ficarchive.comments.models import Comment, CommentStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from ficarchive.accounts.models import User
    from ficarchive.works.models import Work

# Replies deeper than this are shown at this depth (indentation stops growing).
MAX_DEPTH = 5


@dataclass
class Node:
    comment: Comment
    depth: int
    children: list[Node] = field(default_factory=list)
    # The comment this one answers, when the depth cap flattened it under another.
    in_reply_to: Comment | None = None


def visible_comments(user: User | AnonymousUser, *, moderator: bool) -> QuerySet[Comment, Comment]:
    """Return the comments the reader may see: published and deleted ones (deleted ones show
    as a placeholder while they have replies), pending ones to moderators (the work's creators)
    and to their own commenter; never comments by users the reader muted."""
    seen = Q(status__in=[CommentStatus.PUBLISHED, CommentStatus.DELETED])
    if moderator:
        seen |= Q(status=CommentStatus.PENDING)
    elif user.is_authenticated:
        seen |= Q(status=CommentStatus.PENDING, user_id=user.pk)
    comments = Comment.objects.filter(seen).select_related("user")
    if user.is_authenticated:
        comments = comments.exclude(user_id__in=muted_user_ids(user))
    return comments


def build_threads(comments: Iterable[Comment]) -> list[Node]:
    """Return the thread roots of `comments` (ordered oldest first) with their replies.

    A reply whose parent is missing (hidden from this reader) is dropped with its replies;
    deleted comments without visible replies are dropped."""
    ordered = sorted(comments, key=lambda c: (c.created_at, c.pk))
    nodes: dict[int, Node] = {}
    roots: list[Node] = []
    for comment in ordered:
        if comment.parent_id is None:
            node = Node(comment, 0)
            roots.append(node)
        else:
            parent = nodes.get(comment.parent_id)
            if parent is None:
                continue
            if parent.depth + 1 > MAX_DEPTH:
                node = Node(comment, MAX_DEPTH, in_reply_to=parent.comment)
                holder = parent
                while holder.depth >= MAX_DEPTH and holder.comment.parent_id in nodes:
                    holder = nodes[holder.comment.parent_id]
                holder.children.append(node)
            else:
                node = Node(comment, parent.depth + 1)
                parent.children.append(node)
        nodes[comment.pk] = node
    return _prune(roots)


def _prune(nodes: list[Node]) -> list[Node]:
    kept: list[Node] = []
    for node in nodes:
        node.children = _prune(node.children)
        if node.comment.is_deleted and not node.children:
            continue
        kept.append(node)
    return kept


def count_shown(nodes: Iterable[Node]) -> int:
    """Return the number of published comments in these threads."""
    return sum(
        (1 if node.comment.is_published else 0) + count_shown(node.children) for node in nodes
    )


def mark_anonymous_creators(work: Work, comments: Iterable[Comment | None]) -> None:
    """Mark the comments a creator of this work wrote while the work is anonymous, so that
    their author lines (and notifications) say "Anonymous Creator" (one query, and only
    for an anonymous work)."""
    from ficarchive.works.models import Creatorship

    rows = [c for c in comments if c is not None and c.user_id is not None]
    if not rows or not work.anonymous:
        return
    creators = set(
        Creatorship.objects.filter(work_id=work.pk).values_list("pseud__user_id", flat=True)
    )
    for comment in rows:
        if comment.user_id in creators:
            comment.anonymous_creator = True
