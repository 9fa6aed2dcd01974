"""Form helpers shared by every app."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.forms import BaseForm


class PlainLabelsMixin:
    """Labels without Django's trailing colon: a field's label is exactly its name ("Title"),
    which is what screen readers announce and browser tests look for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def add_errors(form: BaseForm, error: ValidationError, field: str | None = None) -> None:
    """Show each message of an action's ValidationError on the form (on `field`, or at the
    top of the form)."""
    for message in error.messages:
        form.add_error(field, message)
