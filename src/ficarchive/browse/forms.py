"""The search forms of the browse pages (GET). Labels are the fields' visible names.

Nothing a visitor types makes these pages fail: `problems()` turns each field's error into a
sentence that says what was wrong and what the page shows instead."""

from __future__ import annotations

import unicodedata

from django import forms

from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.tags.models import MAX_TAG_LENGTH, TagType

NAME_MAX = 100
CANONICAL_CHOICES = [("", "Canonical or not"), ("yes", "Canonical only"), ("no", "Not canonical")]


def _printable(value: str) -> str:
    """Return the text without control, format or unassigned characters (a NUL byte, which
    no database stores in text, among them), whitespace collapsed."""
    kept = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())


class _SearchForm(PlainLabelsMixin, forms.Form):
    """A GET form whose invalid fields fall back to their empty value."""

    messages: dict[str, str] = {}

    def problems(self) -> list[str]:
        """Return what was wrong with each invalid field, as sentences for the visitor."""
        found = []
        for name in self.errors:
            raw = str(self.data.get(name, ""))
            shown = _printable(raw)[:40] + ("…" if len(raw) > 40 else "")
            template = self.messages.get(name, "“{value}” was not understood; it was left out.")
            found.append(template.format(value=shown))
        return found

    def value(self, name: str) -> str:
        if not self.is_valid() and name in self.errors:
            return ""
        return str(self.cleaned_data.get(name) or "")


class PeopleSearchForm(_SearchForm):
    q = forms.CharField(label="Name", required=False, max_length=NAME_MAX)
    messages = {
        "q": f"Names are at most {NAME_MAX} characters: “{{value}}” is longer. Type less of it."
    }

    def clean_q(self) -> str:
        return _printable(self.cleaned_data.get("q") or "")


class TagSearchForm(_SearchForm):
    q = forms.CharField(label="Name starts with", required=False, max_length=MAX_TAG_LENGTH)
    type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any type"), *TagType.choices]
    )
    canonical = forms.ChoiceField(label="Canonical", required=False, choices=CANONICAL_CHOICES)
    messages = {
        "q": f"Tag names are at most {MAX_TAG_LENGTH} characters: “{{value}}” is longer. "
        "Type less of it.",
        "type": "“{value}” is not a tag type; showing every type. Choose one from the list.",
        "canonical": "“{value}” is not a choice for Canonical (yes or no); showing both.",
    }

    def clean_q(self) -> str:
        return _printable(self.cleaned_data.get("q") or "")
