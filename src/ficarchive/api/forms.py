"""The form that names a new API token."""

from __future__ import annotations

from django import forms

from ficarchive.api.models import TOKEN_NAME_MAX
from ficarchive.core.forms import PlainLabelsMixin


class TokenForm(PlainLabelsMixin, forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=TOKEN_NAME_MAX,
        help_text="What the token is for, so you know which to revoke (“e-reader sync”).",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
