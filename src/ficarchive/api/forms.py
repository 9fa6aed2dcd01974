"""The form that names a new API token, and sets its scopes and expiry date."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from ficarchive.api.actions import clean_expiry, clean_scopes
from ficarchive.api.models import READ_ONLY, SCOPES, TOKEN_NAME_MAX
from ficarchive.core.forms import PlainLabelsMixin

SCOPE_CHOICES = [
    (READ_ONLY, "Read only (nothing else may be chosen with it)"),
    *((name, f"{name.capitalize()}: {what}") for name, what in SCOPES.items()),
]


class TokenForm(PlainLabelsMixin, forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=TOKEN_NAME_MAX,
        help_text="What the token is for, so you know which to revoke (“e-reader sync”).",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scopes = forms.MultipleChoiceField(
        label="What it may do",
        choices=SCOPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every token may read. Tick nothing to let it do everything you may; tick "
        "“Read only”, or the kinds of writes it may make.",
    )
    expires = forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional (YYYY-MM-DD): the token stops working at the start of this day, "
        "UTC. Leave it empty for a token that works until you revoke it.",
    )

    def clean_scopes(self) -> str:
        try:
            return clean_scopes(self.cleaned_data.get("scopes") or [])
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error

    def clean_expires(self) -> dt.datetime | None:
        day: dt.date | None = self.cleaned_data.get("expires")
        if day is None:
            return None
        try:
            moment = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        except OverflowError as error:  # pragma: no cover - DateField keeps years in range
            raise forms.ValidationError("That date is out of range.") from error
        try:
            return clean_expiry(moment)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
