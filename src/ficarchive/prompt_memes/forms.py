"""Forms of prompt memes. Labels are the fields' visible names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.moderation.honeypot import HoneypotMixin
from ficarchive.prompt_memes.actions import MemeInput, PromptInput
from ficarchive.prompt_memes.models import (
    DESCRIPTION_MAX,
    MAX_PROMPTS_LIMIT,
    PROMPT_TAG_TYPES,
    URL_MAX,
    PromptMeme,
    TagRule,
)
from ficarchive.tags.actions import split_tag_list
from ficarchive.works.models import TITLE_MAX

TAG_FIELDS = {
    "fandom": ("fandoms", "Fandoms"),
    "character": ("characters", "Characters"),
    "relationship": ("relationships", "Relationships"),
    "freeform": ("freeforms", "Additional tags"),
}


def _when(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text="UTC, as YYYY-MM-DD HH:MM; leave empty for no limit.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )


class MemeForm(PlainLabelsMixin, forms.Form):
    opens_at = _when("Prompts open")
    closes_at = _when("Prompts close")
    max_prompts = forms.IntegerField(
        label="Prompts per participant",
        min_value=1,
        max_value=MAX_PROMPTS_LIMIT,
        initial=3,
        error_messages={
            "invalid": "Give the number of prompts one participant may post as a whole number."
        },
    )
    fandom_rule = forms.ChoiceField(
        label="Fandom tags", choices=TagRule.choices, initial=TagRule.REQUIRED
    )
    character_rule = forms.ChoiceField(
        label="Character tags", choices=TagRule.choices, initial=TagRule.OPTIONAL
    )
    relationship_rule = forms.ChoiceField(
        label="Relationship tags", choices=TagRule.choices, initial=TagRule.OPTIONAL
    )
    freeform_rule = forms.ChoiceField(
        label="Additional tags", choices=TagRule.choices, initial=TagRule.OPTIONAL
    )
    tag_set = forms.IntegerField(
        label="Tag set number",
        required=False,
        min_value=1,
        help_text="The number of a tag set (/tag_sets/<number>/): prompts may name only its "
        "tags. Leave empty for any tags.",
        error_messages={"invalid": "Give the tag set's number (from its address), or nothing."},
    )
    anonymous_allowed = forms.BooleanField(
        label="Allow anonymous prompts", required=False, initial=True
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("opens_at", "closes_at"):
            value = data.get(name)
            if value is not None and value.year < 1900:
                self.add_error(name, "Give a date after 1900.")
        return data

    def meme_input(self) -> MemeInput:
        data = self.cleaned_data
        return MemeInput(
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            max_prompts=data["max_prompts"],
            rules={t: data[f"{t}_rule"] for t in PROMPT_TAG_TYPES},
            tag_set_id=data["tag_set"],
            anonymous_allowed=data["anonymous_allowed"],
        )

    @staticmethod
    def initial_for(meme: PromptMeme) -> dict[str, object]:
        initial: dict[str, object] = {
            "opens_at": meme.opens_at,
            "closes_at": meme.closes_at,
            "max_prompts": meme.max_prompts,
            "tag_set": meme.tag_set_id,
            "anonymous_allowed": meme.anonymous_allowed,
        }
        for tag_type in PROMPT_TAG_TYPES:
            initial[f"{tag_type}_rule"] = meme.rule(tag_type)
        return initial


class PromptForm(HoneypotMixin, PlainLabelsMixin, forms.Form):
    title = forms.CharField(label="Title", max_length=TITLE_MAX)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=DESCRIPTION_MAX,
        strip=False,
        help_text=f"Plain text or HTML, up to {DESCRIPTION_MAX:,} characters.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    fandoms = forms.CharField(label="Fandoms", required=False, max_length=5000)
    characters = forms.CharField(label="Characters", required=False, max_length=5000)
    relationships = forms.CharField(label="Relationships", required=False, max_length=5000)
    freeforms = forms.CharField(label="Additional tags", required=False, max_length=5000)
    url = forms.CharField(
        label="Link",
        required=False,
        max_length=URL_MAX,
        help_text="Optional: a web address (http or https) with more about the prompt.",
    )
    anonymous = forms.BooleanField(
        label="Post anonymously",
        required=False,
        help_text="Only the collection's moderators and you will see that the prompt is yours.",
    )

    def __init__(self, *args: Any, meme: PromptMeme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meme = meme
        for tag_type, (name, _label) in TAG_FIELDS.items():
            rule = meme.rule(tag_type)
            if rule == TagRule.NONE:
                del self.fields[name]
                continue
            field = self.fields[name]
            field.help_text = "Separate tags with commas." + (
                " At least one is required." if rule == TagRule.REQUIRED else ""
            )
            field.widget.attrs["autocomplete"] = "off"
        if not meme.anonymous_allowed:
            del self.fields["anonymous"]

    def _split(self, name: str) -> list[str]:
        try:
            return split_tag_list(self.cleaned_data.get(name) or "")
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def clean_fandoms(self) -> list[str]:
        return self._split("fandoms")

    def clean_characters(self) -> list[str]:
        return self._split("characters")

    def clean_relationships(self) -> list[str]:
        return self._split("relationships")

    def clean_freeforms(self) -> list[str]:
        return self._split("freeforms")

    def prompt_input(self) -> PromptInput:
        data = self.cleaned_data
        return PromptInput(
            title=data["title"],
            description=data.get("description") or "",
            tags={t: list(data.get(name) or []) for t, (name, _) in TAG_FIELDS.items()},
            url=data.get("url") or "",
            anonymous=bool(data.get("anonymous")),
        )

    @staticmethod
    def initial_for(prompt: Any) -> dict[str, object]:
        initial: dict[str, object] = {
            "title": prompt.title,
            "description": prompt.description,
            "url": prompt.url,
            "anonymous": prompt.anonymous,
        }
        by_type: dict[str, list[str]] = {}
        for tag in prompt.tags.all():
            by_type.setdefault(tag.type, []).append(tag.name)
        for tag_type, (name, _) in TAG_FIELDS.items():
            initial[name] = ", ".join(by_type.get(tag_type, []))
        return initial


# The work form's "Fills prompts" field (works/forms.py calls these, so the work form needs to
# know nothing of prompt memes but these two names).


def add_claim_choices(form: forms.Form, user: Any) -> None:
    """Offer the writer's claims as the work form's choices, or drop the field when they have
    none."""
    from ficarchive.prompt_memes.actions import claims_for_form

    claims = claims_for_form(user)
    if not claims:
        del form.fields["prompt_claims"]
        return
    field = form.fields["prompt_claims"]
    assert isinstance(field, forms.MultipleChoiceField)
    field.choices = [
        (str(c.pk), f"{c.prompt.title} ({c.prompt.meme.collection.title})") for c in claims
    ]


def chosen_claims(form: forms.Form) -> list[Any] | None:
    """Return the writer's claims ticked on the work form, or None when it has no field."""
    from ficarchive.prompt_memes.models import Claim

    if "prompt_claims" not in form.fields:
        return None
    ids = [int(i) for i in form.cleaned_data.get("prompt_claims") or [] if i.isdigit()]
    user_id = int(getattr(getattr(form, "user", None), "pk", 0) or 0)
    return list(
        Claim.objects.filter(pk__in=ids, user_id=user_id).select_related("prompt__meme__collection")
    )
