"""Tags: fandoms, relationships, characters, additional (freeform) tags, and the fixed archive
warning and category sets; wrangling (canonical tags, synonyms, parent links); and the per-work
filter tags (`FilterTagging`) that listings filter on.

A tag is in one of three states: canonical (`canonical=True`), a synonym of a canonical tag of
the same type (`merger` set), or neither. A tag that is neither, and (for characters,
relationships and freeforms) has no fandom parent, is *unwrangled*: it waits in the wrangling
queue. Parent links (`TagParent`) join a canonical tag to the tags above it: a character or
relationship to its fandoms, a fandom to its meta fandom, a freeform to its meta tag."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from django.db import connections, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower

from ficarchive.tags.urlnames import tag_to_url

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ficarchive.accounts.models import User


class TagType(models.TextChoices):
    FANDOM = "fandom", "Fandom"
    RELATIONSHIP = "relationship", "Relationship"
    CHARACTER = "character", "Character"
    FREEFORM = "freeform", "Additional Tag"
    WARNING = "warning", "Archive Warning"
    CATEGORY = "category", "Category"


class Media(models.TextChoices):
    """The media a fandom belongs to, as AO3 lists them on its Fandoms page; wranglers set a
    fandom's. A fandom without one is listed under Uncategorized Fandoms."""

    ANIME = "anime-manga", "Anime & Manga"
    BOOKS = "books-literature", "Books & Literature"
    CARTOONS = "cartoons-comics", "Cartoons & Comics & Graphic Novels"
    CELEBRITIES = "celebrities-real-people", "Celebrities & Real People"
    MOVIES = "movies", "Movies"
    MUSIC = "music-bands", "Music & Bands"
    OTHER = "other-media", "Other Media"
    THEATER = "theater", "Theater"
    TV = "tv-shows", "TV Shows"
    VIDEO_GAMES = "video-games", "Video Games"
    UNCATEGORIZED = "uncategorized", "Uncategorized Fandoms"


ARCHIVE_WARNINGS = [
    "Creator Chose Not To Use Archive Warnings",
    "Graphic Depictions Of Violence",
    "Major Character Death",
    "No Archive Warnings Apply",
    "Rape/Non-Con",
    "Underage Sex",
]
CATEGORIES = ["F/F", "F/M", "Gen", "M/M", "Multi", "Other"]
FIXED_TAG_TYPES = {TagType.WARNING, TagType.CATEGORY}
MAX_TAG_LENGTH = 150


# Which tag types may sit above a tag of each type. Same-type parents are meta tags, whose
# works include their sub tags' works; a fandom above a character or relationship says where it
# belongs (and is not inherited by filter tags: one character may belong to many fandoms).
PARENT_TYPES: dict[str, frozenset[str]] = {
    TagType.FANDOM: frozenset({TagType.FANDOM}),
    TagType.CHARACTER: frozenset({TagType.FANDOM, TagType.CHARACTER}),
    TagType.RELATIONSHIP: frozenset({TagType.FANDOM, TagType.CHARACTER, TagType.RELATIONSHIP}),
    TagType.FREEFORM: frozenset({TagType.FANDOM, TagType.FREEFORM}),
    TagType.WARNING: frozenset(),
    TagType.CATEGORY: frozenset(),
}
WRANGLER_GROUP = "Tag wranglers"


