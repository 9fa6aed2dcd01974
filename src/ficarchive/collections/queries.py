"""Read-only questions about collections that views, templates and actions share."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q

from ficarchive.accounts.models import User
from ficarchive.collections.models import (
    Approval,
    Collection,
    CollectionItem,
    CollectionMember,
    Role,
)


def role_in(user: User | AnonymousUser, collection: Collection) -> str:
    """Return the user's role in the collection ("owner", "moderator") or "" for none."""
    if not user.is_authenticated:
        return ""
    member = CollectionMember.objects.filter(collection=collection, user_id=user.pk).first()
    return member.role if member else ""


def is_owner(user: User | AnonymousUser, collection: Collection) -> bool:
    return role_in(user, collection) == Role.OWNER


def is_moderator(user: User | AnonymousUser, collection: Collection) -> bool:
    """Return True for the collection's owners and moderators."""
    return role_in(user, collection) != ""


def scope_ids(collection: Collection) -> list[int]:
    """Return the ids whose works a collection's pages show: its own and its sub-collections'
    (a parent collection gathers its children's works, as on AO3)."""
    children = list(Collection.objects.filter(parent=collection).values_list("pk", flat=True))
    return [collection.pk, *children]


def in_collection(collection_ids: list[int], field: str = "pk") -> Exists:
    """Return the condition "this work (``field``) is approved in one of these collections"."""
    return Exists(
        CollectionItem.objects.approved().filter(
            collection_id__in=collection_ids, work_id=OuterRef(field)
        )
    )


def approved_q(collection_ids: list[int], field: str = "work") -> Q:
    """Return the condition "the work a row reaches through ``field`` is approved in one of
    these collections" (for bookmarks, creatorships, filter tags)."""
    return Q(
        **{
            f"{field}__collection_items__collection_id__in": collection_ids,
            f"{field}__collection_items__approved": True,
        }
    )


def work_collection_names(work_id: int) -> list[str]:
    """Return the names of the collections a work is in or on its way into (everything but
    refused items), for the work form."""
    return list(
        CollectionItem.objects.filter(work_id=work_id)
        .exclude(creator_approval=Approval.REJECTED)
        .exclude(moderator_approval=Approval.REJECTED)
        .order_by("collection__name")
        .values_list("collection__name", flat=True)
    )


def moderates_work(user: User | AnonymousUser, work_id: int) -> bool:
    """Return True when the user owns or moderates a collection the work is in (or on its
    way into): they see its creators while it is anonymous and read it while unrevealed."""
    if not user.is_authenticated:
        return False
    return CollectionItem.objects.filter(
        work_id=work_id, collection__members__user_id=user.pk
    ).exists()


def sees_unrevealed(user: User | AnonymousUser, work_id: int) -> bool:
    """Return True when the user may read this unrevealed work through their own paths: a
    recipient of it (not refused) or a moderator of one of its collections. Its creators
    read it through `visible_to` already."""
    from ficarchive.gifts.models import Gift  # gifts builds on works, as collections do

    if not user.is_authenticated:
        return False
    if Gift.objects.accepted().filter(work_id=work_id, pseud__user_id=user.pk).exists():
        return True
    return moderates_work(user, work_id)
