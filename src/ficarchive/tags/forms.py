"""Forms for wrangling tags. Labels are the fields' visible names."""

from __future__ import annotations

from django import forms

from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.tags.models import MAX_TAG_LENGTH, Media, TagType

WRANGLE_ACTIONS = [
    ("canonical", "Make canonical"),
    ("synonym", "Make synonym of"),
    ("parent", "Add parent"),
    ("remove_parent", "Remove parent"),
    ("unsynonym", "Stop being a synonym"),
    ("media", "Set the medium"),
]
QUEUE_TYPES = [
    ("", "All types"),
    (TagType.CHARACTER, "Characters"),
    (TagType.RELATIONSHIP, "Relationships"),
    (TagType.FREEFORM, "Additional tags"),
]


class WrangleForm(PlainLabelsMixin, forms.Form):
    """One wrangling step on one tag: what to do, and the other tag's name when it needs one."""

    tag = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    action = forms.ChoiceField(label="Action", choices=WRANGLE_ACTIONS)
    target = forms.CharField(
        label="Tag name", required=False, max_length=MAX_TAG_LENGTH * 2, strip=True
    )
    medium = forms.ChoiceField(
        label="Medium", choices=[("", "No medium (uncategorized)"), *Media.choices], required=False
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("action") in ("synonym", "parent", "remove_parent") and not data.get("target"):
            raise forms.ValidationError("Type the name of the other tag.")
        return data


class QueueForm(PlainLabelsMixin, forms.Form):
    """Which part of the queue to show (GET)."""

    fandom = forms.CharField(label="Fandom", required=False, max_length=MAX_TAG_LENGTH * 2)
    type = forms.ChoiceField(label="Type", choices=QUEUE_TYPES, required=False)
