"""Writes on tags."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower

from ficarchive.tags.models import (
    ARCHIVE_WARNINGS,
    CATEGORIES,
    MAX_TAG_LENGTH,
    Tag,
    TagType,
)

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
