"""Account forms. Labels are the fields' visible names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html

from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.core.numbers import parse_whole_number
from ficarchive.moderation.honeypot import HoneypotMixin


class SignUpForm(PlainLabelsMixin, HoneypotMixin, forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=40,
        help_text="3 to 40 characters: letters, digits and underscores.",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    email = forms.EmailField(
        label="Email",
        help_text="For password resets; never shown to others.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    # Shown as the site's settings ask (see __init__): an invitation code in invitation mode,
    # the Terms of Service box once the archive has published them.
    invitation = forms.CharField(label="Invitation code", max_length=64, required=False)
    accept_terms = forms.BooleanField(
        label="I have read and accept the Terms of Service",
        error_messages={"required": "Tick the box to accept the Terms of Service."},
    )
    terms_version = forms.CharField(widget=forms.HiddenInput, required=False)
    field_order = ["invitation", "username", "email", "password", "password_again"]

    def __init__(self, *args: Any, invitation: bool = False, terms: int | None = None, **kw: Any):
        super().__init__(*args, **kw)
        if not invitation:
            del self.fields["invitation"]
        if terms is None:
            del self.fields["accept_terms"], self.fields["terms_version"]
        else:
            self.fields["terms_version"].initial = terms

    def accepted_terms(self) -> int | None:
        """Return the id of the Terms of Service version accepted (None: no box ticked)."""
        if not self.cleaned_data.get("accept_terms"):
            return None
        return parse_whole_number(self.cleaned_data.get("terms_version") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ: type the same one twice.")
        return data


class LoginForm(PlainLabelsMixin, AuthenticationForm):
    """Django's log-in form with our labels, and no autofocus: "Skip to content" stays the
    first Tab stop on every page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Username"
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["password"].label = "Password"


class PasswordChangeForm(PlainLabelsMixin, auth_forms.PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


class PasswordResetForm(PlainLabelsMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(PlainLabelsMixin, auth_forms.SetPasswordForm):  # type: ignore[type-arg]
    pass


class PseudForm(PlainLabelsMixin, forms.Form):
    name = forms.CharField(label="Pseud name", max_length=40)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- /settings/ ----------------------------------------------------------------------------


def _current_password() -> forms.CharField:
    return forms.CharField(
        label="Current password",
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To make sure it is you.",
    )


class ProfileForm(PlainLabelsMixin, forms.Form):
    display_name = forms.CharField(
        label="Display name",
        max_length=100,
        required=False,
        help_text="Shown on your user page beside your username. Up to 100 characters.",
    )
    bio = forms.CharField(
        label="About you",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Shown on your user page. HTML is allowed (links, emphasis, lists); "
        "scripts and styles are removed. Up to 5,000 characters.",
    )


class EmailChangeForm(PlainLabelsMixin, forms.Form):
    email = forms.EmailField(
        label="New email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="We send a link to this address; the change happens when you open it.",
    )
    password = _current_password()


class UsernameChangeForm(PlainLabelsMixin, forms.Form):
    username = forms.CharField(
        label="New username",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        help_text="3 to 40 characters: letters, digits and underscores. Links to your old "
        "name keep working for a while, and nobody else can take it meanwhile.",
    )
    password = _current_password()


class PseudEditForm(PlainLabelsMixin, forms.Form):
    name = forms.CharField(label="Pseud name", max_length=40)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


WORK_CHOICES = [
    ("orphan", "Orphan them: they stay on the archive, credited to orphan_account"),
    ("delete", "Delete them"),
]
COMMENT_CHOICES = [
    ("keep", "Keep them, shown as written by “deleted user”"),
    ("remove", "Remove them"),
]


class DeleteAccountForm(PlainLabelsMixin, forms.Form):
    works = forms.ChoiceField(
        label="Your works",
        choices=WORK_CHOICES,
        widget=forms.RadioSelect,
        help_text="Works you share with other creators stay theirs either way; your drafts "
        "are deleted.",
    )
    keep_pseud_names = forms.BooleanField(
        label="Keep my pseud names on orphaned works",
        required=False,
        help_text="Without this, orphaned works read only “orphan_account”.",
    )
    comments = forms.ChoiceField(
        label="Your comments", choices=COMMENT_CHOICES, widget=forms.RadioSelect
    )
    password = _current_password()
    confirm = forms.CharField(
        label="Type your username to confirm",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, username: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.username = username

    def clean_confirm(self) -> str:
        value = str(self.cleaned_data.get("confirm", ""))
        if value.strip() != self.username:
            raise forms.ValidationError(
                "Type your username exactly as it is to confirm that you want to delete the "
                "account."
            )
        return value


class OrphanForm(PlainLabelsMixin, forms.Form):
    keep_pseud = forms.BooleanField(
        label="Keep my pseud name on it",
        required=False,
        help_text="Without this, it reads only “orphan_account”.",
    )
