"""Forms for series and related works. Labels are the fields' visible names."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from ficarchive.accounts.models import User
from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.series.actions import SeriesInput
from ficarchive.series.models import EXTERNAL_FIELD_MAX, EXTERNAL_URL_MAX, SeriesWork
from ficarchive.works.models import NOTES_MAX, SUMMARY_MAX, TITLE_MAX, Work

# "123", "/works/123/", "https://example.org/works/123/chapters/4/"
_WORK_REFERENCE = re.compile(r"(?:^|/works/)([0-9]{1,18})(?:/|$)")


class SeriesForm(PlainLabelsMixin, forms.Form):
    title = forms.CharField(label="Title", max_length=TITLE_MAX)
    summary = forms.CharField(
        label="Summary",
        required=False,
        max_length=SUMMARY_MAX,
        strip=False,
        help_text=f"Plain text or HTML, up to {SUMMARY_MAX:,} characters.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=NOTES_MAX,
        strip=False,
        help_text=f"Plain text or HTML, up to {NOTES_MAX:,} characters.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    complete = forms.BooleanField(label="Complete", required=False)

    def clean_title(self) -> str:
        title = " ".join(str(self.cleaned_data["title"]).split())
        if not title:
            raise ValidationError("Give the series a title.")
        return title

    def series_input(self) -> SeriesInput:
        data = self.cleaned_data
        return SeriesInput(
            title=data["title"],
            summary=data["summary"],
            notes=data["notes"],
            complete=data["complete"],
        )


class WorkChoiceField(forms.ModelChoiceField[Work]):
    def label_from_instance(self, obj: Work) -> str:
        return f"{obj.title} (draft)" if obj.is_draft else obj.title


class AddWorkForm(PlainLabelsMixin, forms.Form):
    work = WorkChoiceField(label="Work", queryset=Work.objects.none(), empty_label=None)

    def __init__(self, *args: Any, user: User, series_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["work"]
        assert isinstance(field, WorkChoiceField)
        field.queryset = (
            Work.objects.created_by(user)
            .exclude(pk__in=SeriesWork.objects.filter(series_id=series_id).values("work_id"))
            .order_by("title_sort", "pk")
        )


class SeriesOrderForm(PlainLabelsMixin, forms.Form):
    """The series' order as one position field per work (works without JavaScript)."""

    def __init__(self, *args: Any, entries: list[SeriesWork], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries = entries
        for index, entry in enumerate(entries, start=1):
            self.fields[f"position_{entry.work_id}"] = forms.IntegerField(
                label=f"Position of {entry.work.title}",
                min_value=1,
                max_value=max(len(entries), 1),
                initial=index,
            )

    def ordered_work_ids(self) -> list[int]:
        """Return work ids sorted by their new positions (ties keep the old order)."""
        keyed = [
            (self.cleaned_data[f"position_{e.work_id}"], index, e.work_id)
            for index, e in enumerate(self.entries)
        ]
        return [work_id for _, _, work_id in sorted(keyed)]


class RelatedWorkForm(PlainLabelsMixin, forms.Form):
    """Either a work on this archive or an external work (kept exactly as typed)."""

    parent = forms.CharField(
        label="Work on this archive",
        required=False,
        max_length=500,
        help_text="Its address (…/works/123/) or its number.",
    )
    external_title = forms.CharField(
        label="Title of an external work",
        required=False,
        max_length=EXTERNAL_FIELD_MAX,
        strip=False,
    )
    external_author = forms.CharField(
        label="Author of the external work",
        required=False,
        max_length=EXTERNAL_FIELD_MAX,
        strip=False,
    )
    external_url = forms.CharField(
        label="Link to the external work",
        required=False,
        max_length=EXTERNAL_URL_MAX,
        help_text="Starts with http:// or https://.",
    )

    def __init__(self, *args: Any, user: User, work: Work, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.work = work

    def clean_parent(self) -> Work | None:
        raw = str(self.cleaned_data.get("parent") or "").strip()
        if not raw:
            return None
        match = _WORK_REFERENCE.search(raw.split("?")[0].split("#")[0])
        if match is None:
            raise ValidationError("Give the work's address (…/works/123/) or its number.")
        parent = Work.objects.visible_to(self.user).filter(pk=int(match.group(1))).first()
        if parent is None:
            raise ValidationError(f"There is no work number {match.group(1)} that you can read.")
        if parent.pk == self.work.pk:
            raise ValidationError("A work cannot be inspired by itself.")
        return parent

    def clean_external_url(self) -> str:
        url = str(self.cleaned_data.get("external_url") or "")
        if not url:
            return ""
        if not url.lower().startswith(("http://", "https://")):
            raise ValidationError("The link must start with http:// or https://.")
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError("That is not a web address we can link to.") from None
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parent = data.get("parent")
        title = str(data.get("external_title") or "")
        other = any(data.get(f) for f in ("external_title", "external_author", "external_url"))
        if parent is not None and other:
            raise ValidationError("Give either a work on this archive or an external work.")
        if parent is None and not title.strip() and not self.errors:
            if other:
                raise ValidationError("Give the external work's title.")
            raise ValidationError("Give a work on this archive or an external work's title.")
        return data
