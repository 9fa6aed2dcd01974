"""Writes of reading preferences and muted tags. Each runs in one transaction and drops the
member's cached preferences once it commits."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ficarchive.accounts.models import User
from ficarchive.preferences.models import MutedTag, ReadingPreferences
from ficarchive.preferences.reader import forget_member_prefs, valid_time_zone
from ficarchive.tags.actions import clean_tag_name
from ficarchive.tags.models import MAX_TAG_LENGTH, Tag

MAX_MUTED_TAGS = 200


@dataclass
class ReadingChoices:
    """What the preferences form (or a guest's cookie) holds."""

    show_adult_content: bool = False
    hide_warnings: bool = False
    hide_freeforms: bool = False
    full_work: bool = False
    time_zone: str = ""


def validate_time_zone(name: str) -> None:
    if name and not valid_time_zone(name):
        raise ValidationError(
            f"“{name[:64]}” is not a time zone this archive knows: choose one from the list "
            "(for example Europe/Paris or America/New_York)."
        )


def _preferences_row(user: User) -> ReadingPreferences:
    """Return the user's row, locked for the rest of the transaction (created if missing)."""
    row, _created = ReadingPreferences.objects.get_or_create(user=user)
    return ReadingPreferences.objects.select_for_update().get(pk=row.pk)


@transaction.atomic
def save_reading_preferences(user: User, choices: ReadingChoices) -> ReadingPreferences:
    """Store the member's reading preferences. Raises ValidationError (nothing saved) for a
    time zone that is none."""
    validate_time_zone(choices.time_zone)
    row = _preferences_row(user)
    row.show_adult_content = choices.show_adult_content
    row.hide_warnings = choices.hide_warnings
    row.hide_freeforms = choices.hide_freeforms
    row.full_work = choices.full_work
    row.time_zone = choices.time_zone
    row.save(
        update_fields=[
            "show_adult_content",
            "hide_warnings",
            "hide_freeforms",
            "full_work",
            "time_zone",
            "updated_at",
        ]
    )
    forget_member_prefs(user.pk)
    return row


def _recount(user: User) -> None:
    row = _preferences_row(user)
    row.muted_tag_count = MutedTag.objects.filter(user=user).count()
    row.save(update_fields=["muted_tag_count", "updated_at"])
    forget_member_prefs(user.pk)


def find_tag(raw: str) -> Tag:
    """Return the tag a reader named (any case); a synonym gives its canonical tag. Raises
    ValidationError naming what was wrong."""
    if len(raw) > MAX_TAG_LENGTH * 2:
        raise ValidationError(
            f"No tag is longer than {MAX_TAG_LENGTH} characters: check the name and try again."
        )
    name = clean_tag_name(raw)
    if not name:
        raise ValidationError("Name the tag to mute.")
    tag = Tag.objects.select_related("merger").filter(name__iexact=name).first()
    if tag is None:
        raise ValidationError(
            f"No tag is named “{name[:80]}”: check the spelling (tags are matched by their "
            "whole name)."
        )
    return tag.merger or tag


@transaction.atomic
def mute_tag(user: User, raw_name: str) -> tuple[Tag, bool]:
    """Mute the tag named (its canonical tag, for a synonym). Returns the tag and whether it
    was newly muted. Raises ValidationError for an unknown tag or past MAX_MUTED_TAGS."""
    tag = find_tag(raw_name)
    if MutedTag.objects.filter(user=user, tag=tag).exists():
        return tag, False
    if MutedTag.objects.filter(user=user).count() >= MAX_MUTED_TAGS:
        raise ValidationError(
            f"You muted {MAX_MUTED_TAGS} tags, the most one account can: unmute one first."
        )
    try:
        with transaction.atomic():
            MutedTag.objects.create(user=user, tag=tag)
    except IntegrityError:  # muted at the same moment by another request
        return tag, False
    _recount(user)
    return tag, True


@transaction.atomic
def unmute_tag(user: User, tag_id: int) -> Tag | None:
    """Unmute one tag. Returns it, or None when it was not muted."""
    muted = MutedTag.objects.filter(user=user, tag_id=tag_id).select_related("tag").first()
    if muted is None:
        return None
    muted.delete()
    _recount(user)
    return muted.tag
