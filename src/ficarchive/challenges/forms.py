"""Forms for tag sets and nominations. Labels are the fields' visible names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ficarchive.challenges.actions import TagSetInput
from ficarchive.challenges.models import (
    DESCRIPTION_MAX,
    MAX_NOMINATIONS_PER_TYPE,
    SET_TYPES,
    TITLE_MAX,
)
from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.tags.actions import split_tag_list
from ficarchive.tags.models import TagType

TAGS_FIELD_MAX = 400_000  # characters in one type's list: thousands of fandoms fit

PLURAL: dict[str, str] = {
    TagType.FANDOM.value: "Fandoms",
    TagType.CHARACTER.value: "Characters",
    TagType.RELATIONSHIP.value: "Relationships",
    TagType.FREEFORM.value: "Additional tags",
}


def _tag_field(label: str, max_length: int, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _split(form: forms.Form, name: str) -> list[str]:
    try:
        return split_tag_list(str(form.cleaned_data.get(name) or ""))
    except ValidationError as error:
        form.add_error(name, error)
        return []


class TagSetForm(PlainLabelsMixin, forms.Form):
    title = forms.CharField(label="Title", max_length=TITLE_MAX)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Plain text, up to {DESCRIPTION_MAX:,} characters.",
    )
    co_owners = forms.CharField(
        label="Co-owners",
        required=False,
        max_length=2000,
        help_text="User names of members who may change the set with you, separated by commas.",
    )
    nominations_open = forms.BooleanField(label="Nominations open", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for tag_type in SET_TYPES:
            self.fields[f"{tag_type}_tags"] = _tag_field(
                PLURAL[tag_type], TAGS_FIELD_MAX, "Tag names, separated by commas."
            )
        for tag_type in SET_TYPES:
            self.fields[f"{tag_type}_limit"] = forms.IntegerField(
                label=f"{PLURAL[tag_type]} each participant may nominate",
                min_value=0,
                max_value=MAX_NOMINATIONS_PER_TYPE,
                initial=0,
                required=False,
            )

    def clean_title(self) -> str:
        title = " ".join(str(self.cleaned_data["title"]).split())
        if not title:
            raise ValidationError("Give the tag set a title.")
        return title

    def tag_set_input(self) -> TagSetInput:
        data = self.cleaned_data
        tags = {t: _split(self, f"{t}_tags") for t in SET_TYPES}
        return TagSetInput(
            title=data["title"],
            description=data["description"],
            nominations_open=bool(data["nominations_open"]),
            limits={t: int(data.get(f"{t}_limit") or 0) for t in SET_TYPES},
            tags=tags,
            co_owners=[n for n in str(data["co_owners"]).split(",") if n.strip()],
        )


class NominationForm(PlainLabelsMixin, forms.Form):
    def __init__(self, *args: Any, limits: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for tag_type, limit in limits.items():
            if limit:
                self.fields[tag_type] = _tag_field(
                    PLURAL[tag_type], 200 * limit, f"Up to {limit}, separated by commas."
                )

    def names(self) -> dict[str, list[str]]:
        return {name: _split(self, name) for name in self.fields}
