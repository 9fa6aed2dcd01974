"""The reading preferences form and the mute-a-tag form. Labels are the fields' visible names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.preferences.actions import ReadingChoices, validate_time_zone
from ficarchive.preferences.models import MAX_TIME_ZONE
from ficarchive.preferences.reader import ReaderPrefs, time_zone_names
from ficarchive.tags.models import MAX_TAG_LENGTH

CHECKED = {"on", "1", "true"}


class RawCheckboxInput(forms.CheckboxInput):
    """A checkbox that hands the field what was sent (Django's own turns any text into True)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class CheckBox(forms.BooleanField):
    """A checkbox that takes only what a browser sends for one ("on"), or nothing: any other
    value is an error, not a silent True."""

    widget = RawCheckboxInput

    def to_python(self, value: Any) -> bool:
        if value in (None, "", False):
            return False
        if value is True or (isinstance(value, str) and value.strip().lower() in CHECKED):
            return True
        raise ValidationError(f"“{str(value)[:40]}” is not a value for a checkbox: tick it or not.")


class ReadingPreferencesForm(PlainLabelsMixin, forms.Form):
    show_adult_content = CheckBox(
        label="Show adult content without asking",
        required=False,
        help_text="Mature, Explicit and Not Rated works open without the adult content notice.",
    )
    hide_warnings = CheckBox(
        label="Hide archive warnings",
        required=False,
        help_text="Works show a “Show warnings” control instead; it reveals them.",
    )
    hide_freeforms = CheckBox(
        label="Hide additional tags",
        required=False,
        help_text="Works show a “Show additional tags” control instead.",
    )
    full_work = CheckBox(
        label="Always open the entire work",
        required=False,
        help_text="A work with several chapters opens on all of them rather than the first.",
    )
    # A CharField shown as a list, checked against the zones the system knows with a clear
    # message (a ChoiceField would answer "Select a valid choice").
    time_zone = forms.CharField(
        label="Time zone",
        required=False,
        help_text="Every date is shown in this time zone.",
        widget=forms.Select,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["time_zone"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [("", f"The site's time zone ({settings.TIME_ZONE})")] + [
            (name, name) for name in sorted(time_zone_names())
        ]

    def clean_time_zone(self) -> str:
        value: str = self.cleaned_data.get("time_zone") or ""
        if len(value) > MAX_TIME_ZONE:
            raise ValidationError(
                f"A time zone name is at most {MAX_TIME_ZONE} characters: choose one from the list."
            )
        validate_time_zone(value)
        return value

    def choices(self) -> ReadingChoices:
        data = self.cleaned_data
        return ReadingChoices(
            show_adult_content=data["show_adult_content"],
            hide_warnings=data["hide_warnings"],
            hide_freeforms=data["hide_freeforms"],
            full_work=data["full_work"],
            time_zone=data["time_zone"],
        )

    @staticmethod
    def initial_for(prefs: ReaderPrefs) -> dict[str, Any]:
        return {
            "show_adult_content": prefs.show_adult_content,
            "hide_warnings": prefs.hide_warnings,
            "hide_freeforms": prefs.hide_freeforms,
            "full_work": prefs.full_work,
            "time_zone": prefs.time_zone,
        }


class MuteTagForm(PlainLabelsMixin, forms.Form):
    tag = forms.CharField(
        label="Tag to mute",
        max_length=MAX_TAG_LENGTH,
        strip=True,
        help_text="Its exact name, any type (a fandom, character, relationship, additional "
        "tag or archive warning). Works carrying it, its synonyms or the tags below it drop "
        "out of your listings, search results and home page.",
        error_messages={
            "max_length": f"No tag is longer than {MAX_TAG_LENGTH} characters: check the name.",
            "required": "Name the tag to mute.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