class TagQuerySet(models.QuerySet["Tag"]):
    def canonical(self) -> TagQuerySet:
        return self.filter(canonical=True)

    def visible_to(self, user: User | AnonymousUser) -> TagQuerySet:
        """Return the tags this viewer may see named: canonical tags and their synonyms
        (wranglers made them public) and tags that a work the viewer may read uses, so a tag
        that only drafts or hidden works use stays private. Wranglers see every tag (they
        wrangle them)."""
        from ficarchive.tags.actions import can_wrangle
        from ficarchive.works.models import WorkTag, visible_q

        if can_wrangle(user):
            return self
        # The work's visibility on its own columns (visible_q), never "IN (every visible
        # work)", which a database builds in full before it can answer.
        used = WorkTag.objects.filter(visible_q(user, "work"), tag_id=OuterRef("pk"))
        return self.filter(Q(canonical=True) | Q(merger__isnull=False) | Exists(used))

    def name_starts_with(self, prefix: str) -> TagQuerySet:
        """Return tags whose lower-cased name starts with the prefix (lower-cased), ordered by
        that name, in a form the prefix indexes serve: PostgreSQL matches with LIKE on a
        text_pattern_ops index (migration 0004); SQLite compares a range on `lower(name)`,
        which its binary collation orders by code point."""
        key = prefix.lower()
        tags = self.annotate(name_key=Lower("name")).order_by("name_key")
        if not key:
            return tags
        if connections[self.db].vendor == "postgresql":
            return tags.filter(name_key__startswith=key)
        tags = tags.filter(name_key__gte=key)
        if ord(key[-1]) < 0x10FFFF:
            following = ord(key[-1]) + 1
            # The code point after U+D7FF is a surrogate, which no stored text holds and UTF-8
            # cannot encode: the next character a name can have is U+E000.
            if 0xD800 <= following <= 0xDFFF:
                following = 0xE000
            tags = tags.filter(name_key__lt=key[:-1] + chr(following))
        return tags

    def unwrangled(self) -> TagQuerySet:
        """Return tags that are neither canonical nor a synonym, and (for characters,
        relationships and freeforms) have no fandom parent: the wrangling queue."""
        has_fandom = TagParent.objects.filter(child=OuterRef("pk"), parent__type=TagType.FANDOM)
        return (
            self.filter(canonical=False, merger__isnull=True)
            .exclude(type__in=FIXED_TAG_TYPES)
            .filter(Q(type=TagType.FANDOM) | ~Exists(has_fandom))
        )


class Tag(models.Model):
    """A tag. Names are unique regardless of case, across all types (as on AO3)."""

    name = models.CharField(max_length=MAX_TAG_LENGTH)
    type = models.CharField(max_length=20, choices=TagType.choices)
    canonical = models.BooleanField(default=False)
    merger = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="synonyms",
        help_text="The canonical tag this tag is a synonym of.",
    )
    parents: models.ManyToManyField[Tag, TagParent] = models.ManyToManyField(
        "self",
        through="TagParent",
        through_fields=("child", "parent"),
        symmetrical=False,
        related_name="children",
        blank=True,
    )
    # Fandoms only: the medium wranglers filed the fandom under ("" until they do, which the
    # Fandoms pages list under Uncategorized Fandoms, as Media.UNCATEGORIZED).
    media = models.CharField(max_length=30, choices=Media.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci"),
            models.CheckConstraint(
                condition=Q(merger__isnull=True) | Q(canonical=False),
                name="tag_synonym_not_canonical",
            ),
        ]
        indexes = [
            models.Index(fields=["type", "name"]),
            # Autocomplete: canonical tags of one type by lower-cased name prefix.
            models.Index(
                "type", Lower("name"), name="tag_canonical_prefix_idx", condition=Q(canonical=True)
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # Built directly rather than with reverse(): listing pages link hundreds of tags.
        return f"/tags/{quote(tag_to_url(self.name), safe='*')}/"


class TagParent(models.Model):
    """One link from a tag to a tag above it (its fandom, meta fandom or meta tag)."""

    child = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="child_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "parent"], name="tagparent_unique"),
            models.CheckConstraint(
                condition=~Q(child=models.F("parent")), name="tagparent_not_self"
            ),
        ]
        indexes = [models.Index(fields=["parent", "child"])]

    def __str__(self) -> str:
        return f"{self.child_id} under {self.parent_id}"


class FilterTagging(models.Model):
    """One of a work's filter tags: what listings filter on. A work's filter tags are its own
    tags that are not synonyms, the canonical tags its synonyms point to, and every meta tag
    above those (transitively). Kept by `ficarchive.tags.filtering`; never written elsewhere."""

    # No single-column indexes: the unique (work, tag) and the (tag, work) index serve both,
    # and at a million works each would be another 15 million entries to write.
    work = models.ForeignKey(
        "works.Work", on_delete=models.CASCADE, related_name="filter_taggings", db_index=False
    )
    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, related_name="filter_taggings", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work", "tag"], name="filtertagging_unique"),
        ]
        indexes = [models.Index(fields=["tag", "work"], name="filtertagging_tag_work_idx")]

    def __str__(self) -> str:
        return f"{self.tag_id} filters {self.work_id}"
