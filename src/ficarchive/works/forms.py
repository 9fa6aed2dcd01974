"""Forms for posting and editing works and chapters. Labels are the fields' visible names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ficarchive.accounts.models import Pseud, User
from ficarchive.collections.forms import parse_collection_names
from ficarchive.collections.models import Collection
from ficarchive.collections.queries import work_collection_names
from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.gifts.actions import split_names
from ficarchive.gifts.models import CreatorInvitation, Gift, pseud_form_name
from ficarchive.moderation.honeypot import HoneypotMixin
from ficarchive.prompt_memes.forms import add_claim_choices, chosen_claims
from ficarchive.prompt_memes.models import Claim
from ficarchive.tags.actions import split_tag_list
from ficarchive.tags.models import ARCHIVE_WARNINGS, CATEGORIES
from ficarchive.works.actions import ChapterInput, WorkInput
from ficarchive.works.models import (
    CHAPTER_TEXT_MAX,
    LANGUAGES,
    NOTES_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    CommentPermission,
    Rating,
    TextFormat,
    Work,
)

TAG_HELP = "Separate tags with commas."


def _text(
    label: str, limit: int, rows: int = 4, required: bool = False, help_text: str = ""
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        strip=False,
        help_text=help_text or f"Up to {limit:,} characters.",
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _tags(label: str, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=5000,
        help_text=TAG_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class WorkForm(HoneypotMixin, PlainLabelsMixin, forms.Form):
    """Work metadata: everything but chapter text."""

    title = forms.CharField(label="Title", max_length=TITLE_MAX)
    creators = forms.ModelMultipleChoiceField(
        label="Creators",
        queryset=Pseud.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The pseuds the work is credited to (your default pseud if none is ticked).",
    )
    co_creators = forms.CharField(
        label="Invite co-creators",
        required=False,
        max_length=5000,
        help_text="Other members' pseuds, separated by commas (“pseud (account)” when several "
        "members share the name). Each is invited and credited only once they accept; members "
        "who turned invitations off, or who blocked you, can't be invited.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    rating = forms.ChoiceField(label="Rating", choices=Rating.choices, initial=Rating.NOT_RATED)
    warnings = forms.MultipleChoiceField(
        label="Archive warnings",
        choices=[(w, w) for w in ARCHIVE_WARNINGS],
        widget=forms.CheckboxSelectMultiple,
        required=False,  # a draft may leave them for later; posting needs one (the action)
        help_text="Choose at least one to post (“Creator Chose Not To Use Archive Warnings” "
        "is one).",
    )
    categories = forms.MultipleChoiceField(
        label="Categories",
        choices=[(c, c) for c in CATEGORIES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    fandoms = _tags("Fandoms")
    relationships = _tags("Relationships")
    characters = _tags("Characters")
    freeforms = _tags("Additional tags")
    text_format = forms.ChoiceField(
        label="Text format",
        choices=TextFormat.choices,
        initial=TextFormat.TEXT,
        help_text="How the summary, notes and text are written: plain text (blank lines make "
        "paragraphs), Markdown, or HTML.",
    )
    summary = _text("Summary", SUMMARY_MAX)
    gifts = forms.CharField(
        label="Gift this work to",
        required=False,
        max_length=5000,
        help_text="Members' pseuds or names of people without an account, separated by commas. "
        "Members are told once the work is posted and can refuse the gift. Members who turned "
        "gifts off, or who blocked you, can't be named.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    notes = _text("Notes", NOTES_MAX, help_text="Shown before the work.")
    end_notes = _text("End notes", NOTES_MAX, help_text="Shown after the work.")
    language = forms.ChoiceField(label="Language", choices=LANGUAGES, initial="en")
    expected_chapters = forms.IntegerField(
        label="Chapters expected",
        required=False,
        min_value=1,
        max_value=10_000,
        help_text="Leave empty if you don't know yet (shown as “?”).",
    )
    complete = forms.BooleanField(
        label="Complete",
        required=False,
        help_text="A work is also complete once its posted chapters reach the expected number.",
    )
    restricted = forms.BooleanField(
        label="Only registered users can read this work", required=False
    )
    allow_guest_kudos = forms.BooleanField(
        label="Readers who are not logged in may leave kudos", required=False, initial=True
    )
    comment_permission = forms.ChoiceField(
        label="Who may comment",
        choices=CommentPermission.choices,
        initial=CommentPermission.ANYONE,
        required=False,
    )
    moderate_comments = forms.BooleanField(
        label="New comments wait for my approval before they show", required=False
    )
    collections = forms.CharField(
        label="Collections",
        required=False,
        max_length=3000,
        help_text="Names of collections to add the work to, separated by commas.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    prompt_claims = forms.MultipleChoiceField(
        label="Fills prompts",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Prompts you claimed that this work fills: it is added to their collections.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        add_claim_choices(self, user)
        pseuds = Pseud.objects.filter(user=user)
        creators = self.fields["creators"]
        assert isinstance(creators, forms.ModelMultipleChoiceField)
        creators.queryset = pseuds
        if len(pseuds) < 2:
            del self.fields["creators"]

    def _clean_tag_field(self, name: str) -> list[str]:
        try:
            return split_tag_list(self.cleaned_data.get(name) or "")
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def clean_fandoms(self) -> list[str]:
        return self._clean_tag_field("fandoms")

    def clean_relationships(self) -> list[str]:
        return self._clean_tag_field("relationships")

    def clean_characters(self) -> list[str]:
        return self._clean_tag_field("characters")

    def clean_freeforms(self) -> list[str]:
        return self._clean_tag_field("freeforms")

    def clean_collections(self) -> list[Collection]:
        return parse_collection_names(self.cleaned_data.get("collections") or "")

    def chosen_collections(self) -> list[Collection]:
        return list(self.cleaned_data.get("collections") or [])

    def chosen_claims(self) -> list[Claim] | None:
        """Return the claims the work fills, or None when the form has no such field (the
        writer has no claims)."""
        return chosen_claims(self)

    def clean_gifts(self) -> list[str]:
        return split_names(self.cleaned_data.get("gifts") or "")

    def clean_co_creators(self) -> list[str]:
        return split_names(self.cleaned_data.get("co_creators") or "")

    def work_input(self) -> WorkInput:
        """Return the cleaned data as a WorkInput for the actions."""
        data = self.cleaned_data
        return WorkInput(
            title=data["title"],
            summary=data["summary"],
            notes=data["notes"],
            end_notes=data["end_notes"],
            text_format=data["text_format"],
            rating=data["rating"],
            warnings=list(data["warnings"]),
            categories=list(data["categories"]),
            fandoms=data["fandoms"],
            relationships=data["relationships"],
            characters=data["characters"],
            freeforms=data["freeforms"],
            language=data["language"],
            expected_chapters=data["expected_chapters"],
            complete=data["complete"],
            restricted=data["restricted"],
            allow_guest_kudos=data["allow_guest_kudos"],
            comment_permission=data["comment_permission"] or CommentPermission.ANYONE,
            moderate_comments=data["moderate_comments"],
            gifts=data["gifts"],
            co_creators=data["co_creators"],
        )

    def chosen_pseuds(self) -> list[Pseud]:
        return list(self.cleaned_data.get("creators") or [])

    @staticmethod
    def initial_for(work: Work) -> dict[str, object]:
        """Return form initial data showing a work's current metadata."""
        return {
            "title": work.title,
            "creators": [p.pk for p in work.creator_pseuds()],
            "rating": work.rating,
            "warnings": [t.name for t in work.warnings],
            "categories": [t.name for t in work.categories],
            "fandoms": ", ".join(t.name for t in work.fandoms),
            "relationships": ", ".join(t.name for t in work.relationships),
            "characters": ", ".join(t.name for t in work.characters),
            "freeforms": ", ".join(t.name for t in work.freeforms),
            "text_format": work.text_format,
            "summary": work.summary,
            "notes": work.notes,
            "end_notes": work.end_notes,
            "language": work.language,
            "expected_chapters": work.expected_chapters,
            "complete": work.complete,
            "restricted": work.restricted,
            "allow_guest_kudos": work.allow_guest_kudos,
            "comment_permission": work.comment_permission,
            "moderate_comments": work.moderate_comments,
            "collections": ", ".join(work_collection_names(work.pk)),
            "gifts": ", ".join(g.form_name for g in Gift.objects.accepted().for_work(work)),
            "co_creators": ", ".join(
                pseud_form_name(i.pseud)
                for i in CreatorInvitation.objects.filter(work=work).select_related("pseud__user")
            ),
        }


