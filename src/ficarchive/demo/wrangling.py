"""The demo archive's tags as wranglers leave them (used by the small and the bulk demo).

As on AO3: fandoms, characters and most freeforms canonical; a few other names writers use as
synonyms of the canonical tag; meta fandoms and meta tags above the specific ones (a work
tagged "Domestic Fluff" is also found under "Fluff"); characters, relationships and
fandom-specific freeforms attached to their fandom (not inherited by filter tags). The lists
live in `shapes`; this module writes them to the database.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ficarchive.demo import shapes
from ficarchive.tags.actions import ensure_fixed_tags
from ficarchive.tags.models import Tag, TagParent, TagType

_RELATIONSHIP_SPLIT = re.compile(r"/| & ")


@dataclass(frozen=True)
class _TagSpec:
    name: str
    type: str
    canonical: bool
    merger: str = ""


@functools.cache
def _character_fandoms() -> dict[str, str]:
    return {c.tag_name: f.name for f in shapes.FANDOMS for c in f.characters}


def relationship_fandom(name: str) -> str | None:
    """Return the fandom a demo relationship tag ("A/B", "A & B") belongs to: its first
    character's, or None for a name the demo did not make."""
    first = _RELATIONSHIP_SPLIT.split(name)[0]
    return _character_fandoms().get(first)


def _every_relationship(fandom: shapes.Fandom) -> list[str]:
    """Return every relationship tag name `shapes.plan_work` can make in this fandom."""
    chars = fandom.characters
    names = []
    for i, a in enumerate(chars):
        for j in range(i + 1, len(chars)):
            pair = (a, chars[j])
            names += [
                shapes.relationship_name(pair, romantic=True),
                shapes.relationship_name(pair, romantic=False),
            ]
            names += [shapes.relationship_name((*pair, c), romantic=True) for c in chars[j + 1 :]]
    return names


def _wrangling_specs(*, complete: bool) -> tuple[list[_TagSpec], list[tuple[str, str]]]:
    """Return the demo's wrangled tags (canonical ones first, then synonyms) and its parent
    links as (child name, parent name). `complete` adds every relationship and character
    freeform tag a plan can use (the bulk loader makes all its tags first)."""
    specs: list[_TagSpec] = []
    parents: list[tuple[str, str]] = []
    for fandom in shapes.FANDOMS:
        if complete:
            for name in _every_relationship(fandom):
                specs.append(_TagSpec(name, TagType.RELATIONSHIP, True))
                parents.append((name, fandom.name))
            for character in fandom.characters:
                for pattern in shapes.CHARACTER_FREEFORMS:
                    name = pattern.format(name=character.tag_name)
                    specs.append(_TagSpec(name, TagType.FREEFORM, True))
                    parents.append((name, fandom.name))
        specs.append(_TagSpec(fandom.name, TagType.FANDOM, True))
        meta = shapes.meta_fandom(fandom.name)
        if meta:
            specs.append(_TagSpec(meta, TagType.FANDOM, True))
            parents.append((fandom.name, meta))
        for character in fandom.characters:
            specs.append(_TagSpec(character.tag_name, TagType.CHARACTER, True))
            parents.append((character.tag_name, fandom.name))
        for name in fandom.freeforms:
            if name not in shapes.FREEFORMS:
                specs.append(_TagSpec(name, TagType.FREEFORM, True))
                parents.append((name, fandom.name))
    for name in (*shapes.FREEFORMS, *shapes.META_FREEFORMS, "Drabble"):
        if name not in shapes.FREEFORM_SYNONYMS:
            specs.append(_TagSpec(name, TagType.FREEFORM, name not in shapes.UNWRANGLED_FREEFORMS))
    for child, above in shapes.FREEFORM_PARENTS.items():
        parents += [(child, parent) for parent in above]
    for synonym, canonical in shapes.FANDOM_SYNONYMS.items():
        specs.append(_TagSpec(synonym, TagType.FANDOM, False, canonical))
    for synonym, canonical in shapes.FREEFORM_SYNONYMS.items():
        specs.append(_TagSpec(synonym, TagType.FREEFORM, False, canonical))
    return specs, parents


def wrangle_demo_tags(*, complete: bool = False) -> None:
    """Bring the demo's tags into their wrangled state, creating the missing ones: canonical
    fandoms under meta fandoms, canonical characters under their fandom, canonical freeforms
    with meta tags, a few synonyms, relationship tags canonical under their fandom, fandoms
    filed under their medium (`shapes.FANDOM_MEDIA`). Tags that
    exist with another type are left alone. `complete` also makes every relationship and
    character tag the plans can use. Does not refresh filter tags (callers do)."""
    ensure_fixed_tags()
    specs, links = _wrangling_specs(complete=complete)
    existing = {t.name.lower(): t for t in Tag.objects.all()}
    missing = {
        s.name.lower(): Tag(name=s.name, type=s.type, canonical=s.canonical)
        for s in specs
        if s.name.lower() not in existing and not s.merger
    }
    Tag.objects.bulk_create(missing.values())
    existing |= {t.name.lower(): t for t in Tag.objects.filter(pk__isnull=False)}
    for spec in specs:
        tag = existing.get(spec.name.lower())
        merger = existing[spec.merger.lower()] if spec.merger else None
        if tag is None:
            tag = Tag.objects.create(
                name=spec.name, type=spec.type, canonical=spec.canonical, merger=merger
            )
            existing[spec.name.lower()] = tag
        elif tag.type == spec.type and (tag.canonical, tag.merger) != (spec.canonical, merger):
            tag.canonical, tag.merger = spec.canonical, merger
            tag.save(update_fields=["canonical", "merger"])
    for tag in Tag.objects.filter(type=TagType.RELATIONSHIP, merger__isnull=True):
        fandom = relationship_fandom(tag.name)
        if fandom is None:
            continue
        if not tag.canonical:
            tag.canonical = True
            tag.save(update_fields=["canonical"])
        links.append((tag.name, fandom))
    wanted = set()
    for child, parent in links:
        a, b = existing.get(child.lower()), existing.get(parent.lower())
        if a is not None and b is not None and a.canonical and b.canonical:
            wanted.add((a.pk, b.pk))
    for name, media in shapes.FANDOM_MEDIA.items():
        filed = existing.get(name.lower())
        if filed is not None and filed.type == TagType.FANDOM and filed.media != media:
            filed.media = media
            filed.save(update_fields=["media"])
    have = set(TagParent.objects.values_list("child_id", "parent_id"))
    TagParent.objects.bulk_create(
        [TagParent(child_id=c, parent_id=p) for c, p in sorted(wanted - have)]
    )
