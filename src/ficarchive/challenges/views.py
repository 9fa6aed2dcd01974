"""Tag set pages: the list, a set's tags, creating and editing, nominating and reviewing."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ficarchive.accounts.models import User
from ficarchive.challenges import actions
from ficarchive.challenges.forms import PLURAL, NominationForm, TagSetForm
from ficarchive.challenges.models import SET_TYPES, NominationStatus, TagNomination, TagSet
from ficarchive.core.forms import add_errors
from ficarchive.core.numbers import parse_whole_number
from ficarchive.core.pagination import paginate
from ficarchive.tags.models import Tag

REVIEW_PAGE = 200  # pending nominations shown at once


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _tag_set(tag_set_id: int) -> TagSet:
    return get_object_or_404(TagSet, pk=tag_set_id)


def _owned(request: HttpRequest, tag_set_id: int) -> TagSet:
    tag_set = _tag_set(tag_set_id)
    if not actions.is_owner(_user(request), tag_set):
        raise Http404("No such tag set among yours.")
    return tag_set


def tag_set_list(request: HttpRequest) -> HttpResponse:
    sets = TagSet.objects.annotate(tag_total=Count("tags", distinct=True)).order_by("title", "pk")
    page, problem = paginate(request, sets)
    return render(request, "challenges/tag_set_list.html", {"page": page, "problem": problem})


def _grouped_tags(tag_set: TagSet) -> list[tuple[str, list[Tag]]]:
    tags = Tag.objects.filter(tag_sets=tag_set, type__in=SET_TYPES).order_by("type", "name")
    by_type = {t: list(group) for t, group in groupby(tags, key=lambda tag: tag.type)}
    return [(PLURAL[t], by_type[t]) for t in SET_TYPES if t in by_type]


def tag_set_detail(request: HttpRequest, tag_set_id: int) -> HttpResponse:
    tag_set = _tag_set(tag_set_id)
    owners = list(tag_set.owners.order_by("username"))
    is_owner = request.user.is_authenticated and any(o.pk == request.user.pk for o in owners)
    context: dict[str, Any] = {
        "tag_set": tag_set,
        "owners": owners,
        "is_owner": is_owner,
        "groups": _grouped_tags(tag_set),
        "can_nominate": tag_set.nominations_open and any(tag_set.limit(t) for t in SET_TYPES),
    }
    if is_owner:
        context["pending"] = tag_set.nominations.filter(status=NominationStatus.PENDING).count()
    return render(request, "challenges/tag_set_detail.html", context)


def _initial(tag_set: TagSet) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "title": tag_set.title,
        "description": tag_set.description,
        "nominations_open": tag_set.nominations_open,
        "co_owners": ", ".join(
            tag_set.owners.order_by("username").values_list("username", flat=True)
        ),
    }
    for label, tags in _grouped_tags(tag_set):
        tag_type = next(t for t in SET_TYPES if PLURAL[t] == label)
        initial[f"{tag_type}_tags"] = ", ".join(t.name for t in tags)
    for tag_type in SET_TYPES:
        initial[f"{tag_type}_limit"] = tag_set.limit(tag_type)
    return initial


def _save_form(request: HttpRequest, form: TagSetForm, tag_set: TagSet | None) -> TagSet | None:
    data = form.tag_set_input()
    if form.errors:
        return None
    try:
        if tag_set is None:
            return actions.create_tag_set(_user(request), data)
        return actions.update_tag_set(_user(request), tag_set, data)
    except ValidationError as error:
        add_errors(form, error)
    except PermissionDenied as error:
        form.add_error(None, str(error))
    return None


@login_required
def new_tag_set(request: HttpRequest) -> HttpResponse:
    form = TagSetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        saved = _save_form(request, form, None)
        if saved is not None:
            messages.success(request, "Tag set created.")
            return redirect(saved.get_absolute_url())
    return render(request, "challenges/tag_set_form.html", {"form": form, "new": True})


@login_required
def edit_tag_set(request: HttpRequest, tag_set_id: int) -> HttpResponse:
    tag_set = _owned(request, tag_set_id)
    form = TagSetForm(request.POST if request.method == "POST" else None, initial=_initial(tag_set))
    if request.method == "POST" and form.is_valid():
        saved = _save_form(request, form, tag_set)
        if saved is not None:
            messages.success(request, "Tag set saved.")
            return redirect(saved.get_absolute_url())
    return render(
        request, "challenges/tag_set_form.html", {"form": form, "tag_set": tag_set, "new": False}
    )


@login_required
def delete_tag_set(request: HttpRequest, tag_set_id: int) -> HttpResponse:
    tag_set = _owned(request, tag_set_id)
    if request.method == "POST":
        try:
            actions.delete_tag_set(_user(request), tag_set)
        except PermissionDenied as error:
            messages.error(request, str(error))
            return redirect(tag_set.get_absolute_url())
        messages.success(request, f"The tag set “{tag_set.title}” was deleted; its tags remain.")
        return redirect("/tag_sets/")
    return render(request, "challenges/tag_set_confirm_delete.html", {"tag_set": tag_set})


@login_required
def nominate(request: HttpRequest, tag_set_id: int) -> HttpResponse:
    tag_set = _tag_set(tag_set_id)
    limits = {t: tag_set.limit(t) for t in SET_TYPES}
    form = NominationForm(request.POST if request.method == "POST" else None, limits=limits)
    if request.method == "POST" and form.is_valid():
        names = form.names()
        if not form.errors:
            try:
                done = actions.nominate(_user(request), tag_set, names)
            except ValidationError as error:
                add_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                note = f"Nominated {len(done.added)} tag(s)."
                if done.already_in_set:
                    note += f" Already in the set: {', '.join(done.already_in_set)}."
                if done.already_nominated:
                    note += f" You had nominated: {', '.join(done.already_nominated)}."
                messages.success(request, note)
                return redirect(f"/tag_sets/{tag_set.pk}/nominate/")
    mine = TagNomination.objects.filter(tag_set=tag_set, nominator=_user(request)).order_by(
        "tag_type", "name"
    )
    return render(
        request,
        "challenges/tag_set_nominate.html",
        {"tag_set": tag_set, "form": form, "mine": mine, "open": tag_set.nominations_open},
    )


def _ids(request: HttpRequest, name: str) -> list[int]:
    ids = (parse_whole_number(str(raw)) for raw in request.POST.getlist(name)[:REVIEW_PAGE])
    return [i for i in ids if i is not None]


@login_required
def review_nominations(request: HttpRequest, tag_set_id: int) -> HttpResponse:
    tag_set = _owned(request, tag_set_id)
    if request.method == "POST":
        try:
            approved, rejected = actions.review_nominations(
                _user(request), tag_set, _ids(request, "approve"), _ids(request, "reject")
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, f"Approved {approved}, rejected {rejected}.")
        return redirect(f"/tag_sets/{tag_set.pk}/nominations/")
    pending = (
        TagNomination.objects.filter(tag_set=tag_set, status=NominationStatus.PENDING)
        .select_related("nominator")
        .order_by("tag_type", "name", "pk")
    )
    counts = tag_set.nominations.aggregate(
        approved=Count("pk", filter=Q(status=NominationStatus.APPROVED)),
        rejected=Count("pk", filter=Q(status=NominationStatus.REJECTED)),
        pending=Count("pk", filter=Q(status=NominationStatus.PENDING)),
    )
    return render(
        request,
        "challenges/tag_set_nominations.html",
        {
            "tag_set": tag_set,
            "pending": list(pending[:REVIEW_PAGE]),
            "counts": counts,
            "plural": PLURAL,
        },
    )
