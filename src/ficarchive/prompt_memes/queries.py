"""Read-only questions about prompt memes that views, the work form and templates share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser

from ficarchive.accounts.models import User
from ficarchive.prompt_memes.models import Claim, Fill, Prompt, PromptQuerySet
from ficarchive.tags.models import Tag, TagType
from ficarchive.works.models import Work, visible_q


@dataclass
class PromptRow:
    """What a page shows of one prompt. `prompter` is the prompter's username only when the
    reader may see it (else ""): templates never reach the prompt's user themselves."""

    prompt: Prompt
    prompter: str
    anonymous: bool
    tags: list[Tag]
    claims: list[Claim] = field(default_factory=list)
    fills: list[Work] = field(default_factory=list)
    filled: bool = False
    my_claim: Claim | None = None
    mine: bool = False


def prompt_rows(
    viewer: User | AnonymousUser, prompts: list[Prompt], *, moderator: bool
) -> list[PromptRow]:
    """Return the rows of these prompts (annotated with `filled`) in a fixed number of
    queries: their tags, claims (with claimants) and fills the viewer may read."""
    ids = [p.pk for p in prompts]
    tags: dict[int, list[Tag]] = {}
    through = Prompt.tags.through.objects.filter(prompt_id__in=ids).select_related("tag")
    for link in through.order_by("tag__type", "tag__name"):
        tags.setdefault(link.prompt_id, []).append(link.tag)
    claims: dict[int, list[Claim]] = {}
    for claim in (
        Claim.objects.filter(prompt_id__in=ids).select_related("user").order_by("created_at", "pk")
    ):
        claims.setdefault(claim.prompt_id, []).append(claim)
    fills: dict[int, list[Work]] = {}
    for fill in (
        Fill.objects.counted()
        .filter(prompt_id__in=ids)
        .filter(visible_q(viewer, "work"))
        .select_related("work")
        .order_by("created_at", "pk")
    ):
        fills.setdefault(fill.prompt_id, []).append(fill.work)
    rows = []
    for prompt in prompts:
        shown = prompt.prompter_shown_to(viewer, moderator=moderator)
        mine = viewer.is_authenticated and prompt.user_id == viewer.pk
        row = PromptRow(
            prompt=prompt,
            prompter=prompt.user.username if shown else "",
            anonymous=prompt.anonymous,
            tags=tags.get(prompt.pk, []),
            claims=claims.get(prompt.pk, []),
            fills=fills.get(prompt.pk, []),
            filled=bool(getattr(prompt, "filled", False)),
            mine=bool(mine),
        )
        if viewer.is_authenticated:
            row.my_claim = next((c for c in row.claims if c.user_id == viewer.pk), None)
        rows.append(row)
    return rows


def prompts_of(meme_id: int) -> PromptQuerySet:
    """The meme's prompts, newest first, with `filled` and what a row needs."""
    return (
        Prompt.objects.filter(meme_id=meme_id)
        .with_filled()
        .select_related("user", "meme__collection")
        .order_by("-created_at", "-pk")
    )


def fandoms_of(meme_id: int) -> list[str]:
    """The names of the fandom tags the meme's prompts name (the list page's filter)."""
    used = Prompt.tags.through.objects.filter(prompt__meme_id=meme_id).values("tag_id")
    return list(
        Tag.objects.filter(pk__in=used, type=TagType.FANDOM)
        .order_by("name")
        .values_list("name", flat=True)[:500]
    )


def my_claims(user: User) -> Any:
    return (
        Claim.objects.filter(user=user)
        .select_related("prompt__meme__collection")
        .order_by("-created_at", "-pk")
    )


def filled_claim_ids(user: User, work: Work) -> list[str]:
    """The ids (as the work form's choices) of the user's claims whose prompts the work fills."""
    prompts = Fill.objects.filter(work=work).values("prompt_id")
    return [
        str(pk)
        for pk in Claim.objects.filter(user=user, prompt_id__in=prompts).values_list(
            "pk", flat=True
        )
    ]


def fill_initial(user: User, raw_claim: str) -> dict[str, object]:
    """The new-work form's initial values for "Fill this prompt" (`?claim=<id>` of one of
    the user's claims): the claim ticked, the collection and the prompt's tags filled in.
    Anything else gives no initial values."""
    raw = raw_claim.strip()
    if not raw.isdigit() or len(raw) > 18:
        return {}
    claim = (
        Claim.objects.filter(pk=int(raw), user=user)
        .select_related("prompt__meme__collection")
        .first()
    )
    if claim is None:
        return {}
    by_type: dict[str, list[str]] = {}
    for tag in claim.prompt.tags.all():
        by_type.setdefault(tag.type, []).append(tag.name)
    return {
        "prompt_claims": [str(claim.pk)],
        "collections": claim.prompt.meme.collection.name,
        "fandoms": ", ".join(by_type.get(TagType.FANDOM, [])),
        "characters": ", ".join(by_type.get(TagType.CHARACTER, [])),
        "relationships": ", ".join(by_type.get(TagType.RELATIONSHIP, [])),
    }
