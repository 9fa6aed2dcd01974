"""Tag pages, the works under a tag, the wrangling queue and tag autocomplete."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from ficarchive.accounts.models import User
from ficarchive.core.pagination import paginate
from ficarchive.preferences.queries import muted_condition
from ficarchive.tags import actions
from ficarchive.tags.actions import can_wrangle, clean_tag_name
from ficarchive.tags.forms import QueueForm, WrangleForm
from ficarchive.tags.models import (
    FIXED_TAG_TYPES,
    MAX_TAG_LENGTH,
    FilterTagging,
    Media,
    Tag,
    TagType,
)
from ficarchive.works.listing import build_listing, muted_notice
from ficarchive.works.models import Work, WorkQuerySet
from ficarchive.works.views import listing_context, viewer

CHILDREN_SHOWN = 200
QUEUE_PER_PAGE = 50
AUTOCOMPLETE_LIMIT = 10
MAX_DB_ID = 2**63 - 1


def _tag(request: HttpRequest, name: str) -> Tag:
    """Return the tag with this name if the reader may see it (`TagQuerySet.visible_to`),
    else raise Http404."""
    tags = Tag.objects.visible_to(request.user).select_related("merger")
    tag = tags.filter(name__iexact=name).first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


def _find_tag(raw: str) -> Tag | None:
    """Return the tag with this name (any case), or None. Raises ValidationError for a name
    no tag could have."""
    name = clean_tag_name(raw[: MAX_TAG_LENGTH * 2])
    if not name:
        return None
    return Tag.objects.filter(name__iexact=name).first()


def _tagged_works(request: HttpRequest, tag: Tag) -> WorkQuerySet:
    """Return the posted works this reader may see that have the tag among their filter tags:
    tagged with it, with one of its synonyms, or with a tag below it."""
    return (
        Work.objects.visible_to(request.user)
        .posted()
        .filter(filter_taggings__tag=tag)
        .for_listing()
        .order_by("-updated_at", "-pk")
    )


def tag_detail(request: HttpRequest, name: str) -> HttpResponse:
    tag = _tag(request, name)
    listed = tag.merger or tag  # a synonym's works are its canonical tag's
    works = _tagged_works(request, listed)
    visible = Tag.objects.visible_to(request.user)
    muted = muted_condition(request)
    hidden = 0
    if muted is not None:
        hidden = works.filter(muted).count()
        works = works.exclude(muted)
    children = list(visible.filter(parents=tag).order_by("type", "name")[: CHILDREN_SHOWN + 1])
    context: dict[str, Any] = {
        "tag": tag,
        "listed": listed,
        "works": list(works[:10]),
        "count": works.count(),
        "muted_notice": muted_notice(hidden),
        "synonyms": list(visible.filter(merger=tag).order_by("name")),
        "parents": list(tag.parents.order_by("type", "name")),
        "children": children[:CHILDREN_SHOWN],
        "more_children": len(children) > CHILDREN_SHOWN,
        "can_wrangle": can_wrangle(request.user),
        "media_choices": Media.choices,
        "fixed": tag.type in FIXED_TAG_TYPES,
    }
    return render(request, "tags/tag_detail.html", context)


def tag_works(request: HttpRequest, name: str) -> HttpResponseBase:
    tag = _tag(request, name)
    if tag.merger is not None:
        target = tag.merger.get_absolute_url() + "works/"
        if request.GET:
            target += "?" + request.GET.urlencode()
        return redirect(target)
    listing = build_listing(
        Work.objects.visible_to(request.user).posted(),
        request.GET,
        fixed=tag,
        viewer=viewer(request),
        muted=muted_condition(request),
    )
    context = listing_context(request, listing)
    context["tag"] = tag
    return render(request, "tags/tag_works.html", context)


# Wrangling --------------------------------------------------------------------------------


def _wrangle(user: User, form: WrangleForm) -> str:
    """Apply one wrangling step from a valid form. Returns the message for the wrangler;
    raises ValidationError (for the wrangler) or PermissionDenied."""
    tag_id: int = form.cleaned_data["tag"]
    tag = Tag.objects.filter(pk=tag_id).first() if tag_id <= MAX_DB_ID else None
    if tag is None:
        raise ValidationError("That tag no longer exists.")
    action: str = form.cleaned_data["action"]
    if action == "canonical":
        actions.make_canonical(user, tag)
        return f"“{tag.name}” is now canonical."
    if action == "media":
        media: str = form.cleaned_data["medium"]
        tag = actions.set_media(user, tag, media)
        label = tag.get_media_display() if media else "no medium (uncategorized)"
        return f"“{tag.name}” is now filed under {label}."
    if action == "unsynonym":
        actions.unmake_synonym(user, tag)
        return f"“{tag.name}” is no longer a synonym."
    target_name: str = form.cleaned_data["target"]
    target = _find_tag(target_name)
    if target is None:
        raise ValidationError(f"No tag is named “{clean_tag_name(target_name)[:MAX_TAG_LENGTH]}”.")
    if action == "synonym":
        actions.make_synonym(user, tag, target)
        return f"“{tag.name}” is now a synonym of “{target.name}”."
    if action == "parent":
        actions.add_parent(user, tag, target)
        return f"“{target.name}” is now a parent of “{tag.name}”."
    actions.remove_parent(user, tag, target)
    return f"“{target.name}” is no longer a parent of “{tag.name}”."


def _back(request: HttpRequest) -> str:
    """Return where to go after a wrangling step: `next` when it is a path on this site."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return request.get_full_path()


