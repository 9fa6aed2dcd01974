"""Subscribe form: which target, parsed strictly (hostile input gets a message, never a 500)."""

from __future__ import annotations

from django import forms

from ficarchive.core.forms import PlainLabelsMixin


class SubscribeForm(PlainLabelsMixin, forms.Form):
    """Exactly one of work, series, user (a username)."""

    work = forms.IntegerField(label="Work", required=False, min_value=1, max_value=2**62)
    series = forms.IntegerField(label="Series", required=False, min_value=1, max_value=2**62)
    user = forms.CharField(label="User", required=False, max_length=150)
    next = forms.CharField(required=False, max_length=2000)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        given = [name for name in ("work", "series", "user") if data.get(name)]
        if len(given) != 1:
            raise forms.ValidationError("Choose one work, series or user to subscribe to.")
        return data
