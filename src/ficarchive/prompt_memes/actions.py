"""Writes on prompt memes: the meme's settings, prompts, claims and fills. Each function runs
in one transaction and raises ValidationError (a message for the person) or PermissionDenied.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.challenges.models import TagSet
from ficarchive.collections.actions import add_work
from ficarchive.collections.models import Collection
from ficarchive.collections.queries import is_moderator
from ficarchive.core.outbox import enqueue_with_transaction
from ficarchive.moderation.sanctions import check_active
from ficarchive.prompt_memes.models import (
    DESCRIPTION_MAX,
    MAX_PROMPTS_LIMIT,
    MAX_TAGS_PER_TYPE,
    PROMPT_TAG_TYPES,
    URL_MAX,
    Claim,
    Fill,
    Prompt,
    PromptMeme,
    TagRule,
)
from ficarchive.tags.actions import find_or_create_tags
from ficarchive.tags.models import Tag, TagType
from ficarchive.text import render_text
from ficarchive.works.models import TITLE_MAX, Creatorship, Status, Work

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class MemeInput:
    """A prompt meme's settings as its moderators give them."""

    opens_at: datetime | None = None
    closes_at: datetime | None = None
    max_prompts: int = 3
    rules: dict[str, str] = field(default_factory=lambda: {"fandom": TagRule.REQUIRED})
    tag_set_id: int | None = None
    anonymous_allowed: bool = True


@dataclass
class PromptInput:
    """A prompt as its prompter gives it: the description is a source, not HTML; tags are
    names by type ("fandom": [...])."""

    title: str
    description: str = ""
    tags: dict[str, list[str]] = field(default_factory=dict)
    url: str = ""
    anonymous: bool = False


def _check_moderator(user: User, collection: Collection) -> None:
    if not is_moderator(user, collection):
        raise PermissionDenied("Only the collection's owners and moderators can do that.")


def save_meme(user: User, collection: Collection, data: MemeInput) -> PromptMeme:
    """Attach a prompt meme to the collection, or change its settings; return it."""
    check_active(user)
    _check_moderator(user, collection)
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise ValidationError("Prompts must close after they open: change one of the dates.")
    if not 1 <= data.max_prompts <= MAX_PROMPTS_LIMIT:
        raise ValidationError(
            f"The number of prompts one participant may post must be 1 to {MAX_PROMPTS_LIMIT}."
        )
    for tag_type in data.rules:
        if tag_type not in PROMPT_TAG_TYPES or data.rules[tag_type] not in TagRule.values:
            raise ValidationError("Choose required, optional or not allowed for each tag type.")
    tag_set: TagSet | None = None
    if data.tag_set_id is not None:
        tag_set = TagSet.objects.filter(pk=data.tag_set_id).first()
        if tag_set is None:
            raise ValidationError("No tag set has that number: choose one from /tag_sets/.")
    with transaction.atomic():
        meme = PromptMeme.objects.select_for_update().filter(collection=collection).first()
        meme = meme or PromptMeme(collection=collection)
        meme.opens_at = data.opens_at
        meme.closes_at = data.closes_at
        meme.max_prompts = data.max_prompts
        for tag_type in PROMPT_TAG_TYPES:
            default = TagRule.REQUIRED if tag_type == TagType.FANDOM else TagRule.OPTIONAL
            setattr(meme, f"{tag_type}_rule", data.rules.get(tag_type, default))
        meme.tag_set = tag_set
        meme.anonymous_allowed = data.anonymous_allowed
        meme.save()
    return meme


def closed_message(meme: PromptMeme, now: datetime | None = None) -> str:
    """Return why the meme takes no prompts or claims now ("" when it is open)."""
    now = now or timezone.now()
    if meme.opens_at and now < meme.opens_at:
        return f"This prompt meme opens on {meme.opens_at:%Y-%m-%d %H:%M} UTC; come back then."
    if meme.closes_at and now >= meme.closes_at:
        return (
            f"This prompt meme closed on {meme.closes_at:%Y-%m-%d %H:%M} UTC: "
            "it takes no new prompts or claims."
        )
    return ""


