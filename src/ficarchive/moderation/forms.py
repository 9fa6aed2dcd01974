"""Forms for reporting and for moderators. Labels are the fields' visible names."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.moderation.honeypot import HoneypotMixin
from ficarchive.moderation.models import DETAILS_MAX, Reason

MAX_SUSPENSION_DAYS = 3650


def _no_control_characters(value: str) -> None:
    if "\x00" in value:
        raise ValidationError("Remove the NUL character from the text.")


class ReportForm(HoneypotMixin, PlainLabelsMixin, forms.Form):
    """A report: a reason from the list, details in plain text, and a guest's email."""

    reason = forms.ChoiceField(label="Reason", choices=Reason.choices, widget=forms.RadioSelect)
    details = forms.CharField(
        label="Details",
        required=False,
        max_length=DETAILS_MAX,
        help_text=f"What is wrong, and where (plain text, up to {DETAILS_MAX:,} characters). "
        "Required for “Other”.",
        widget=forms.Textarea(attrs={"rows": 6}),
        validators=[_no_control_characters],
    )
    email = forms.EmailField(
        label="Your email",
        required=False,
        max_length=254,
        help_text="So that a moderator can answer you. Only moderators see it.",
    )

    def __init__(self, *args: Any, guest: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if guest:
            self.fields["email"].required = True
        else:
            del self.fields["email"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == Reason.OTHER and not str(data.get("details", "")).strip():
            self.add_error("details", "Say what is wrong when the reason is “Other”.")
        return data


class ModeratorReasonForm(PlainLabelsMixin, forms.Form):
    """The note a moderator leaves with an action (it goes into the log)."""

    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=DETAILS_MAX,
        widget=forms.TextInput(),
        validators=[_no_control_characters],
    )


class SuspendForm(ModeratorReasonForm):
    """A suspension: the day it ends, and why."""

    until = forms.DateField(
        label="Suspended until",
        help_text="The suspension ends at the start of this day (UTC).",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True

    def clean_until(self) -> date:
        day: date = self.cleaned_data["until"]
        today = timezone.now().astimezone(UTC).date()
        if day <= today:
            raise ValidationError("Choose a day after today.")
        if day > today + timedelta(days=MAX_SUSPENSION_DAYS):
            raise ValidationError("Suspensions last at most ten years; ban the account instead.")
        return day

    def until_datetime(self) -> datetime:
        """Return the end of the suspension: the start of the chosen day, in UTC."""
        return datetime.combine(self.cleaned_data["until"], time.min, tzinfo=UTC)


class BanForm(ModeratorReasonForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True
