"""Inbox forms: email choices, and the buttons that mark read or delete notifications."""

from __future__ import annotations

from django import forms

from ficarchive.core.forms import PlainLabelsMixin


class NotificationSettingsForm(PlainLabelsMixin, forms.Form):
    email_on_posted = forms.BooleanField(
        label="Email me when a work, series or user I subscribed to posts", required=False
    )
    email_on_replies = forms.BooleanField(
        label="Email me about comments on my works and replies to my comments", required=False
    )
    email_kudos_digest = forms.BooleanField(
        label="Email me the daily kudos digest (who left kudos on my works that day)",
        required=False,
    )


class InboxActionForm(forms.Form):
    """One button's request: an action, and the notification it is for (none: all)."""

    action = forms.ChoiceField(
        choices=[
            ("read", "read"),
            ("unread", "unread"),
            ("delete", "delete"),
            ("read-all", "read-all"),
        ]
    )
    id = forms.IntegerField(required=False, min_value=1, max_value=2**62)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("action") in {"read", "unread", "delete"} and not data.get("id"):
            raise forms.ValidationError("Choose a notification.")
        return data