def _clean_title(raw: str) -> str:
    title = " ".join(_CONTROL.sub(" ", raw).split())
    if not title:
        raise ValidationError("Give the prompt a title.")
    if len(title) > TITLE_MAX:
        raise ValidationError(f"A prompt's title can have at most {TITLE_MAX} characters.")
    return title


def _clean_url(raw: str) -> str:
    url = raw.strip()
    if not url:
        return ""
    if len(url) > URL_MAX:
        raise ValidationError(f"A link can have at most {URL_MAX} characters.")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            "The link must be a web address starting with http:// or https://."
        ) from None
    return url


def _prompt_tags(meme: PromptMeme, names_by_type: dict[str, list[str]]) -> list[Tag]:
    """Return the prompt's tags after the meme's rules (and its tag set, when it has one)."""
    allowed: dict[str, set[int]] | None = None
    if meme.tag_set_id is not None:
        allowed = {}
        for pk, tag_type in TagSet.tags.through.objects.filter(
            tagset_id=meme.tag_set_id
        ).values_list("tag_id", "tag__type"):
            allowed.setdefault(tag_type, set()).add(pk)
    tags: list[Tag] = []
    for tag_type in PROMPT_TAG_TYPES:
        names = names_by_type.get(tag_type, [])
        label = TagType(tag_type).label.lower()
        rule = meme.rule(tag_type)
        if rule == TagRule.NONE and names:
            raise ValidationError(f"This prompt meme takes no {label} tags: remove them.")
        if rule == TagRule.REQUIRED and not names:
            raise ValidationError(f"Name at least one {label} tag: this prompt meme requires it.")
        if len(names) > MAX_TAGS_PER_TYPE:
            raise ValidationError(
                f"A prompt can name at most {MAX_TAGS_PER_TYPE} {label} tags: remove some."
            )
        if allowed is None:
            tags += find_or_create_tags(tag_type, names)
            continue
        keys = {n.lower() for n in names}
        found = {
            t.name.lower(): t
            for t in Tag.objects.annotate(key=Lower("name")).filter(
                key__in=keys, pk__in=allowed.get(tag_type, set())
            )
        }
        for name in names:
            if name.lower() not in found:
                raise ValidationError(
                    f"“{name}” is not a {label} tag of this prompt meme's tag set: "
                    "choose one of the set's tags."
                )
            tags.append(found[name.lower()])
    return tags


def _apply(prompt: Prompt, meme: PromptMeme, data: PromptInput) -> list[Tag]:
    prompt.title = _clean_title(data.title)
    if len(data.description) > DESCRIPTION_MAX:
        raise ValidationError(
            f"A prompt's description can have at most {DESCRIPTION_MAX:,} characters."
        )
    if data.anonymous and not meme.anonymous_allowed:
        raise ValidationError("This prompt meme does not take anonymous prompts.")
    prompt.url = _clean_url(data.url)
    prompt.anonymous = data.anonymous
    prompt.description = data.description
    prompt.description_html = render_text(data.description, "html", paragraph_ids=False).html
    return _prompt_tags(meme, data.tags)


def post_prompt(user: User, meme: PromptMeme, data: PromptInput) -> Prompt:
    """Post a prompt to the meme while it is open, within its limit per participant."""
    check_active(user)
    if message := closed_message(meme):
        raise ValidationError(message)
    prompt = Prompt(meme=meme, user=user)
    tags = _apply(prompt, meme, data)
    with transaction.atomic():
        # Lock the meme so two prompts sent at once cannot both pass the limit.
        PromptMeme.objects.select_for_update().filter(pk=meme.pk).first()
        if Prompt.objects.filter(meme=meme, user=user).count() >= meme.max_prompts:
            raise ValidationError(
                f"You have posted {meme.max_prompts} prompts, as many as this prompt meme "
                "allows one participant: edit or delete one of them instead."
            )
        prompt.save()
        prompt.tags.set(tags)
    return prompt


