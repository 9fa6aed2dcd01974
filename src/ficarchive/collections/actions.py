"""Writes on collections, their members and their works. Each function runs in one
transaction and raises ValidationError (a message for the person) or PermissionDenied."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.blocking.queries import blocked_by
from ficarchive.collections.models import (
    DESCRIPTION_MAX,
    HEADER_NOTES_MAX,
    NAME_MAX,
    NAME_MESSAGE,
    NAME_PATTERN,
    RESERVED_NAMES,
    Approval,
    Collection,
    CollectionItem,
    CollectionMember,
    Role,
)
from ficarchive.collections.queries import is_moderator, is_owner, role_in
from ficarchive.moderation.sanctions import check_active
from ficarchive.notifications.actions import notify
from ficarchive.text import render_text
from ficarchive.works.models import TITLE_MAX, Chapter, Creatorship, Work

logger = logging.getLogger(__name__)

MAX_COLLECTIONS_PER_WORK = 10  # names on one work form; more is someone scripting


@dataclass
class CollectionInput:
    """A collection as its owner gives it (sources, not HTML)."""

    name: str
    title: str
    description: str = ""
    header_notes: str = ""
    parent: str = ""  # the parent collection's name, "" for none
    open: bool = True
    moderated: bool = False
    anonymous: bool = False
    unrevealed: bool = False
    reveal_at: datetime | None = None


def clean_name(raw: str) -> str:
    """Return a valid collection name from what was typed, or raise ValidationError."""
    name = raw.strip()
    if not name:
        raise ValidationError("Give the collection a name (its URL).")
    if len(name) > NAME_MAX:
        raise ValidationError(f"A collection's name can have at most {NAME_MAX} characters.")
    if not re.fullmatch(NAME_PATTERN, name):
        raise ValidationError(NAME_MESSAGE)
    if name.lower() in RESERVED_NAMES:
        raise ValidationError(f"“{name}” is a name the site uses; choose another.")
    return name


def find_collection(name: str) -> Collection | None:
    """Return the collection with this name (any case), or None, with its gift exchange and
    prompt meme (every collection page's header asks for both) in the same query."""
    if len(name) > NAME_MAX or not re.fullmatch(NAME_PATTERN, name):
        return None
    return (
        Collection.objects.annotate(lname=Lower("name"))
        .select_related("gift_exchange", "prompt_meme")
        .filter(lname=name.lower())
        .first()
    )


def _apply(user: User, collection: Collection, data: CollectionInput) -> None:
    name = clean_name(data.name)
    clash = find_collection(name)
    if clash is not None and clash.pk != collection.pk:
        raise ValidationError(f"A collection named “{clash.name}” already exists.")
    title = " ".join(data.title.split())
    if not title:
        raise ValidationError("Give the collection a title.")
    if len(title) > TITLE_MAX:
        raise ValidationError(f"A title can have at most {TITLE_MAX} characters.")
    if len(data.description) > DESCRIPTION_MAX or len(data.header_notes) > HEADER_NOTES_MAX:
        raise ValidationError(
            f"The description and header notes can have at most {DESCRIPTION_MAX:,} characters."
        )
    parent: Collection | None = None
    if data.parent.strip():
        parent = find_collection(data.parent.strip())
        if parent is None:
            raise ValidationError(f"No collection is named “{data.parent.strip()[:80]}”.")
        if parent.pk == collection.pk:
            raise ValidationError("A collection cannot be its own parent.")
        if not is_owner(user, parent):
            raise ValidationError("You can only put a collection inside one you own.")
        if collection.pk and Collection.objects.filter(parent=collection).exists():
            raise ValidationError(
                "This collection has sub-collections, so it cannot be a sub-collection itself."
            )
        if parent.parent_id is not None:
            raise ValidationError(
                f"“{parent.name}” is itself a sub-collection; sub-collections go one level deep."
            )
    collection.name = name
    collection.title = title
    collection.description = data.description
    collection.description_html = render_text(data.description, "html", paragraph_ids=False).html
    collection.header_notes = data.header_notes
    collection.header_notes_html = render_text(data.header_notes, "html", paragraph_ids=False).html
    collection.parent = parent
    collection.open = data.open
    collection.moderated = data.moderated
    if (data.anonymous and not collection.anonymous) or (
        data.unrevealed and not collection.unrevealed
    ):
        collection.revealed_at = None  # hiding again after a reveal
    collection.anonymous = data.anonymous
    collection.unrevealed = data.unrevealed
    collection.reveal_at = data.reveal_at if collection.hides else None


def create_collection(user: User, data: CollectionInput) -> Collection:
    """Return a new collection; its maker is its first owner."""
    check_active(user)
    collection = Collection()
    _apply(user, collection, data)
    try:
        with transaction.atomic():
            collection.save()
            CollectionMember.objects.create(collection=collection, user=user, role=Role.OWNER)
            schedule_reveal(collection)
    except IntegrityError:
        # Another request took the name between the check and the insert.
        raise ValidationError(f"A collection named “{collection.name}” already exists.") from None
    return collection


def _check_owner(user: User, collection: Collection) -> None:
    if not is_owner(user, collection):
        raise PermissionDenied("Only the collection's owners can change it.")


def update_collection(user: User, collection: Collection, data: CollectionInput) -> Collection:
    check_active(user)
    _check_owner(user, collection)
    _apply(user, collection, data)
    try:
        with transaction.atomic():
            collection.save()
            refresh_work_flags(_collection_work_ids(collection))
            schedule_reveal(collection)
    except IntegrityError:
        raise ValidationError(f"A collection named “{collection.name}” already exists.") from None
    return collection


def delete_collection(user: User, collection: Collection) -> None:
    """Delete the collection and its items (the works stay; sub-collections become top-level)."""
    check_active(user)
    _check_owner(user, collection)
    with transaction.atomic():
        work_ids = _collection_work_ids(collection)
        collection.delete()
        refresh_work_flags(work_ids)


def add_member(user: User, collection: Collection, username: str, role: str) -> CollectionMember:
    """Make a member an owner or moderator (or change their role); return the membership."""
    check_active(user)
    _check_owner(user, collection)
    if role not in Role.values:
        raise ValidationError("Choose owner or moderator.")
    member = User.objects.filter(username__iexact=username.strip()[:150]).first()
    if member is None or not member.is_active:
        raise ValidationError(f"No member is named “{username.strip()[:80]}”.")
    with transaction.atomic():
        row, made = CollectionMember.objects.select_for_update().get_or_create(
            collection=collection, user=member, defaults={"role": role}
        )
        if not made and row.role != role:
            if row.role == Role.OWNER and _owners(collection) == 1:
                raise ValidationError("A collection needs at least one owner.")
            row.role = role
            row.save(update_fields=["role"])
    return row


def _owners(collection: Collection) -> int:
    return CollectionMember.objects.filter(collection=collection, role=Role.OWNER).count()


def remove_member(user: User, collection: Collection, member_id: int) -> None:
    """Take a member off the collection (an owner, or a member leaving); never the last owner."""
    check_active(user)
    if member_id != user.pk:
        _check_owner(user, collection)
    with transaction.atomic():
        row = (
            CollectionMember.objects.select_for_update()
            .filter(collection=collection, user_id=member_id)
            .first()
        )
        if row is None:
            return
        if row.role == Role.OWNER and _owners(collection) == 1:
            raise ValidationError("A collection needs at least one owner.")
        row.delete()


def _notify_moderators(collection: Collection, item: CollectionItem, sender: User) -> None:
    for member in CollectionMember.objects.filter(collection=collection).select_related("user"):
        notify(
            member.user,
            kind="collection-item",
            message=f"“{item.work.title}” waits for approval in {collection.title}.",
            url=f"/collections/{collection.name}/items/",
            key=f"collection-item:{item.pk}",
            sender=sender,
        )


def _creators(work: Work) -> list[User]:
    return list(User.objects.filter(pseuds__creatorships__work=work).distinct())


def _check_creator(user: User, work: Work) -> None:
    if not Creatorship.objects.filter(work=work, pseud__user=user).exists():
        raise PermissionDenied("Only the work's creators can do that.")


def add_work(user: User, collection: Collection, work: Work) -> CollectionItem:
    """Add one of the user's works to a collection and return its item: approved at once,
    or waiting for a moderator when the collection is moderated (unless the user moderates
    it). Accepting a moderator's invitation is adding the work too. A closed collection
    refuses works from anyone but its members."""
    check_active(user)
    _check_creator(user, work)
    member = is_moderator(user, collection)
    with transaction.atomic():
        item = (
            CollectionItem.objects.select_for_update()
            .filter(collection=collection, work=work)
            .first()
        )
        if item is not None:
            if item.moderator_approval == Approval.REJECTED:
                raise ValidationError(
                    f"The moderators of “{collection.name}” declined this work; "
                    "it cannot be added again."
                )
            if item.creator_approval != Approval.APPROVED:
                item.creator_approval = Approval.APPROVED
                item.refresh_approved()
                item.save(update_fields=["creator_approval", "approved", "updated_at"])
                refresh_work_flags([work.pk], work)
            return item
        if not collection.open and not member:
            raise ValidationError(f"“{collection.name}” is closed: it is not accepting new works.")
        waits = collection.moderated and not member
        item = CollectionItem(
            collection=collection,
            work=work,
            creator_approval=Approval.APPROVED,
            moderator_approval=Approval.PENDING if waits else Approval.APPROVED,
            added_by=user,
        )
        item.refresh_approved()
        try:
            with transaction.atomic():
                item.save()
        except IntegrityError:  # a double submit: the other request added it
            return CollectionItem.objects.get(collection=collection, work=work)
        refresh_work_flags([work.pk], work)
        if waits and not work.is_draft:
            _notify_moderators(collection, item, user)
    return item


def remove_work(user: User, item: CollectionItem) -> None:
    """Take a work out of a collection: its creators and the collection's moderators can."""
    check_active(user)
    if not is_moderator(user, item.collection):
        _check_creator(user, item.work)
    with transaction.atomic():
        item.delete()
        refresh_work_flags([item.work_id], item.work)


def set_work_collections(user: User, work: Work, collections: list[Collection]) -> None:
    """Make the work's collections these (from the work form): add the new ones, take the
    work out of those no longer named. Raises ValidationError when one refuses it."""
    check_active(user)
    _check_creator(user, work)
    with transaction.atomic():
        wanted = {c.pk for c in collections}
        for item in CollectionItem.objects.filter(work=work).exclude(collection_id__in=wanted):
            item.delete()
        for collection in collections:
            add_work(user, collection, work)
        refresh_work_flags([work.pk], work)


def invite_work(user: User, collection: Collection, work: Work) -> CollectionItem:
    """A moderator asks for a posted work in the collection; it shows once a creator accepts
    (they are notified). Return the item (an existing one stays as it is)."""
    check_active(user)
    if not is_moderator(user, collection):
        raise PermissionDenied("Only the collection's moderators can invite works.")
    if work.is_draft or work.hidden:
        raise ValidationError("Only posted works can be invited.")
    creators = _creators(work)
    if blocked_by([c.pk for c in creators], user):
        raise ValidationError("This work's creator does not take invitations from you.")
    with transaction.atomic():
        existing = CollectionItem.objects.filter(collection=collection, work=work).first()
        if existing is not None:
            return existing
        item = CollectionItem(
            collection=collection,
            work=work,
            creator_approval=Approval.PENDING,
            moderator_approval=Approval.APPROVED,
            added_by=user,
        )
        if any(c.pk == user.pk for c in creators):
            item.creator_approval = Approval.APPROVED
        item.refresh_approved()
        try:
            with transaction.atomic():
                item.save()
        except IntegrityError:
            return CollectionItem.objects.get(collection=collection, work=work)
        if not item.approved:
            for creator in creators:
                notify(
                    creator,
                    kind="collection-invitation",
                    message=f"{collection.title} invites “{work.title}” into the collection.",
                    url="/collections/items/",
                    key=f"collection-invitation:{item.pk}",
                    sender=user,
                )
    return item


def answer_invitation(user: User, item: CollectionItem, accept: bool) -> CollectionItem:
    """A creator accepts or declines a moderator's invitation of their work."""
    check_active(user)
    _check_creator(user, item.work)
    with transaction.atomic():
        item.creator_approval = Approval.APPROVED if accept else Approval.REJECTED
        item.refresh_approved()
        item.save(update_fields=["creator_approval", "approved", "updated_at"])
        refresh_work_flags([item.work_id], item.work)
    return item


def moderate_item(user: User, item: CollectionItem, approve: bool) -> CollectionItem:
    """A moderator approves or rejects a work in their collection."""
    check_active(user)
    if role_in(user, item.collection) == "":
        raise PermissionDenied("Only the collection's moderators can approve works.")
    with transaction.atomic():
        item.moderator_approval = Approval.APPROVED if approve else Approval.REJECTED
        item.refresh_approved()
        item.save(update_fields=["moderator_approval", "approved", "updated_at"])
        refresh_work_flags([item.work_id], item.work)
        if item.approved:
            from ficarchive.prompt_memes.actions import announce_fills

            announce_fills(item.work)  # a fill waiting for approval is told now
    return item


# --- anonymous and unrevealed collections ------------------------------------------------


def _collection_work_ids(collection: Collection) -> list[int]:
    return list(
        CollectionItem.objects.filter(collection=collection).values_list("work_id", flat=True)
    )


def _hiding_items() -> QuerySet[CollectionItem]:
    """Items that make their work anonymous or unrevealed: the creator put the work in (or
    accepted an invitation) and the moderators have not rejected it. A work waiting for a
    moderator's approval is hidden already: its creator chose the collection's rules."""
    return CollectionItem.objects.filter(
        work_id=OuterRef("pk"), creator_approval=Approval.APPROVED
    ).exclude(moderator_approval=Approval.REJECTED)


def refresh_work_flags(work_ids: Iterable[int], work: Work | None = None) -> list[int]:
    """Set `Work.anonymous` and `Work.unrevealed` of these works from their collections, and
    return the ids of the works that changed. A changed work gets a new `revised_at` (its
    cached blurbs and download files name its creators), a new search row (its creators'
    names are not indexed while anonymous) and fresh cached pages. `work`, when given, is an
    instance of one of them that the caller goes on saving: its flags are set too, so a later
    `save()` writes them back unchanged."""
    from ficarchive.core.invalidation import work_changed
    from ficarchive.search.index import reindex_works

    ids = sorted(set(work_ids))
    if not ids:
        return []
    items = _hiding_items()
    rows = (
        Work.objects.filter(pk__in=ids)
        .annotate(
            should_anonymous=Exists(items.filter(collection__anonymous=True)),
            should_unrevealed=Exists(items.filter(collection__unrevealed=True)),
        )
        .values_list("pk", "anonymous", "unrevealed", "should_anonymous", "should_unrevealed")
    )
    changed: list[int] = []
    now = timezone.now()
    for pk, anonymous, unrevealed, should_anonymous, should_unrevealed in rows:
        if work is not None and work.pk == pk:
            work.anonymous, work.unrevealed = should_anonymous, should_unrevealed
        if (anonymous, unrevealed) == (should_anonymous, should_unrevealed):
            continue
        Work.objects.filter(pk=pk).update(
            anonymous=should_anonymous, unrevealed=should_unrevealed, revised_at=now
        )
        work_changed(pk)
        changed.append(pk)
    if changed:
        reindex_works(changed)
    return changed


def schedule_reveal(collection: Collection) -> None:
    """Queue the worker's reveal of the collection at its `reveal_at` (in the current
    transaction). Queuing it twice is harmless: `reveal_due` reveals only what is due."""
    from ficarchive.collections.tasks import queue_reveal

    if collection.hides and collection.reveal_at is not None and collection.revealed_at is None:
        queue_reveal(collection.reveal_at)


def _reveal(collection: Collection, sender: User | None) -> list[int]:
    """Reveal the collection: clear its flags, refresh its works' flags, and tell the
    creators and gift recipients of every work it revealed; the works' subscribers hear of
    works they have not heard of (once: the subscription notifications' keys)."""
    from ficarchive.gifts.actions import GIFT_KIND
    from ficarchive.gifts.models import Gift
    from ficarchive.subscriptions.actions import on_posted

    collection.anonymous = False
    collection.unrevealed = False
    collection.revealed_at = timezone.now()
    collection.save(update_fields=["anonymous", "unrevealed", "revealed_at", "updated_at"])
    changed = refresh_work_flags(_collection_work_ids(collection))
    works = Work.objects.filter(pk__in=changed).order_by("pk")
    for work in works:
        if work.unrevealed:
            continue  # still hidden by another collection
        where = f"/works/{work.pk}/"
        for creator in _creators(work):
            notify(
                creator,
                kind="collection-reveal",
                message=f"{collection.title} revealed “{work.title}”.",
                url=where,
                key=f"collection-reveal:{collection.pk}:{work.pk}",
                sender=sender,
            )
        for gift in (
            Gift.objects.accepted()
            .filter(work=work, pseud__isnull=False)
            .select_related("pseud__user")
        ):
            assert gift.pseud is not None
            notify(
                gift.pseud.user,
                kind=GIFT_KIND,
                message=f"“{work.title}”, a gift for {gift.pseud.name}, is revealed.",
                url=where,
                key=f"gift-reveal:{work.pk}:{gift.pseud_id}",
            )
        if work.status == "posted" and not work.hidden and not work.unrevealed:
            first = Chapter.objects.filter(work=work, posted=True).order_by("position").first()
            if first is not None:
                on_posted(work, first)
    return changed


def reveal_collection(user: User, collection: Collection) -> int:
    """A moderator reveals the collection now: its works show to every reader and name their
    creators (unless another collection still hides them). Returns how many works changed."""
    check_active(user)
    if not is_moderator(user, collection):
        raise PermissionDenied("Only the collection's moderators can reveal it.")
    with transaction.atomic():
        locked = Collection.objects.select_for_update().get(pk=collection.pk)
        if not locked.hides:
            raise ValidationError(f"“{collection.name}” is not anonymous or unrevealed.")
        changed = _reveal(locked, user)
    collection.refresh_from_db()
    return len(changed)


def reveal_due(now: datetime | None = None) -> int:
    """Reveal every collection whose `reveal_at` has come (the worker's task); return how
    many were revealed. Each in its own transaction; running twice reveals nothing twice."""
    now = now or timezone.now()
    done = 0
    due = Collection.objects.filter(reveal_at__lte=now, revealed_at__isnull=True)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            collection = (
                Collection.objects.select_for_update()
                .filter(pk=pk, reveal_at__lte=now, revealed_at__isnull=True)
                .first()
            )
            if collection is None:
                continue
            if collection.hides:
                _reveal(collection, None)
            else:
                collection.revealed_at = now
                collection.save(update_fields=["revealed_at", "updated_at"])
            done += 1
    if done:
        logger.info("Revealed %s collections.", done)
    return done
