"""Prompt memes (AO3's prompt meme challenge): a collection's participants post prompts,
members claim them (several may claim one) and fill them with works posted to the collection.

A prompt may be anonymous: its prompter is then shown only to the collection's owners and
moderators and to the prompter (`Prompt.prompter_shown_to`); every page and notification
goes through that rule."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Exists, OuterRef

from ficarchive.challenges.models import TagSet
from ficarchive.collections.models import Collection, CollectionItem
from ficarchive.tags.models import Tag, TagType
from ficarchive.works.models import TITLE_MAX, Status, Work

DESCRIPTION_MAX = 10_000
URL_MAX = 500
MAX_PROMPTS_LIMIT = 100
MAX_TAGS_PER_TYPE = 10
# The tag types a prompt may name, in the order the forms show them.
PROMPT_TAG_TYPES: tuple[str, ...] = (
    TagType.FANDOM.value,
    TagType.CHARACTER.value,
    TagType.RELATIONSHIP.value,
    TagType.FREEFORM.value,
)


class TagRule(models.TextChoices):
    REQUIRED = "required", "Required"
    OPTIONAL = "optional", "Optional"
    NONE = "none", "Not allowed"


class PromptMeme(models.Model):
    collection = models.OneToOneField(
        Collection, on_delete=models.CASCADE, related_name="prompt_meme"
    )
    # None: no bound on that side.
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    max_prompts = models.PositiveSmallIntegerField(default=3)
    fandom_rule = models.CharField(max_length=10, choices=TagRule.choices, default=TagRule.REQUIRED)
    character_rule = models.CharField(
        max_length=10, choices=TagRule.choices, default=TagRule.OPTIONAL
    )
    relationship_rule = models.CharField(
        max_length=10, choices=TagRule.choices, default=TagRule.OPTIONAL
    )
    freeform_rule = models.CharField(
        max_length=10, choices=TagRule.choices, default=TagRule.OPTIONAL
    )
    tag_set = models.ForeignKey(
        TagSet, on_delete=models.SET_NULL, null=True, blank=True, related_name="prompt_memes"
    )
    anonymous_allowed = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Prompt meme of {self.collection_id}"

    def rule(self, tag_type: str) -> str:
        return str(getattr(self, f"{tag_type}_rule", TagRule.NONE))


class PromptQuerySet(models.QuerySet["Prompt"]):
    def with_filled(self) -> PromptQuerySet:
        """Annotate `filled`: a fill of the prompt is posted, not hidden, and approved in the
        meme's collection (what makes a prompt filled for everyone)."""
        return self.annotate(filled=Exists(Fill.objects.counted().filter(prompt=OuterRef("pk"))))

    def unfilled(self) -> PromptQuerySet:
        return self.exclude(Exists(Fill.objects.counted().filter(prompt=OuterRef("pk"))))


class Prompt(models.Model):
    meme = models.ForeignKey(PromptMeme, on_delete=models.CASCADE, related_name="prompts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompts"
    )
    anonymous = models.BooleanField(default=False)
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    description_html = models.TextField(blank=True)
    url = models.CharField(max_length=URL_MAX, blank=True)
    tags = models.ManyToManyField(Tag, related_name="+", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PromptQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["meme", "-created_at"], name="prompt_meme_idx"),
            models.Index(fields=["user", "meme"], name="prompt_user_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/collections/{self.meme.collection.name}/prompts/{self.pk}/"

    def prompter_shown_to(self, viewer: object, *, moderator: bool) -> bool:
        """Return whether this viewer may see who posted the prompt: always when it is not
        anonymous; else only the prompter and the collection's moderators."""
        if not self.anonymous or moderator:
            return True
        return not isinstance(viewer, AnonymousUser) and getattr(viewer, "pk", None) == self.user_id


class Claim(models.Model):
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompt_claims"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prompt", "user"], name="prompt_claim_unique"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="prompt_claim_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} claims {self.prompt_id}"


class FillQuerySet(models.QuerySet["Fill"]):
    def counted(self) -> FillQuerySet:
        """Fills whose work is posted, not hidden and approved in the meme's collection."""
        return self.filter(
            work__status=Status.POSTED,
            work__hidden=False,
        ).filter(
            Exists(
                CollectionItem.objects.filter(
                    work_id=OuterRef("work_id"),
                    collection_id=OuterRef("prompt__meme__collection_id"),
                    approved=True,
                )
            )
        )


class Fill(models.Model):
    """A work that fills a prompt. The prompter is told once, when the work is posted and
    approved in the collection (`notified_at`)."""

    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="fills")
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="prompt_fills")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = FillQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prompt", "work"], name="prompt_fill_unique"),
        ]
        indexes = [models.Index(fields=["work"], name="prompt_fill_work_idx")]

    def __str__(self) -> str:
        return f"{self.work_id} fills {self.prompt_id}"