def is_filled(prompt: Prompt) -> bool:
    return Fill.objects.counted().filter(prompt=prompt).exists()


def _check_own_unfilled(user: User, prompt: Prompt) -> None:
    if prompt.user_id != user.pk:
        raise PermissionDenied("Only the prompt's prompter can change it.")
    if is_filled(prompt):
        raise ValidationError("This prompt has been filled, so it can no longer be changed.")


def update_prompt(user: User, prompt: Prompt, data: PromptInput) -> Prompt:
    """The prompter changes their prompt, until it is filled."""
    check_active(user)
    _check_own_unfilled(user, prompt)
    tags = _apply(prompt, prompt.meme, data)
    with transaction.atomic():
        prompt.save()
        prompt.tags.set(tags)
    return prompt


def delete_prompt(user: User, prompt: Prompt) -> None:
    """The prompter deletes their prompt until it is filled; moderators may at any time."""
    check_active(user)
    if not is_moderator(user, prompt.meme.collection):
        _check_own_unfilled(user, prompt)
    with transaction.atomic():
        prompt.delete()


def claim_prompt(user: User, prompt: Prompt) -> Claim:
    """Claim a prompt (several members may claim one, as on AO3)."""
    check_active(user)
    if message := closed_message(prompt.meme):
        raise ValidationError(message)
    if is_filled(prompt):
        raise ValidationError("This prompt is already filled: choose an unfilled prompt to claim.")
    if Claim.objects.filter(prompt=prompt, user=user).exists():
        raise ValidationError("You have already claimed this prompt: see your claims at /claims/.")
    try:
        with transaction.atomic():
            return Claim.objects.create(prompt=prompt, user=user)
    except IntegrityError:  # the same claim sent twice at once
        raise ValidationError(
            "You have already claimed this prompt: see your claims at /claims/."
        ) from None


def drop_claim(user: User, claim: Claim) -> None:
    """Drop a claim: the claimant, or one of the collection's moderators. Fills stay."""
    check_active(user)
    if claim.user_id != user.pk:
        _check_moderator(user, claim.prompt.meme.collection)
    with transaction.atomic():
        claim.delete()


def set_work_fills(user: User, work: Work, claims: Sequence[Claim]) -> None:
    """Make the work fill the prompts of these claims of the user's (from the work form): add
    the work to each meme's collection (its moderation rules apply) and link it to the
    prompt; unlink it from the user's other claimed prompts. The prompters hear of it once
    the work is posted and approved (`announce_fills`)."""
    check_active(user)
    if not Creatorship.objects.filter(work=work, pseud__user=user).exists():
        raise PermissionDenied("Only the work's creators can do that.")
    if any(c.user_id != user.pk for c in claims):
        raise PermissionDenied("You can only fill prompts you claimed.")
    with transaction.atomic():
        wanted = {c.prompt_id for c in claims}
        Fill.objects.filter(work=work, prompt__claims__user=user, added_by=user).exclude(
            prompt_id__in=wanted
        ).delete()
        for claim in claims:
            add_work(user, claim.prompt.meme.collection, work)
            Fill.objects.get_or_create(
                prompt_id=claim.prompt_id, work=work, defaults={"added_by": user}
            )
        announce_fills(work)


def announce_fills(work: Work) -> None:
    """Queue the telling of the work's prompters (in the caller's transaction) when the work
    is posted and has fills nobody was told of. The task checks the rest again."""
    if work.status != Status.POSTED or work.hidden:
        return
    if not Fill.objects.filter(work=work, notified_at__isnull=True).exists():
        return
    from ficarchive.prompt_memes.tasks import notify_prompters

    enqueue_with_transaction(notify_prompters, work.pk)


def claims_for_form(user: User) -> list[Claim]:
    """Return the user's claims, newest first, for the work form's choices."""
    return list(
        Claim.objects.filter(user=user)
        .select_related("prompt__meme__collection")
        .order_by("-created_at", "-pk")[:200]
    )
