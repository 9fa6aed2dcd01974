"""Forms for collections. Labels are the fields' visible names."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ficarchive.collections.actions import (
    MAX_COLLECTIONS_PER_WORK,
    CollectionInput,
    clean_name,
    find_collection,
)
from ficarchive.collections.models import (
    DESCRIPTION_MAX,
    HEADER_NOTES_MAX,
    NAME_MAX,
    Collection,
    Role,
)
from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.works.models import TITLE_MAX


class CollectionForm(PlainLabelsMixin, forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=NAME_MAX,
        help_text="Its URL, /collections/<name>/: letters, digits and underscores.",
    )
    title = forms.CharField(label="Title", max_length=TITLE_MAX)
    parent = forms.CharField(
        label="Parent collection",
        required=False,
        max_length=NAME_MAX,
        help_text="The name of a collection you own, to make this one its sub-collection.",
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=DESCRIPTION_MAX,
        strip=False,
        help_text=f"Plain text or HTML, up to {DESCRIPTION_MAX:,} characters.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    header_notes = forms.CharField(
        label="Header notes",
        required=False,
        max_length=HEADER_NOTES_MAX,
        strip=False,
        help_text="Shown at the top of every page of the collection (rules, dates).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    open = forms.BooleanField(label="Open: accepting new works", required=False, initial=True)
    moderated = forms.BooleanField(
        label="Moderated: new works wait for a moderator's approval", required=False
    )
    anonymous = forms.BooleanField(
        label="Anonymous: creators' names are hidden until the reveal", required=False
    )
    unrevealed = forms.BooleanField(
        label="Unrevealed: works are hidden until the reveal", required=False
    )
    reveal_at = forms.DateTimeField(
        label="Reveal on",
        required=False,
        help_text="Date and time (UTC) to reveal by itself, as 2027-02-14 12:00; leave empty "
        "to reveal with the button on the collection's page.",
        error_messages={
            "invalid": "Give the reveal date as year-month-day hours:minutes (2027-02-14 "
            "12:00, UTC), or leave it empty."
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reveal_at") and not (data.get("anonymous") or data.get("unrevealed")):
            self.add_error(
                "reveal_at",
                "A reveal date needs an anonymous or unrevealed collection: tick one of them "
                "or leave the date empty.",
            )
        return data

    def clean_name(self) -> str:
        return clean_name(str(self.cleaned_data["name"]))

    def clean_title(self) -> str:
        title = " ".join(str(self.cleaned_data["title"]).split())
        if not title:
            raise ValidationError("Give the collection a title.")
        return title

    def collection_input(self) -> CollectionInput:
        data = self.cleaned_data
        return CollectionInput(
            name=data["name"],
            title=data["title"],
            description=data["description"],
            header_notes=data["header_notes"],
            parent=data["parent"],
            open=data["open"],
            moderated=data["moderated"],
            anonymous=data["anonymous"],
            unrevealed=data["unrevealed"],
            reveal_at=data["reveal_at"],
        )

    @staticmethod
    def initial_for(collection: Collection) -> dict[str, object]:
        return {
            "name": collection.name,
            "title": collection.title,
            "parent": collection.parent.name if collection.parent else "",
            "description": collection.description,
            "header_notes": collection.header_notes,
            "open": collection.open,
            "moderated": collection.moderated,
            "anonymous": collection.anonymous,
            "unrevealed": collection.unrevealed,
            "reveal_at": collection.reveal_at,
        }


class MemberForm(PlainLabelsMixin, forms.Form):
    username = forms.CharField(label="Member's user name", max_length=150)
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.MODERATOR)


class InviteForm(PlainLabelsMixin, forms.Form):
    work = forms.CharField(
        label="Work",
        max_length=300,
        help_text="The work's number or its address (…/works/123/).",
    )

    def clean_work(self) -> int:
        match = re.search(r"(?:^|/works/)([0-9]{1,18})(?:/|$)", str(self.cleaned_data["work"]))
        if match is None:
            raise ValidationError("Give the work's number or its address.")
        return int(match.group(1))


def parse_collection_names(raw: str) -> list[Collection]:
    """Return the collections named in a comma-separated list (a work form's field), or raise
    ValidationError naming every name that is unknown or badly formed."""
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if len(names) > MAX_COLLECTIONS_PER_WORK:
        raise ValidationError(
            f"A work can be added to at most {MAX_COLLECTIONS_PER_WORK} collections at once."
        )
    found: list[Collection] = []
    problems: list[str] = []
    for name in names:
        collection = find_collection(name)
        if collection is None:
            problems.append(f"No collection is named “{name[:80]}”.")
        elif all(c.pk != collection.pk for c in found):
            found.append(collection)
    if problems:
        raise ValidationError(problems)
    return found
