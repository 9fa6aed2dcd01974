"""A honeypot field for forms: people never see it, form-filling bots fill it in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

HONEYPOT_FIELD = "website"
HONEYPOT_MESSAGE = "The form could not be sent. Please try again."


class HoneypotWidget(forms.TextInput):
    """A text input hidden by the class `hp-field` (moderation/moderation.css, linked by the
    widget's own template), out of the tab order and hidden from assistive technology.
    It counts as a hidden field, so generic form templates render it without a visible label."""

    template_name = "moderation/widgets/honeypot.html"

    def __init__(self) -> None:
        super().__init__(attrs={"autocomplete": "off", "tabindex": "-1"})

    @property
    def is_hidden(self) -> bool:
        return True


class HoneypotMixin:
    """Add the honeypot field "website" to a form; a non-empty value makes the form invalid
    with a generic message (nothing tells a bot which field gave it away)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, forms.Field] = self.fields  # type: ignore[attr-defined]
        fields[HONEYPOT_FIELD] = forms.CharField(
            label="Leave this field empty", required=False, widget=HoneypotWidget()
        )

    def clean_website(self) -> str:
        value = str(self.cleaned_data.get(HONEYPOT_FIELD) or "")  # type: ignore[attr-defined]
        if value:
            raise ValidationError(HONEYPOT_MESSAGE, code="honeypot")
        return ""

    def add_error(self, field: str | None, error: Any) -> None:
        # The field is hidden: its error shows with the form's own errors instead.
        if field == HONEYPOT_FIELD:
            field = None
        super().add_error(field, error)  # type: ignore[misc]
