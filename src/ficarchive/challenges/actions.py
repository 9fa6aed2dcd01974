"""Writes on tag sets and their nominations. Each function runs in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.challenges.models import (
    MAX_NOMINATIONS_PER_TYPE,
    MAX_TAGS_PER_SET,
    SET_TYPES,
    NominationStatus,
    TagNomination,
    TagSet,
)
from ficarchive.moderation.sanctions import check_active
from ficarchive.tags.actions import clean_tag_name, find_or_create_tags
from ficarchive.tags.models import Tag, TagType

MAX_OWNERS = 20


@dataclass
class TagSetInput:
    """A tag set as its owners give it: tag names by type, co-owners by user name."""

    title: str
    description: str = ""
    nominations_open: bool = False
    limits: Mapping[str, int] = field(default_factory=dict)
    tags: Mapping[str, Sequence[str]] = field(default_factory=dict)
    co_owners: Sequence[str] = ()


def is_owner(user: User | object, tag_set: TagSet) -> bool:
    return isinstance(user, User) and tag_set.owners.filter(pk=user.pk).exists()


def _check_owner(user: User, tag_set: TagSet) -> None:
    if not is_owner(user, tag_set):
        raise PermissionDenied("Only the tag set's owners can change it.")


def _owners(user: User, names: Iterable[str]) -> list[User]:
    wanted = {name.strip().lower() for name in names if name.strip()} - {user.username.lower()}
    if len(wanted) >= MAX_OWNERS:
        raise ValidationError(f"A tag set can have at most {MAX_OWNERS} owners.")
    found = list(
        User.objects.annotate(key=Lower("username")).filter(key__in=wanted, is_active=True)
    )
    missing = wanted - {u.username.lower() for u in found}
    if missing:
        raise ValidationError(
            f"No member is called {', '.join(sorted(missing))}: check the owners' user names."
        )
    return [user, *found]


def _tags(data: TagSetInput) -> list[Tag]:
    tags: list[Tag] = []
    for tag_type in SET_TYPES:
        tags.extend(find_or_create_tags(tag_type, data.tags.get(tag_type, ())))
    if len(tags) > MAX_TAGS_PER_SET:
        raise ValidationError(
            f"A tag set can hold at most {MAX_TAGS_PER_SET:,} tags; this one would hold "
            f"{len(tags):,}."
        )
    return tags


def _apply(tag_set: TagSet, data: TagSetInput) -> None:
    title = " ".join(data.title.split())
    if not title:
        raise ValidationError("Give the tag set a title.")
    clash = TagSet.objects.annotate(key=Lower("title")).filter(key=title.lower())
    if tag_set.pk:
        clash = clash.exclude(pk=tag_set.pk)
    if clash.exists():
        raise ValidationError(f"There is a tag set called “{title}” already: choose another title.")
    tag_set.title = title
    tag_set.description = data.description.strip()
    tag_set.nominations_open = data.nominations_open
    for tag_type in SET_TYPES:
        limit = int(data.limits.get(tag_type, 0))
        if not 0 <= limit <= MAX_NOMINATIONS_PER_TYPE:
            raise ValidationError(
                f"Nominations per participant must be from 0 to {MAX_NOMINATIONS_PER_TYPE}."
            )
        setattr(tag_set, f"{tag_type}_limit", limit)


def _save(tag_set: TagSet, data: TagSetInput, owners: list[User]) -> None:
    try:
        with transaction.atomic():
            tag_set.save()
            tag_set.owners.set(owners)
            tag_set.tags.set(_tags(data))
    except IntegrityError as error:  # a title taken at the same moment
        raise ValidationError("There is a tag set with that title already.") from error


def create_tag_set(user: User, data: TagSetInput) -> TagSet:
    """Return a new tag set owned by the user and the co-owners named."""
    check_active(user)
    tag_set = TagSet()
    _apply(tag_set, data)
    _save(tag_set, data, _owners(user, data.co_owners))
    return tag_set


def update_tag_set(user: User, tag_set: TagSet, data: TagSetInput) -> TagSet:
    """Change the set's title, description, nominations, owners and tags (replaced by those
    given)."""
    check_active(user)
    _check_owner(user, tag_set)
    _apply(tag_set, data)
    _save(tag_set, data, _owners(user, data.co_owners))
    return tag_set


def delete_tag_set(user: User, tag_set: TagSet) -> None:
    check_active(user)
    _check_owner(user, tag_set)
    with transaction.atomic():
        tag_set.delete()


@dataclass
class Nominated:
    added: list[str]
    already_in_set: list[str]
    already_nominated: list[str]


def nominate(user: User, tag_set: TagSet, names: Mapping[str, Sequence[str]]) -> Nominated:
    """Nominate tags for the set, within the set's limit per type for each participant.
    Names already in the set or already nominated by the user are left out and reported."""
    check_active(user)
    if not tag_set.nominations_open:
        raise ValidationError("This tag set is not taking nominations now.")
    result = Nominated([], [], [])
    with transaction.atomic():
        TagSet.objects.select_for_update().filter(pk=tag_set.pk).first()  # one at a time
        in_set = {name.lower() for name in tag_set.tags.values_list("name", flat=True).iterator()}
        for tag_type, raw_names in names.items():
            if tag_type not in SET_TYPES:
                raise ValidationError(f"Tag sets hold no {tag_type} tags.")
            cleaned = [n for n in (clean_tag_name(n) for n in raw_names) if n]
            if not cleaned:
                continue
            limit = tag_set.limit(tag_type)
            mine = TagNomination.objects.filter(tag_set=tag_set, nominator=user, tag_type=tag_type)
            known = {n.lower() for n in mine.values_list("name", flat=True)}
            fresh: list[str] = []
            for name in cleaned:
                if name.lower() in in_set:
                    result.already_in_set.append(name)
                elif name.lower() in known:
                    result.already_nominated.append(name)
                else:
                    known.add(name.lower())
                    fresh.append(name)
            if len(known) > limit:
                raise ValidationError(
                    f"You may nominate at most {limit} {TagType(tag_type).label.lower()} "
                    f"tag(s) for this "
                    f"set; that would make {len(known)}. Remove some and try again."
                )
            TagNomination.objects.bulk_create(
                [
                    TagNomination(tag_set=tag_set, nominator=user, tag_type=tag_type, name=n)
                    for n in fresh
                ]
            )
            result.added.extend(fresh)
    return result


def review_nominations(
    user: User, tag_set: TagSet, approve: Iterable[int], reject: Iterable[int]
) -> tuple[int, int]:
    """Approve (the tag joins the set) or reject pending nominations; ids that are not the
    set's pending nominations are ignored. Returns (approved, rejected)."""
    check_active(user)
    _check_owner(user, tag_set)
    approve_ids, reject_ids = set(approve), set(reject) - set(approve)
    now = timezone.now()
    with transaction.atomic():
        pending = TagNomination.objects.filter(tag_set=tag_set, status=NominationStatus.PENDING)
        approved = list(pending.select_for_update().filter(pk__in=approve_ids))
        for tag_type in SET_TYPES:
            names = [n.name for n in approved if n.tag_type == tag_type]
            if names:
                tag_set.tags.add(*find_or_create_tags(tag_type, names))
        if tag_set.tags.count() > MAX_TAGS_PER_SET:
            raise ValidationError(
                f"A tag set can hold at most {MAX_TAGS_PER_SET:,} tags: approve fewer."
            )
        # The same name nominated by others is approved with it.
        same = Q(pk__in=[n.pk for n in approved])
        for nomination in approved:
            same |= Q(tag_type=nomination.tag_type, key=nomination.name.lower())
        approved_count = (
            pending.annotate(key=Lower("name"))
            .filter(same if approved else Q(pk__in=[]))
            .update(status=NominationStatus.APPROVED, reviewed_at=now)
        )
        rejected_count = pending.filter(pk__in=reject_ids).update(
            status=NominationStatus.REJECTED, reviewed_at=now
        )
    return approved_count, rejected_count
