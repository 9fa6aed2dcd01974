"""The bookmark form. Labels are the fields' visible names."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from ficarchive.bookmarks.actions import BookmarkInput
from ficarchive.bookmarks.models import MAX_BOOKMARK_TAGS, Bookmark
from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.tags.actions import split_tag_list
from ficarchive.works.models import NOTES_MAX


class BookmarkForm(PlainLabelsMixin, forms.Form):
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=NOTES_MAX,
        strip=False,
        help_text=f"Plain text or HTML, up to {NOTES_MAX:,} characters.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    tags = forms.CharField(
        label="Your tags",
        required=False,
        max_length=5000,
        help_text="Separate tags with commas. They are yours: nobody wrangles them.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    recommend = forms.BooleanField(label="Recommend", required=False)
    private = forms.BooleanField(
        label="Private", required=False, help_text="Only you see a private bookmark."
    )
    for_later = forms.BooleanField(label="Mark for later", required=False)

    def clean_tags(self) -> list[str]:
        names = split_tag_list(str(self.cleaned_data.get("tags") or ""))
        if len(names) > MAX_BOOKMARK_TAGS:
            raise ValidationError(f"Give at most {MAX_BOOKMARK_TAGS} tags.")
        return names

    def bookmark_input(self) -> BookmarkInput:
        data = self.cleaned_data
        return BookmarkInput(
            notes=data["notes"],
            tags=data["tags"],
            private=data["private"],
            recommend=data["recommend"],
            for_later=data["for_later"],
        )

    @staticmethod
    def initial_for(bookmark: Bookmark | None) -> dict[str, object]:
        if bookmark is None:
            return {}
        return {
            "notes": bookmark.notes,
            "tags": ", ".join(t.name for t in bookmark.tags.all()),
            "recommend": bookmark.recommend,
            "private": bookmark.private,
            "for_later": bookmark.for_later,
        }
