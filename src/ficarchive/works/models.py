"""Works, their chapters, who created them and how they are tagged.

Each rich text field keeps what the author wrote (`summary`, `text`, ...) beside the sanitized
HTML made from it by the text pipeline (`summary_html`, `html`, ...): the source is what the
edit form shows, the HTML is what readers get.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from ficarchive.accounts.models import Pseud
from ficarchive.tags.models import Tag, TagType
from ficarchive.works.languages import AO3_LANGUAGES

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ficarchive.accounts.models import User


class Rating(models.TextChoices):
    NOT_RATED = "not-rated", "Not Rated"
    GENERAL = "general", "General Audiences"
    TEEN = "teen", "Teen And Up Audiences"
    MATURE = "mature", "Mature"
    EXPLICIT = "explicit", "Explicit"


class TextFormat(models.TextChoices):
    HTML = "html", "Rich text (HTML)"
    TEXT = "text", "Plain text"
    MARKDOWN = "markdown", "Markdown"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    POSTED = "posted", "Posted"


class CommentPermission(models.TextChoices):
    ANYONE = "anyone", "Anyone, guests included"
    REGISTERED = "registered", "Registered users only"
    NOBODY = "nobody", "Nobody: comments are off"


# The sort orders of listings: the Work field each sorts by (descending, then by id) and
# its label. Every one has an index (status, field, id, hidden, restricted, unrevealed) so a
# sorted listing is read in index order.
SORT_FIELDS = {
    "updated": ("updated_at", "Date updated"),
    "published": ("published_at", "Date posted"),
    "kudos": ("kudos_count", "Kudos"),
    "hits": ("hit_count", "Hits"),
    "bookmarks": ("bookmark_count", "Bookmarks"),
    "comments": ("comment_count", "Comments"),
    "words": ("word_count", "Word count"),
    "title": ("title_sort", "Title"),
}


_PT_AT = [code for code, _name in AO3_LANGUAGES].index("pt-BR")

# Every language a work can carry: AO3's list (works/languages.py), "Português" (the code this
# archive gave Portuguese before it had AO3's two), and "other".
LANGUAGES: list[tuple[str, str]] = [
    *AO3_LANGUAGES[:_PT_AT],
    ("pt", "Português"),
    *AO3_LANGUAGES[_PT_AT:],
    ("other", "Other"),
]
LANGUAGE_NAMES = dict(LANGUAGES)

TITLE_MAX = 255
SUMMARY_MAX = 1250
NOTES_MAX = 5000
CHAPTER_TEXT_MAX = 510_000


def title_sort_key(title: str) -> str:
    """Return the title as it sorts: casefolded, without a leading article ("The Dome" sorts
    under D)."""
    folded = title.strip().casefold()
    for article in ("the ", "a ", "an "):
        if folded.startswith(article) and len(folded) > len(article):
            return folded[len(article) :].lstrip()[:TITLE_MAX]
    return folded[:TITLE_MAX]


def visible_q(user: User | AnonymousUser, field: str = "") -> Q:
    """Return the condition "the reader may read this work" (see `WorkQuerySet.visible_to`)
    on a work, or on the work a relation reaches when ``field`` names it ("work",
    "parent_work"): `Reading.objects.filter(visible_q(user, "work"))`.

    It is written on the work's own columns, with subqueries only over the reader's own
    works and mutes (a few rows), never as "IN (every visible work)", which a database
    builds in full before it can answer."""
    prefix = f"{field}__" if field else ""
    pk = f"{field}_id" if field else "pk"
    posted = Q(
        **{f"{prefix}status": Status.POSTED, f"{prefix}hidden": False, f"{prefix}unrevealed": False}
    )
    if not user.is_authenticated:
        return posted & Q(**{f"{prefix}restricted": False})
    own = Creatorship.objects.filter(pseud__user_id=user.pk).values("work_id")
    # Works by users this user muted (blocking app) are hidden from them everywhere.
    muted = Creatorship.objects.filter(pseud__user__muted_by__muter_id=user.pk).values("work_id")
    return (posted | Q(**{f"{pk}__in": own})) & ~Q(**{f"{pk}__in": muted})


# Tags through a work in the writer's order. Ordering on the `worktags` relation reuses the join
# that `work.tags` (and its prefetch) already makes, so this costs no query and no extra join.
TAG_ORDER = ("worktags__position", "worktags__id")


def tags_prefetch() -> models.Prefetch[Any]:
    """Return the prefetch of a work's tags in the writer's order (see `Work.ordered_tags`)."""
    return models.Prefetch("tags", queryset=Tag.objects.order_by(*TAG_ORDER))


class WorkQuerySet(models.QuerySet["Work"]):
    def posted(self) -> WorkQuerySet:
        """Return works that are posted (not drafts, not hidden by moderators)."""
        return self.filter(status=Status.POSTED, hidden=False)

    def created_by(self, user: User) -> WorkQuerySet:
        """Return works that one of the user's pseuds is credited on."""
        return self.filter(pk__in=Creatorship.objects.filter(pseud__user=user).values("work_id"))

    def credited_to(self, user: User) -> WorkQuerySet:
        """Return works that one of the user's pseuds is credited on, checked work by work (an
        EXISTS on the work's own credits): for finding one of the user's works by id, where
        `created_by` would first list every work of a prolific creator."""
        return self.filter(
            models.Exists(
                Creatorship.objects.filter(work_id=models.OuterRef("pk"), pseud__user=user)
            )
        )

    def visible_to(self, user: User | AnonymousUser) -> WorkQuerySet:
        """Return the works this user may read: posted public works for guests; posted works
        (public or registered-only) for registered users; and always the user's own works,
        drafts included. Works in unrevealed collections (`unrevealed`) are left out but for
        their creators. Every view that lists or shows works starts here."""
        return self.filter(visible_q(user))

    def for_listing(self) -> WorkQuerySet:
        """Return works with what a listing blurb shows, fetched in a fixed number of queries."""
        from ficarchive.gifts.queries import gifts_prefetch  # the gifts app builds on works

        return self.prefetch_related(
            models.Prefetch(
                "creatorships",
                queryset=Creatorship.objects.select_related("pseud__user").order_by("position"),
            ),
            tags_prefetch(),
            gifts_prefetch(),
        )


