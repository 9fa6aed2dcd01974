"""Forms for tag sets and nominations. Labels are the fields' visible names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ficarchive.accounts.models import Pseud
from ficarchive.challenges.actions import TagSetInput
from ficarchive.challenges.exchange import ExchangeInput, PromptInput
from ficarchive.challenges.models import (
    DESCRIPTION_MAX,
    EXCHANGE_TYPES,
    MAX_NOMINATIONS_PER_TYPE,
    MAX_PROMPTS,
    MAX_TAGS_PER_PROMPT,
    PROMPT_DESCRIPTION_MAX,
    PROMPT_URL_MAX,
    SET_TYPES,
    TITLE_MAX,
    ExchangeSignUp,
    GiftExchange,
)
from ficarchive.core.forms import PlainLabelsMixin
from ficarchive.tags.actions import split_tag_list
from ficarchive.tags.models import TagType
from ficarchive.works.models import Rating

TAGS_FIELD_MAX = 400_000  # characters in one type's list: thousands of fandoms fit

PLURAL: dict[str, str] = {
    TagType.FANDOM.value: "Fandoms",
    TagType.CHARACTER.value: "Characters",
    TagType.RELATIONSHIP.value: "Relationships",
    TagType.FREEFORM.value: "Additional tags",
}


def _tag_field(label: str, max_length: int, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _split(form: forms.Form, name: str) -> list[str]:
    try:
        return split_tag_list(str(form.cleaned_data.get(name) or ""))
    except ValidationError as error:
        form.add_error(name, error)
        return []


class TagSetForm(PlainLabelsMixin, forms.Form):
    title = forms.CharField(label="Title", max_length=TITLE_MAX)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Plain text, up to {DESCRIPTION_MAX:,} characters.",
    )
    co_owners = forms.CharField(
        label="Co-owners",
        required=False,
        max_length=2000,
        help_text="User names of members who may change the set with you, separated by commas.",
    )
    nominations_open = forms.BooleanField(label="Nominations open", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for tag_type in SET_TYPES:
            self.fields[f"{tag_type}_tags"] = _tag_field(
                PLURAL[tag_type], TAGS_FIELD_MAX, "Tag names, separated by commas."
            )
        for tag_type in SET_TYPES:
            self.fields[f"{tag_type}_limit"] = forms.IntegerField(
                label=f"{PLURAL[tag_type]} each participant may nominate",
                min_value=0,
                max_value=MAX_NOMINATIONS_PER_TYPE,
                initial=0,
                required=False,
            )

    def clean_title(self) -> str:
        title = " ".join(str(self.cleaned_data["title"]).split())
        if not title:
            raise ValidationError("Give the tag set a title.")
        return title

    def tag_set_input(self) -> TagSetInput:
        data = self.cleaned_data
        tags = {t: _split(self, f"{t}_tags") for t in SET_TYPES}
        return TagSetInput(
            title=data["title"],
            description=data["description"],
            nominations_open=bool(data["nominations_open"]),
            limits={t: int(data.get(f"{t}_limit") or 0) for t in SET_TYPES},
            tags=tags,
            co_owners=[n for n in str(data["co_owners"]).split(",") if n.strip()],
        )


class NominationForm(PlainLabelsMixin, forms.Form):
    def __init__(self, *args: Any, limits: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for tag_type, limit in limits.items():
            if limit:
                self.fields[tag_type] = _tag_field(
                    PLURAL[tag_type], 200 * limit, f"Up to {limit}, separated by commas."
                )

    def names(self) -> dict[str, list[str]]:
        return {name: _split(self, name) for name in self.fields}


# --- gift exchanges -------------------------------------------------------------------------

EXCHANGE_LABELS: dict[str, str] = {
    "fandom": "Fandom",
    "character": "Character",
    "relationship": "Relationship",
    "rating": "Rating",
    "freeform": "Additional",
}
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
MATCH_CHOICES = [("0", "Doesn't count"), *[(str(n), str(n)) for n in range(1, 6)], ("-1", "All")]


def _when(label: str, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _count(label: str, initial: int, high: int) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=high, initial=initial)


class ExchangeForm(PlainLabelsMixin, forms.Form):
    """The exchange's settings. Times are read in the reader's time zone."""

    signup_open_at = _when("Sign-ups open", help_text="In your time zone.")
    signup_close_at = _when("Sign-ups close", help_text="In your time zone.")
    assignments_due_at = _when("Assignments due", required=False, help_text="In your time zone.")
    requests_required = _count("Requests required", 1, MAX_PROMPTS)
    requests_allowed = _count("Requests allowed", 1, MAX_PROMPTS)
    offers_required = _count("Offers required", 1, MAX_PROMPTS)
    offers_allowed = _count("Offers allowed", 1, MAX_PROMPTS)
    url_enabled = forms.BooleanField(label="Prompts may have a URL", required=False)
    description_enabled = forms.BooleanField(
        label="Prompts may have a description", required=False, initial=True
    )
    tag_set = forms.IntegerField(
        label="Tag set number",
        required=False,
        min_value=1,
        help_text="Sign-ups may name only this tag set's tags (its number is in its address "
        "under /tag_sets/). Leave empty for any tag.",
    )
    prompts_required = forms.TypedChoiceField(
        label="Requests a giver's offers must meet",
        choices=[(str(n), str(n)) for n in range(1, MAX_PROMPTS + 1)] + [("-1", "All")],
        coerce=int,
        initial="1",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in ("request", "offer"):
            for tag_type in EXCHANGE_TYPES:
                label = EXCHANGE_LABELS[tag_type]
                for end, initial in (("min", 0), ("max", 1 if tag_type == "fandom" else 0)):
                    self.fields[f"{kind}_{tag_type}_{end}"] = _count(
                        f"{label} tags per {kind}: {end}imum", initial, MAX_TAGS_PER_PROMPT
                    )
        for tag_type in EXCHANGE_TYPES:
            self.fields[f"match_{tag_type}"] = forms.TypedChoiceField(
                label=f"{EXCHANGE_LABELS[tag_type]} tags to match",
                choices=MATCH_CHOICES,
                coerce=int,
                initial="1" if tag_type == "fandom" else "0",
            )

    @staticmethod
    def initial_for(exchange: GiftExchange | None) -> dict[str, Any]:
        if exchange is None:
            return {}
        data: dict[str, Any] = {
            name: getattr(exchange, name)
            for name in (
                "signup_open_at",
                "signup_close_at",
                "assignments_due_at",
                "requests_required",
                "requests_allowed",
                "offers_required",
                "offers_allowed",
                "url_enabled",
                "description_enabled",
                "prompts_required",
            )
        }
        for name in ("signup_open_at", "signup_close_at", "assignments_due_at"):
            if data[name] is not None:
                data[name] = timezone.localtime(data[name])
        data["tag_set"] = exchange.tag_set_id
        for kind in ("request", "offer"):
            for tag_type in EXCHANGE_TYPES:
                low, high = exchange.limit(kind, tag_type)
                data[f"{kind}_{tag_type}_min"] = low
                data[f"{kind}_{tag_type}_max"] = high
        for tag_type in EXCHANGE_TYPES:
            data[f"match_{tag_type}"] = str(exchange.match_counts.get(tag_type, 0))
        return data

    def exchange_input(self) -> ExchangeInput:
        d = self.cleaned_data
        return ExchangeInput(
            signup_open_at=d["signup_open_at"],
            signup_close_at=d["signup_close_at"],
            assignments_due_at=d.get("assignments_due_at"),
            requests_required=d["requests_required"],
            requests_allowed=d["requests_allowed"],
            offers_required=d["offers_required"],
            offers_allowed=d["offers_allowed"],
            limits={
                kind: {t: (d[f"{kind}_{t}_min"], d[f"{kind}_{t}_max"]) for t in EXCHANGE_TYPES}
                for kind in ("request", "offer")
            },
            url_enabled=d["url_enabled"],
            description_enabled=d["description_enabled"],
            tag_set_id=d.get("tag_set"),
            match_counts={t: d[f"match_{t}"] for t in EXCHANGE_TYPES},
            prompts_required=d["prompts_required"],
        )


def _names(raw: str) -> list[str]:
    return [part for part in raw.split(",") if part.strip()]


class SignUpForm(PlainLabelsMixin, forms.Form):
    """A sign-up: a pseud, and as many request and offer blocks as the exchange allows.
    Field names: ``request_1_fandom``, ``offer_2_rating``, ``request_1_url``…"""

    pseud = forms.ChoiceField(label="Sign up as")

    def __init__(self, *args: Any, exchange: GiftExchange, pseuds: list[Pseud], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.exchange = exchange
        self.pseuds = {str(p.pk): p for p in pseuds}
        pseud_field = self.fields["pseud"]
        assert isinstance(pseud_field, forms.ChoiceField)
        pseud_field.choices = [(str(p.pk), p.name) for p in pseuds]
        self.blocks: list[tuple[str, int, list[str]]] = []
        for kind, allowed in (
            ("request", exchange.requests_allowed),
            ("offer", exchange.offers_allowed),
        ):
            for number in range(1, allowed + 1):
                names: list[str] = []
                for tag_type in EXCHANGE_TYPES:
                    low, high = exchange.limit(kind, tag_type)
                    if high == 0:
                        continue
                    name = f"{kind}_{number}_{tag_type}"
                    label = f"{kind.capitalize()} {number}: {EXCHANGE_LABELS[tag_type].lower()}"
                    limits = f"{low} to {high}" if low else f"up to {high}"
                    if tag_type == "rating":
                        self.fields[name] = forms.MultipleChoiceField(
                            label=f"{label} ratings",
                            required=False,
                            choices=Rating.choices,
                            widget=forms.CheckboxSelectMultiple,
                            help_text=f"Choose {limits}.",
                        )
                    else:
                        self.fields[name] = forms.CharField(
                            label=f"{label} tags",
                            required=False,
                            max_length=4000,
                            help_text=f"Name {limits}, separated by commas.",
                        )
                    names.append(name)
                if exchange.url_enabled:
                    name = f"{kind}_{number}_url"
                    self.fields[name] = forms.CharField(
                        label=f"{kind.capitalize()} {number}: URL",
                        required=False,
                        max_length=PROMPT_URL_MAX,
                    )
                    names.append(name)
                if exchange.description_enabled:
                    name = f"{kind}_{number}_description"
                    self.fields[name] = forms.CharField(
                        label=f"{kind.capitalize()} {number}: description",
                        required=False,
                        max_length=PROMPT_DESCRIPTION_MAX,
                        widget=forms.Textarea(attrs={"rows": 3}),
                    )
                    names.append(name)
                self.blocks.append((kind, number, names))

    def clean_pseud(self) -> Pseud:
        value = self.cleaned_data["pseud"]
        if value not in self.pseuds:
            raise ValidationError("Choose one of your pseuds.")
        return self.pseuds[value]

    def prompts(self, kind: str) -> list[PromptInput]:
        d = self.cleaned_data
        result: list[PromptInput] = []
        for block_kind, number, _ in self.blocks:
            if block_kind != kind:
                continue
            prefix = f"{kind}_{number}_"
            result.append(
                PromptInput(
                    tags={
                        t: _names(d.get(prefix + t) or "") for t in EXCHANGE_TYPES if t != "rating"
                    },
                    ratings=list(d.get(prefix + "rating") or []),
                    url=d.get(prefix + "url") or "",
                    description=d.get(prefix + "description") or "",
                )
            )
        return result

    def field_blocks(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Return (heading, fields) per prompt block, for the template."""
        return [
            (f"{kind.capitalize()} {number}", [self[name] for name in names])
            for kind, number, names in self.blocks
        ]

    @staticmethod
    def initial_for(signup: ExchangeSignUp) -> dict[str, Any]:
        data: dict[str, Any] = {"pseud": str(signup.pseud_id)}
        for prompt in signup.prompts.prefetch_related("tags"):
            prefix = f"{prompt.kind}_{prompt.position}_"
            by_type: dict[str, list[str]] = {}
            for tag in prompt.tags.all():
                by_type.setdefault(tag.type, []).append(tag.name)
            for tag_type, names in by_type.items():
                data[prefix + tag_type] = ", ".join(names)
            data[prefix + "rating"] = list(prompt.ratings)
            data[prefix + "url"] = prompt.url
            data[prefix + "description"] = prompt.description
        return data


class PinchHitForm(PlainLabelsMixin, forms.Form):
    assignment = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    pseud = forms.CharField(
        label="Pinch hitter",
        max_length=200,
        help_text="The volunteer's pseud, or “pseud (account)”.",
    )
