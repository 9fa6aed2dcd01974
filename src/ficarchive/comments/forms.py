"""Comment forms. Labels are the fields' visible names."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.http import QueryDict

from ficarchive.comments.actions import NONCE, CommentInput
from ficarchive.comments.models import NAME_MAX, TEXT_MAX
from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.moderation.honeypot import HoneypotMixin

TEXT_HELP = f"Up to {TEXT_MAX:,} characters. Plain text or simple HTML (links, emphasis, quotes)."


def new_nonce() -> str:
    return uuid.uuid4().hex


def _text_field() -> forms.CharField:
    return forms.CharField(
        label="Comment",
        max_length=TEXT_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=TEXT_HELP,
        error_messages={
            "required": "Comment is empty: write something first.",
            "max_length": f"Comment is too long: the limit is {TEXT_MAX:,} characters.",
        },
    )


class CommentForm(HoneypotMixin, PlainLabelsMixin, forms.Form):
    """A new comment or a reply; guests also give a name and an email address."""

    text = _text_field()
    # Set by the comment link beside a paragraph (the form then names the paragraph by its
    # first words); empty for the whole chapter.
    paragraph = forms.IntegerField(
        label="Paragraph",
        required=False,
        min_value=1,
        max_value=1_000_000,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "Paragraph must be a paragraph number, or empty.",
            "min_value": "Paragraph must be a paragraph number, or empty.",
            "max_value": "Paragraph must be a paragraph number, or empty.",
        },
    )
    guest_name = forms.CharField(
        label="Name",
        max_length=NAME_MAX,
        help_text="Shown with your comment.",
        error_messages={"required": "Name is empty: guests comment under a name."},
    )
    guest_email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text="Never shown.",
        error_messages={
            "required": "Email is empty: guests give an email address (never shown).",
            "invalid": "Email is not an email address.",
        },
    )
    nonce = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, guest: bool, reply: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not guest:
            del self.fields["guest_name"]
            del self.fields["guest_email"]
        if reply:
            del self.fields["paragraph"]
        if not self.is_bound:
            self.initial.setdefault("nonce", new_nonce())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not NONCE.fullmatch(str(self.data.get("nonce") or "")):
            # A form without its key cannot be told from a double submit: ask for a resend
            # (with a fresh key in the form shown again).
            fresh = QueryDict(mutable=True)
            fresh.update(self.data)
            fresh["nonce"] = new_nonce()
            self.data = fresh
            self.add_error(None, "The form was incomplete: check it and send it again.")
        return cleaned

    def comment_input(self) -> CommentInput:
        data = self.cleaned_data
        return CommentInput(
            text=data["text"],
            nonce=data["nonce"],
            paragraph=data.get("paragraph"),
            guest_name=data.get("guest_name", ""),
            guest_email=data.get("guest_email", ""),
        )


class EditCommentForm(PlainLabelsMixin, forms.Form):
    text = _text_field()
