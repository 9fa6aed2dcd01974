"""Tag sets: a list of tags, owned by members, that a challenge's sign-ups may name (AO3's
owned tag sets), and the nominations participants make to fill it."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models.functions import Lower

from ficarchive.accounts.models import User
from ficarchive.tags.models import MAX_TAG_LENGTH, Tag, TagType

TITLE_MAX = 100
DESCRIPTION_MAX = 5000
# The tag types a set holds and participants nominate (the fixed warnings and categories
# need no set).
SET_TYPES: tuple[str, ...] = (
    TagType.FANDOM.value,
    TagType.CHARACTER.value,
    TagType.RELATIONSHIP.value,
    TagType.FREEFORM.value,
)
MAX_TAGS_PER_SET = 10_000
MAX_NOMINATIONS_PER_TYPE = 50


class TagSet(models.Model):
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    owners = models.ManyToManyField(User, related_name="owned_tag_sets")
    tags = models.ManyToManyField(Tag, related_name="tag_sets", blank=True)
    nominations_open = models.BooleanField(default=False)
    # How many tags of each type one participant may nominate (0: none of that type).
    fandom_limit = models.PositiveSmallIntegerField(default=0)
    character_limit = models.PositiveSmallIntegerField(default=0)
    relationship_limit = models.PositiveSmallIntegerField(default=0)
    freeform_limit = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("title"), name="tag_set_title_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/tag_sets/{self.pk}/"

    def limit(self, tag_type: str) -> int:
        return int(getattr(self, f"{tag_type}_limit", 0))


class NominationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class TagNomination(models.Model):
    tag_set = models.ForeignKey(TagSet, on_delete=models.CASCADE, related_name="nominations")
    nominator = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tag_nominations")
    tag_type = models.CharField(max_length=20, choices=TagType.choices)
    name = models.CharField(max_length=MAX_TAG_LENGTH)
    status = models.CharField(
        max_length=10, choices=NominationStatus.choices, default=NominationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "tag_set", "nominator", "tag_type", Lower("name"), name="nomination_once_ci"
            ),
        ]
        indexes = [models.Index(fields=["tag_set", "status", "tag_type"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.tag_type}) for {self.tag_set_id}"


# --- gift exchanges -------------------------------------------------------------------------

# The tag types a gift exchange's prompts name; ratings are the works' fixed ratings (not tags).
EXCHANGE_TYPES: tuple[str, ...] = ("fandom", "character", "relationship", "rating", "freeform")
MAX_PROMPTS = 10  # requests or offers one sign-up may hold
MAX_TAGS_PER_PROMPT = 20  # tags of one type in one prompt
PROMPT_URL_MAX = 500
PROMPT_DESCRIPTION_MAX = 2000


class GiftExchange(models.Model):
    """A collection's gift exchange challenge (AO3's), set by the collection's owners and
    moderators. ``limits`` maps "request"/"offer" to {tag type: [min, max]};
    ``match_counts`` maps a tag type to the tags a request and an offer must share (0: the
    type does not count, -1: all), as ``matching.Rules`` takes them."""

    collection = models.OneToOneField(
        "collections.Collection", on_delete=models.CASCADE, related_name="gift_exchange"
    )
    signup_open_at = models.DateTimeField(null=True, blank=True)
    signup_close_at = models.DateTimeField(null=True, blank=True)
    assignments_due_at = models.DateTimeField(null=True, blank=True)
    requests_required = models.PositiveSmallIntegerField(default=1)
    requests_allowed = models.PositiveSmallIntegerField(default=1)
    offers_required = models.PositiveSmallIntegerField(default=1)
    offers_allowed = models.PositiveSmallIntegerField(default=1)
    limits = models.JSONField(default=dict, blank=True)
    url_enabled = models.BooleanField(default=False)
    description_enabled = models.BooleanField(default=True)
    tag_set = models.ForeignKey(
        TagSet, on_delete=models.SET_NULL, null=True, blank=True, related_name="exchanges"
    )
    match_counts = models.JSONField(default=dict, blank=True)
    prompts_required = models.SmallIntegerField(default=1)
    assignments_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Gift exchange of {self.collection_id}"

    def limit(self, kind: str, tag_type: str) -> tuple[int, int]:
        """Return (min, max) tags of a type for one request or offer (max 0: not asked)."""
        pair = (self.limits.get(kind) or {}).get(tag_type) or [0, 0]
        return int(pair[0]), int(pair[1])

    def is_open(self, now: datetime) -> bool:
        return (
            self.signup_open_at is not None
            and self.signup_close_at is not None
            and self.signup_open_at <= now < self.signup_close_at
        )


class ExchangeSignUp(models.Model):
    exchange = models.ForeignKey(GiftExchange, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="exchange_signups")
    pseud = models.ForeignKey(
        "accounts.Pseud", on_delete=models.CASCADE, related_name="exchange_signups"
    )
    # Taken out of the matching by a moderator: re-runs leave them out.
    excluded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("exchange", "user", name="exchange_signup_once"),
        ]

    def __str__(self) -> str:
        return f"Sign-up {self.pk} of {self.user_id} in {self.exchange_id}"


class PromptKind(models.TextChoices):
    REQUEST = "request", "Request"
    OFFER = "offer", "Offer"


class ExchangePrompt(models.Model):
    signup = models.ForeignKey(ExchangeSignUp, on_delete=models.CASCADE, related_name="prompts")
    kind = models.CharField(max_length=8, choices=PromptKind.choices)
    position = models.PositiveSmallIntegerField(default=1)
    tags = models.ManyToManyField(Tag, related_name="exchange_prompts", blank=True)
    ratings = models.JSONField(default=list, blank=True)  # Rating values
    url = models.URLField(blank=True, max_length=PROMPT_URL_MAX)
    description = models.TextField(blank=True, max_length=PROMPT_DESCRIPTION_MAX)

    class Meta:
        ordering = ["kind", "position"]

    def __str__(self) -> str:
        return f"{self.kind} {self.position} of sign-up {self.signup_id}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class MatchingRun(models.Model):
    """One matching of an exchange by the worker, with its progress for the moderators."""

    exchange = models.ForeignKey(GiftExchange, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    stage = models.CharField(max_length=20, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    started_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Matching run {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 0


class Assignment(models.Model):
    """``giver`` writes for ``recipient``. Proposed by a run (``sent_at`` empty) until the
    moderators send them. A giver who defaults leaves it open (``defaulted_at``) until a
    moderator names a ``pinch_hitter``, who is then its giver."""

    exchange = models.ForeignKey(GiftExchange, on_delete=models.CASCADE, related_name="assignments")
    recipient = models.ForeignKey(
        ExchangeSignUp, on_delete=models.CASCADE, related_name="received_assignments"
    )
    giver = models.ForeignKey(
        ExchangeSignUp,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="given_assignments",
    )
    pinch_hitter = models.ForeignKey(
        "accounts.Pseud",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pinch_hits",
    )
    score = models.PositiveIntegerField(default=0)  # 0: not a potential match
    sent_at = models.DateTimeField(null=True, blank=True)
    defaulted_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    work = models.ForeignKey(
        "works.Work", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("recipient", name="exchange_assignment_one_per_recipient"),
        ]

    def __str__(self) -> str:
        return f"Assignment {self.pk}: {self.giver_id} → {self.recipient_id}"

    @property
    def is_open(self) -> bool:
        """Whether it waits for a pinch hitter (its giver defaulted or was taken out)."""
        return self.pinch_hitter_id is None and (
            self.defaulted_at is not None or self.giver_id is None
        )
