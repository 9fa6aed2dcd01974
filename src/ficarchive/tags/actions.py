"""Writes on tags."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from ficarchive.core.invalidation import everything_changed
from ficarchive.moderation.sanctions import check_active
from ficarchive.site.roles import forget_groups, group_names
from ficarchive.tags.filtering import refresh_filter_tags, works_under
from ficarchive.tags.models import (
    ARCHIVE_WARNINGS,
    CATEGORIES,
    FIXED_TAG_TYPES,
    MAX_TAG_LENGTH,
    PARENT_TYPES,
    WRANGLER_GROUP,
    Media,
    Tag,
    TagParent,
    TagType,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ficarchive.accounts.models import User

# Characters that cannot appear in a tag name (AO3 forbids the same: they break lists and URLs).
FORBIDDEN_TAG_CHARS = set(",^*<>{}=`\\%")


def clean_tag_name(raw: str) -> str:
    """Return a tag name with whitespace collapsed, control characters removed and NFC applied.
    Raises ValidationError when the name is too long or holds a forbidden character."""
    name = unicodedata.normalize("NFC", raw)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split())
    if len(name) > MAX_TAG_LENGTH:
        raise ValidationError(
            f"The tag “{name[:40]}…” is longer than {MAX_TAG_LENGTH} characters: shorten it."
        )
    bad = sorted(FORBIDDEN_TAG_CHARS.intersection(name))
    if bad:
        raise ValidationError(
            f"The tag “{name}” contains {' '.join(bad)}, which tags cannot hold: remove it."
        )
    return name


def split_tag_list(raw: str) -> list[str]:
    """Return the non-empty, cleaned, de-duplicated (case-insensitively) names in a
    comma-separated list. Raises ValidationError for a bad name."""
    seen: set[str] = set()
    names: list[str] = []
    for part in raw.split(","):
        name = clean_tag_name(part)
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


def find_or_create_tags(tag_type: str, names: Iterable[str]) -> list[Tag]:
    """Return the tags with these names, creating missing ones (unwrangled) with the given type.

    A name already used by a tag of another type returns that tag: names are unique across
    types, as on AO3, and wrangling sorts out the odd case. Fixed types (warnings, categories)
    never create tags."""
    wanted = [clean_tag_name(n) for n in names]
    wanted = [n for n in wanted if n]
    if not wanted:
        return []
    keys = {n.lower() for n in wanted}
    existing: dict[str, Tag] = {
        t.name.lower(): t for t in Tag.objects.annotate(key=Lower("name")).filter(key__in=keys)
    }
    result: list[Tag] = []
    for name in wanted:
        tag = existing.get(name.lower())
        if tag is None:
            if tag_type in (TagType.WARNING, TagType.CATEGORY):
                raise ValidationError(f"“{name}” is not one of the fixed {tag_type} choices.")
            tag, _ = Tag.objects.get_or_create(
                name=name, defaults={"type": tag_type, "canonical": False}
            )
            existing[name.lower()] = tag
        if tag not in result:
            result.append(tag)
    return result


def fixed_tags(tag_type: str, names: Iterable[str]) -> list[Tag]:
    """Return the fixed warning or category tags with these names (validated by the caller),
    creating any that a flushed database lost."""
    return [
        Tag.objects.get_or_create(name=name, defaults={"type": tag_type, "canonical": True})[0]
        for name in names
    ]


def ensure_fixed_tags() -> None:
    """Create the fixed archive warning and category tags if missing (idempotent)."""
    for tag_type, names in ((TagType.WARNING, ARCHIVE_WARNINGS), (TagType.CATEGORY, CATEGORIES)):
        for name in names:
            Tag.objects.get_or_create(name=name, defaults={"type": tag_type, "canonical": True})


# Wrangling ---------------------------------------------------------------------------------
#
# Each action checks the wrangler, validates, changes the tags, then recomputes the filter
# tags of every work the change touches (see `filtering.works_under`), in one transaction.

_CAN_WRANGLE = "_ficarchive_can_wrangle"


def can_wrangle(user: User | AnonymousUser) -> bool:
    """Return whether the user may wrangle tags: active staff, superusers, and members of the
    "Tag wranglers" group. The answer is kept on the user object for the rest of the request."""
    if not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, _CAN_WRANGLE, None)
    if cached is None:
        # The user's group names are read once a request, shared with the moderator check.
        cached = bool(user.is_staff or user.is_superuser or WRANGLER_GROUP in group_names(user))
        setattr(user, _CAN_WRANGLE, cached)
    return bool(cached)


def _check_wrangler(user: User | AnonymousUser) -> None:
    if not can_wrangle(user):
        raise PermissionDenied("Only tag wranglers can wrangle tags.")


def _related(start: int, *, down: bool) -> set[int]:
    """Return the ids of all tags below (down=True) or above a tag, following parent links of
    any type; cycle-safe (a tag seen once is not followed again). One query per level."""
    seen: set[int] = set()
    frontier = {start}
    while frontier:
        if down:
            rows = TagParent.objects.filter(parent_id__in=frontier).values_list(
                "child_id", flat=True
            )
        else:
            rows = TagParent.objects.filter(child_id__in=frontier).values_list(
                "parent_id", flat=True
            )
        frontier = set(rows) - seen - {start}
        seen |= frontier
    return seen


def _not_fixed(tag: Tag) -> None:
    if tag.type in FIXED_TAG_TYPES:
        raise ValidationError(
            f"“{tag.name}” is a fixed {tag.get_type_display()} tag: it cannot be wrangled."
        )


def _fresh(tag: Tag) -> Tag:
    """Return the tag re-read and locked, so checks see what other wranglers just saved."""
    return Tag.objects.select_for_update().get(pk=tag.pk)


@transaction.atomic
def make_canonical(wrangler: User, tag: Tag) -> Tag:
    """Make the tag canonical (a synonym stops being one). Returns the tag."""
    check_active(wrangler)
    _check_wrangler(wrangler)
    tag = _fresh(tag)
    _not_fixed(tag)
    if tag.canonical:
        return tag
    tag.canonical = True
    tag.merger = None
    tag.save(update_fields=["canonical", "merger"])
    refresh_filter_tags(works_under([tag.pk]))
    return tag


@transaction.atomic
def set_media(wrangler: User, tag: Tag, media: str) -> Tag:
    """File a fandom under a medium (`Media`; "" takes it out of every medium, which lists it
    under Uncategorized Fandoms). Returns the tag."""
    check_active(wrangler)
    _check_wrangler(wrangler)
    tag = _fresh(tag)
    if tag.type != TagType.FANDOM:
        raise ValidationError(
            f"“{tag.name}” is a {tag.get_type_display()} tag: only fandoms have a medium."
        )
    if media not in Media.values and media != "":
        raise ValidationError(f"“{media[:40]}” is not a medium: choose one from the list.")
    if tag.media != media:
        tag.media = media
        tag.save(update_fields=["media"])
    return tag


@transaction.atomic
def make_synonym(wrangler: User, tag: Tag, canonical: Tag) -> Tag:
    """Make the tag a synonym of a canonical tag of the same type. The tag's own synonyms and
    sub tags move to the canonical tag, and so do its parents where they fit; the tag keeps no
    parent links of its own. Returns the tag."""
    check_active(wrangler)
    _check_wrangler(wrangler)
    tag, canonical = _fresh(tag), _fresh(canonical)
    _not_fixed(tag)
    if tag.pk == canonical.pk:
        raise ValidationError(f"“{tag.name}” cannot be a synonym of itself.")
    if not canonical.canonical:
        raise ValidationError(
            f"“{canonical.name}” is not canonical: a synonym must point at a canonical tag "
            "(make it canonical first; synonyms of synonyms are not allowed)."
        )
    if tag.type != canonical.type:
        raise ValidationError(
            f"“{tag.name}” is a {tag.get_type_display()} tag and “{canonical.name}” a "
            f"{canonical.get_type_display()} tag: a synonym must have its canonical tag's type."
        )
    if canonical.pk in _related(tag.pk, down=True):
        raise ValidationError(
            f"“{canonical.name}” is a sub tag of “{tag.name}”: remove that parent link first."
        )
    affected = works_under([tag.pk])
    Tag.objects.filter(merger=tag).update(merger=canonical)
    everything_changed()
    have_children = set(canonical.child_links.values_list("child_id", flat=True))
    have_parents = set(canonical.parent_links.values_list("parent_id", flat=True))
    below_canonical = _related(canonical.pk, down=True)
    new_links = [
        TagParent(child_id=child_id, parent=canonical)
        for child_id in tag.child_links.values_list("child_id", flat=True)
        if child_id not in have_children and child_id != canonical.pk
    ]
    new_links += [
        TagParent(child=canonical, parent_id=parent_id)
        for parent_id, parent_type in tag.parent_links.values_list("parent_id", "parent__type")
        if parent_id not in have_parents
        and parent_id != canonical.pk
        and parent_id not in below_canonical
        and parent_type in PARENT_TYPES[canonical.type]
    ]
    TagParent.objects.filter(child=tag).delete()
    TagParent.objects.filter(parent=tag).delete()
    TagParent.objects.bulk_create(new_links)
    tag.canonical = False
    tag.merger = canonical
    tag.save(update_fields=["canonical", "merger"])
    refresh_filter_tags(affected)
    return tag


@transaction.atomic
def unmake_synonym(wrangler: User, tag: Tag) -> Tag:
    """Stop the tag being a synonym: it becomes an unwrangled tag of its own. Returns the tag."""
    check_active(wrangler)
    _check_wrangler(wrangler)
    tag = _fresh(tag)
    if tag.merger_id is None:
        raise ValidationError(f"“{tag.name}” is not a synonym.")
    tag.merger = None
    tag.save(update_fields=["merger"])
    refresh_filter_tags(works_under([tag.pk]))
    return tag


@transaction.atomic
def add_parent(wrangler: User, child: Tag, parent: Tag) -> TagParent:
    """Put the child tag under a canonical parent tag: a character or relationship in a
    fandom, a fandom in a meta fandom, a freeform under a meta tag. Returns the link."""
    check_active(wrangler)
    _check_wrangler(wrangler)
    child, parent = _fresh(child), _fresh(parent)
    _not_fixed(child)
    if child.merger_id is not None:
        raise ValidationError(
            f"“{child.name}” is a synonym: add parents to its canonical tag instead."
        )
    if not parent.canonical:
        raise ValidationError(f"“{parent.name}” is not canonical: only canonical tags are parents.")
    if parent.type not in PARENT_TYPES[child.type]:
        raise ValidationError(
            f"A {parent.get_type_display()} tag cannot be a parent of a "
            f"{child.get_type_display()} tag."
        )
    if parent.pk == child.pk or parent.pk in _related(child.pk, down=True):
        raise ValidationError(
            f"“{parent.name}” is already below “{child.name}”: that link would make a loop."
        )
    link, created = TagParent.objects.get_or_create(child=child, parent=parent)
    if created:
        refresh_filter_tags(works_under([child.pk]))
    return link


@transaction.atomic
def remove_parent(wrangler: User, child: Tag, parent: Tag) -> None:
    """Take the child tag out from under the parent tag."""
    check_active(wrangler)
    _check_wrangler(wrangler)
    deleted, _ = TagParent.objects.filter(child=child, parent=parent).delete()
    if not deleted:
        raise ValidationError(f"“{parent.name}” is not a parent of “{child.name}”.")
    refresh_filter_tags(works_under([child.pk]))


def grant_wrangling(user: User) -> None:
    """Add the user to the "Tag wranglers" group (creating it if needed)."""
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=WRANGLER_GROUP)
    user.groups.add(group)
    forget_groups(user)  # the cached group names and wrangling answer