class ChapterForm(PlainLabelsMixin, forms.Form):
    """A chapter's text and notes. Within the new-work form only title and text are shown."""

    chapter_title = forms.CharField(label="Chapter title", max_length=TITLE_MAX, required=False)
    chapter_summary = _text("Chapter summary", SUMMARY_MAX, rows=3)
    chapter_notes = _text("Chapter notes", NOTES_MAX, rows=3, help_text="Shown before the chapter.")
    text = forms.CharField(
        label="Work text",
        max_length=CHAPTER_TEXT_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text=f"Up to {CHAPTER_TEXT_MAX:,} characters.",
        error_messages={"required": "Work text is empty: write or paste the chapter."},
    )
    chapter_end_notes = _text(
        "Chapter end notes", NOTES_MAX, rows=3, help_text="Shown after the chapter."
    )
    chapter_format = forms.ChoiceField(
        label="Chapter text format", choices=TextFormat.choices, initial=TextFormat.TEXT
    )

    def __init__(self, *args: Any, first_chapter: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if first_chapter:
            # The work form already has notes and the text format.
            for name in ("chapter_summary", "chapter_notes", "chapter_end_notes", "chapter_format"):
                del self.fields[name]

    def chapter_input(self, text_format: str | None = None) -> ChapterInput:
        """Return the cleaned data as a ChapterInput (text_format overrides the chapter's own)."""
        data = self.cleaned_data
        return ChapterInput(
            text=data["text"],
            text_format=text_format or data.get("chapter_format") or TextFormat.TEXT,
            title=data["chapter_title"],
            summary=data.get("chapter_summary", ""),
            notes=data.get("chapter_notes", ""),
            end_notes=data.get("chapter_end_notes", ""),
        )


class ImportForm(PlainLabelsMixin, forms.Form):
    """Upload a file to import as a draft work."""

    # Not required here: after an error the view holds the file chosen before (formats.holds)
    # and says when there is neither a new file nor a held one.
    file = forms.FileField(
        label="File",
        required=False,
        help_text=(
            "Plain text (.txt), Markdown (.md), HTML (.html, AO3 downloads too), EPUB (.epub) "
            "or Word (.docx), up to 10 MB. Text files in any common encoding: the archive "
            "detects it and says which."
        ),
    )
    title = forms.CharField(
        label="Title",
        max_length=TITLE_MAX,
        required=False,
        help_text="Needed if the file does not name one.",
    )
    import_format = forms.ChoiceField(
        label="Format",
        choices=[
            ("", "Detect from the file"),
            ("text", "Plain text"),
            ("markdown", "Markdown"),
            ("html", "HTML"),
            ("ao3", "AO3 HTML download"),
            ("epub", "EPUB"),
            ("docx", "Word document (.docx)"),
        ],
        required=False,
    )


class ReorderForm(PlainLabelsMixin, forms.Form):
    """Chapter order as one position field per chapter (works without JavaScript)."""

    def __init__(self, *args: Any, chapters: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chapters = chapters
        for index, chapter in enumerate(chapters, start=1):
            self.fields[f"position_{chapter.pk}"] = forms.IntegerField(
                label=f"Position of {chapter.display_title}",
                min_value=1,
                max_value=len(chapters),
                initial=index,
            )

    def ordered_ids(self) -> list[int]:
        """Return chapter ids sorted by their new positions (ties keep the old order)."""
        keyed = [
            (self.cleaned_data[f"position_{c.pk}"], index, c.pk)
            for index, c in enumerate(self.chapters)
        ]
        return [pk for _, _, pk in sorted(keyed)]
