"""Forms of the site app. Labels are the fields' visible names."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django import forms

from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.moderation.honeypot import HoneypotMixin
from ficarchive.site.actions import MAX_DAYS, MAX_GIVE, MAX_SEND, SettingsInput, settings_input
from ficarchive.site.models import (
    DOMAINS_MAX,
    MAX_VERSIONS_KEPT,
    MIN_VERSIONS_KEPT,
    NAME_MAX,
    NOTICE_MAX,
    TERMS_MAX,
)
from ficarchive.site.roles import ROLES

SIGNUP_CHOICES = [
    ("open", "Open: anyone can sign up"),
    ("confirm", "Confirm: anyone can sign up, and must confirm their e-mail before posting"),
    ("invite", "Invitation: people request an invitation or get one from a member"),
    ("closed", "Closed: nobody can sign up"),
]


class SettingsForm(PlainLabelsMixin, forms.Form):
    archive_name = forms.CharField(
        label="Archive name",
        max_length=NAME_MAX,
        required=False,
        help_text="Shown in the header and page titles. Empty: the name the server was set "
        "up with (FICARCHIVE_SITE_NAME).",
    )
    notice = forms.CharField(
        label="Site notice",
        max_length=NOTICE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A banner on every page (plain text). Empty: no banner.",
    )
    signup_mode = forms.ChoiceField(
        label="Sign-up", choices=SIGNUP_CHOICES, widget=forms.RadioSelect
    )
    guest_comments = forms.BooleanField(label="Guests may comment", required=False)
    guest_kudos = forms.BooleanField(label="Guests may leave kudos", required=False)
    invitations_per_day = forms.IntegerField(
        label="Invitations sent per day",
        min_value=0,
        max_value=MAX_SEND,
        help_text="The worker sends this many from the queue each day; 0 sends none "
        "(staff send them by hand from Invitations).",
    )
    invitation_days = forms.IntegerField(
        label="Days an invitation lasts", min_value=1, max_value=MAX_DAYS
    )
    throwaway_domains = forms.CharField(
        label="Refused e-mail domains",
        max_length=DOMAINS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Throwaway e-mail services whose addresses cannot sign up or request "
        "invitations, one domain a line (mailinator.com). Empty: every domain is accepted.",
    )
    chapter_versions_kept = forms.IntegerField(
        label="Versions kept per chapter",
        min_value=MIN_VERSIONS_KEPT,
        max_value=MAX_VERSIONS_KEPT,
        required=False,
        help_text=f"Each save of a chapter keeps a version its writer can go back to; beyond "
        f"this many the oldest are dropped (at least {MIN_VERSIONS_KEPT}; empty: unchanged).",
    )

    def settings_input(self) -> SettingsInput:
        data = dict(self.cleaned_data)
        if data.get("chapter_versions_kept") is None:
            data["chapter_versions_kept"] = settings_input().chapter_versions_kept
        return SettingsInput(**{f.name: data[f.name] for f in fields(SettingsInput)})


class TermsForm(PlainLabelsMixin, forms.Form):
    text = forms.CharField(
        label="Text",
        max_length=TERMS_MAX,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Markdown. Publishing makes a new version; a new Terms of Service asks "
        "every member to accept it again.",
        error_messages={"required": "Text is empty: write the page first."},
    )
    effective_on = forms.DateField(
        label="Effective from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: now. A later date publishes it in advance.",
        error_messages={"invalid": "Effective from is not a date: use YYYY-MM-DD."},
    )


class SendInvitationsForm(PlainLabelsMixin, forms.Form):
    count = forms.IntegerField(
        label="Number to send",
        min_value=1,
        max_value=MAX_SEND,
        initial=10,
        error_messages={
            "invalid": "Number to send is a whole number.",
            "min_value": "Send at least 1 invitation.",
            "max_value": f"Send at most {MAX_SEND} invitations at a time.",
        },
    )


class GiveInvitationsForm(PlainLabelsMixin, forms.Form):
    count = forms.IntegerField(
        label="Invitations to give",
        min_value=1,
        max_value=MAX_GIVE,
        initial=3,
        error_messages={
            "invalid": "Invitations to give is a whole number.",
            "min_value": "Give at least 1 invitation.",
            "max_value": f"Give at most {MAX_GIVE} invitations at a time.",
        },
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=list(ROLES.items()))
    intent = forms.ChoiceField(choices=[("grant", "Grant"), ("revoke", "Revoke")])


class InvitationRequestForm(PlainLabelsMixin, HoneypotMixin, forms.Form):
    email = forms.CharField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="The invitation comes to this address; it is used for nothing else.",
        error_messages={
            "required": "Email is empty: type your e-mail address.",
            "max_length": "Email is longer than 254 characters: that is no e-mail address.",
        },
    )


class AcceptTermsForm(PlainLabelsMixin, forms.Form):
    accept = forms.BooleanField(
        label="I have read and accept the Terms of Service",
        error_messages={"required": "Tick the box to accept the Terms of Service."},
    )
    # The version the page showed; another one in force means the terms changed meanwhile.
    version = forms.CharField(widget=forms.HiddenInput, required=False)


def people_query(value: Any) -> str:
    """Return a search query for people: one line, at most 150 characters."""
    return " ".join(str(value or "").split())[:150]