class Work(models.Model):
    title = models.CharField(max_length=TITLE_MAX)
    summary = models.TextField(blank=True)
    summary_html = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    notes_html = models.TextField(blank=True)
    end_notes = models.TextField(blank=True)
    end_notes_html = models.TextField(blank=True)
    text_format = models.CharField(
        max_length=10,
        choices=TextFormat.choices,
        default=TextFormat.HTML,
        help_text="Format of the summary and notes.",
    )
    rating = models.CharField(max_length=12, choices=Rating.choices, default=Rating.NOT_RATED)
    language = models.CharField(max_length=20, default="en")
    expected_chapters = models.PositiveIntegerField(null=True, blank=True)
    complete = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    restricted = models.BooleanField(
        default=False, help_text="Only registered users can read the work."
    )
    word_count = models.PositiveIntegerField(default=0)
    chapter_count = models.PositiveIntegerField(default=0, help_text="Posted chapters.")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True, db_index=True)
    revised_at = models.DateTimeField(auto_now=True)
    crossover = models.BooleanField(
        default=False,
        help_text="Tagged with fandoms from more than one fandom tree; kept with the filter tags.",
    )
    hidden = models.BooleanField(
        default=False, help_text="Hidden by a moderator: only its creators can see it."
    )
    # In an anonymous collection: the creators' names show as "Anonymous" (`byline_pseuds`).
    # In an unrevealed collection: only its creators (and, through their own paths, its gift
    # recipients and the collection's moderators) may read it. Both are kept by
    # `collections.actions.refresh_work_flags` whenever an item or a collection changes.
    anonymous = models.BooleanField(default=False)
    unrevealed = models.BooleanField(default=False)
    # Title folded for sorting ("the" and case ignored); set by save().
    title_sort = models.CharField(max_length=TITLE_MAX, blank=True, editable=False)

    # Counters kept by the actions that add or remove what they count, for sorting listings.
    kudos_count = models.PositiveIntegerField(default=0)
    hit_count = models.PositiveIntegerField(default=0)
    bookmark_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)

    # What the creators allow readers to do.
    allow_guest_kudos = models.BooleanField(
        default=True, help_text="Readers who are not logged in may leave kudos."
    )
    comment_permission = models.CharField(
        max_length=12, choices=CommentPermission.choices, default=CommentPermission.ANYONE
    )
    moderate_comments = models.BooleanField(
        default=False, help_text="New comments wait for a creator's approval before they show."
    )

    pseuds: models.ManyToManyField[Pseud, Creatorship] = models.ManyToManyField(
        Pseud, through="Creatorship", related_name="works"
    )
    tags: models.ManyToManyField[Tag, WorkTag] = models.ManyToManyField(
        Tag, through="WorkTag", related_name="works"
    )

    objects = WorkQuerySet.as_manager()

    class Meta:
        # One index per sort order, read in key order from the posted works. The trailing
        # `hidden`, `restricted` and `unrevealed` let a listing skip hidden, registered-only
        # and unrevealed works inside the index (Django writes `hidden=False` as NOT hidden,
        # which no index prefix serves): a deep page or a count stays an index-only scan
        # (measured at a million rows on PostgreSQL: page 500 in 2.8 ms, 15.6 ms without
        # `unrevealed` in the index).
        indexes = [
            models.Index(
                fields=["status", field, "id", "hidden", "restricted", "unrevealed"],
                name=f"work_sort_{key}_idx",
            )
            for key, (field, _label) in SORT_FIELDS.items()
        ] + [
            # The Languages page counts posted works per language in one pass over this index
            # (browse/counts.py), grouped in its order.
            models.Index(
                fields=["status", "language", "hidden", "restricted", "unrevealed"],
                name="work_language_idx",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.title_sort = title_sort_key(self.title)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "title" in update_fields:
            kwargs["update_fields"] = {*update_fields, "title_sort"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"/works/{self.pk}/"

    @property
    def language_name(self) -> str:
        """Return the language's own name ("Español") or the stored code when unknown."""
        return LANGUAGE_NAMES.get(self.language, self.language)

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def chapters_label(self) -> str:
        """Return posted chapters over expected ones: "3/?", "3/3"."""
        expected = self.expected_chapters
        if self.complete:
            expected = self.chapter_count
        elif expected is not None:
            # Never "5/3": more chapters than announced means the count grew.
            expected = max(expected, self.chapter_count)
        return f"{self.chapter_count}/{expected if expected else '?'}"

    def ordered_tags(self) -> list[Tag]:
        """Return the work's tags in the writer's order (`WorkTag.position`): the prefetched
        tags when `tags_prefetch()` loaded them (no query), else one query."""
        if "tags" in getattr(self, "_prefetched_objects_cache", {}):
            return list(self.tags.all())
        return list(self.tags.order_by(*TAG_ORDER))

    def tags_of(self, tag_type: str) -> list[Tag]:
        """Return the work's tags of one type in the writer's order, using prefetched tags
        when present."""
        return [tag for tag in self.ordered_tags() if tag.type == tag_type]

    @property
    def fandoms(self) -> list[Tag]:
        return self.tags_of(TagType.FANDOM)

    @property
    def warnings(self) -> list[Tag]:
        return self.tags_of(TagType.WARNING)

    @property
    def categories(self) -> list[Tag]:
        return self.tags_of(TagType.CATEGORY)

    @property
    def relationships(self) -> list[Tag]:
        return self.tags_of(TagType.RELATIONSHIP)

    @property
    def characters(self) -> list[Tag]:
        return self.tags_of(TagType.CHARACTER)

    @property
    def freeforms(self) -> list[Tag]:
        return self.tags_of(TagType.FREEFORM)

    def creator_pseuds(self) -> list[Pseud]:
        """Return credited pseuds in credit order, using prefetched creatorships when present."""
        return [c.pseud for c in sorted(self.creatorships.all(), key=lambda c: c.position)]

    def byline_pseuds(self) -> list[Pseud]:
        """Return the pseuds to name as the work's creators wherever it is shown: none while
        the work is anonymous (shown as "Anonymous"), else `creator_pseuds()`. Every byline
        (pages, blurbs, feeds, downloads, the API, the search index) reads this."""
        return [] if self.anonymous else self.creator_pseuds()

    def is_created_by(self, user: User | AnonymousUser) -> bool:
        if not user.is_authenticated:
            return False
        return any(p.user_id == user.pk for p in self.creator_pseuds())


class Creatorship(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="creatorships")
    pseud = models.ForeignKey(Pseud, on_delete=models.CASCADE, related_name="creatorships")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work", "pseud"], name="creatorship_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pseud_id} on {self.work_id}"


class WorkTag(models.Model):
    # No single-column indexes: the unique (work, tag) and the (tag, work) index serve both.
    work = models.ForeignKey(
        Work, on_delete=models.CASCADE, related_name="worktags", db_index=False
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="worktags", db_index=False)
    # The writer's order (the first relationship is the main pairing): one sequence over all
    # the work's tags, numbered from 0 as `works.actions` attaches them. Ties (rows restored
    # from an archive made before positions) fall back to the row id.
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["work", "tag"], name="worktag_unique")]
        indexes = [models.Index(fields=["tag", "work"])]

    def __str__(self) -> str:
        return f"{self.tag_id} on {self.work_id}"