@login_required
def wrangle(request: HttpRequest) -> HttpResponseBase:
    """The wrangling queue (GET) and one wrangling step (POST, then back where it came from)."""
    if not can_wrangle(request.user):
        raise PermissionDenied("Only tag wranglers can wrangle tags.")
    assert isinstance(request.user, User)
    if request.method == "POST":
        form = WrangleForm(request.POST)
        if not form.is_valid():
            errors = [str(e) for field in form.errors.values() for e in field]
            messages.error(request, "Nothing changed: " + " ".join(errors))
        else:
            try:
                messages.success(request, _wrangle(request.user, form))
            except ValidationError as error:
                messages.error(request, "Nothing changed: " + " ".join(error.messages))
        return redirect(_back(request))
    return _queue(request)


def _queue(request: HttpRequest) -> HttpResponse:
    query = QueueForm(request.GET)
    query.is_valid()
    fandom_name: str = query.cleaned_data.get("fandom", "")
    tag_type: str = query.cleaned_data.get("type", "")
    problem = ""
    fandom: Tag | None = None
    if fandom_name:
        try:
            fandom = _find_tag(fandom_name)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            if fandom is None:
                problem = "No tag has that name: showing unwrangled fandoms."
    tags = Tag.objects.unwrangled()
    if fandom is not None:
        in_fandom = FilterTagging.objects.filter(tag=fandom).values("work_id")
        tags = tags.exclude(type=TagType.FANDOM).filter(worktags__work_id__in=in_fandom)
        if tag_type:
            tags = tags.filter(type=tag_type)
    else:
        tags = tags.filter(type=TagType.FANDOM)
    # The count follows the filter above: uses on works in this fandom.
    tags = tags.annotate(uses=Count("worktags")).order_by("-uses", "name")
    page, page_problem = paginate(request, tags, QUEUE_PER_PAGE)
    keep = {k: v for k, v in (("fandom", fandom.name if fandom else ""), ("type", tag_type)) if v}
    return render(
        request,
        "tags/wrangle.html",
        {
            "query": query,
            "fandom": fandom,
            "page": page,
            "problem": problem or page_problem,
            "page_query": urlencode(keep),
            "tag_types": TagType,
            "media_choices": Media.choices,
        },
    )


def autocomplete(request: HttpRequest) -> JsonResponse:
    """Return up to ten canonical tags of one type (or of any type: type=any) whose names
    start with `q`, as JSON:
    {"tags": [{"name": ..., "url": ...}]}."""
    tag_type = request.GET.get("type", "")
    if tag_type not in TagType.values and tag_type != "any":
        return JsonResponse(
            {"error": f"type must be any or one of {', '.join(TagType.values)}.", "tags": []},
            status=400,
        )
    types = TagType.values if tag_type == "any" else [tag_type]
    try:
        prefix = clean_tag_name(request.GET.get("q", "")[:MAX_TAG_LENGTH])
    except ValidationError:
        prefix = ""  # a forbidden character: no tag starts that way
    if not prefix:
        return JsonResponse({"tags": []})
    tags = (
        Tag.objects.canonical()
        .filter(type__in=types)
        .name_starts_with(prefix)
        .values_list("name", flat=True)[:AUTOCOMPLETE_LIMIT]
    )
    response = JsonResponse(
        {"tags": [{"name": name, "url": Tag(name=name).get_absolute_url()} for name in tags]}
    )
    response["Cache-Control"] = "private, max-age=60"
    return response