class ChapterQuerySet(models.QuerySet["Chapter"]):
    def posted(self) -> ChapterQuerySet:
        return self.filter(posted=True)


class Chapter(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="chapters")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    summary = models.TextField(blank=True)
    summary_html = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    notes_html = models.TextField(blank=True)
    end_notes = models.TextField(blank=True)
    end_notes_html = models.TextField(blank=True)
    text = models.TextField()
    text_format = models.CharField(
        max_length=10, choices=TextFormat.choices, default=TextFormat.HTML
    )
    html = models.TextField()
    word_count = models.PositiveIntegerField(default=0)
    paragraph_count = models.PositiveIntegerField(default=0)
    posted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChapterQuerySet.as_manager()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["work", "position"], name="chapter_position_unique"),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """Return "Chapter 2: Pressure", or "Chapter 2" for an untitled chapter."""
        return (
            f"Chapter {self.position}: {self.title}" if self.title else f"Chapter {self.position}"
        )


class Hit(models.Model):
    """One reader opening one work on one day: `Work.hit_count` counts these rows, so a reader
    who refreshes the page, or reads every chapter, counts once a day. `visitor` is a hash
    (of the user id, or of a guest's address and browser), never the address itself. Rows
    older than a few days are deleted as new ones come in; the count stays on the work."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="+")
    visitor = models.CharField(max_length=32)
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work", "visitor", "day"], name="hit_once_a_day"),
        ]
        indexes = [models.Index(fields=["day"], name="hit_day_idx")]

    def __str__(self) -> str:
        return f"{self.visitor} read {self.work_id} on {self.day}"


if settings.AUTH_USER_MODEL != "accounts.User":  # pragma: no cover
    raise RuntimeError("ficarchive expects AUTH_USER_MODEL = 'accounts.User'")
