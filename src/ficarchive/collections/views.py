"""Collection pages (profile, works, bookmarks, participants, fandoms), the owners' forms
and the moderators' queue. Visibility of works always comes from `visible_q`: a page shows
only approved items whose works the reader may read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ficarchive.accounts.models import Pseud, User
from ficarchive.blocking.queries import blocked_user_ids
from ficarchive.bookmarks.models import Bookmark
from ficarchive.collections import actions
from ficarchive.collections.forms import CollectionForm, InviteForm, MemberForm
from ficarchive.collections.models import (
    Approval,
    Collection,
    CollectionItem,
    CollectionMember,
    Role,
)
from ficarchive.collections.queries import approved_q, in_collection, role_in, scope_ids
from ficarchive.core.forms import add_errors
from ficarchive.core.numbers import parse_whole_number
from ficarchive.core.pagination import paginate
from ficarchive.preferences.queries import muted_condition
from ficarchive.tags.models import FilterTagging, TagType
from ficarchive.works.listing import build_listing
from ficarchive.works.models import Creatorship, Work, visible_q
from ficarchive.works.views import listing_context, viewer

QUEUE_STATES = {
    "pending": ("Waiting for a moderator", Q(moderator_approval=Approval.PENDING)),
    "invited": (
        "Invited, waiting for the creator",
        Q(moderator_approval=Approval.APPROVED, creator_approval=Approval.PENDING),
    ),
    "approved": ("Approved", Q(approved=True)),
    "rejected": (
        "Rejected or declined",
        Q(moderator_approval=Approval.REJECTED) | Q(creator_approval=Approval.REJECTED),
    ),
}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _collection(name: str) -> Collection:
    collection = actions.find_collection(name)
    if collection is None:
        raise Http404("No such collection.")
    return collection


def _header(request: HttpRequest, collection: Collection, page: str) -> dict[str, Any]:
    """Return what the header every collection page shares needs (one query for the role,
    one for the parent when there is one)."""
    role = role_in(request.user, collection)
    return {
        "collection": collection,
        "parent": collection.parent,
        "role": role,
        "is_owner": role == Role.OWNER,
        "is_moderator": role != "",
        "page": page,
    }


def collection_list(request: HttpRequest) -> HttpResponse:
    """Every collection, by title, with the number of works the reader may read in it."""
    collections = (
        Collection.objects.select_related("parent")
        .annotate(
            work_count=Count(
                "items",
                filter=Q(items__approved=True) & visible_q(request.user, "items__work"),
                distinct=True,
            )
        )
        .order_by("title", "pk")
    )
    page, problem = paginate(request, collections)
    return render(request, "collections/collection_list.html", {"page": page, "problem": problem})


def collection_detail(request: HttpRequest, name: str) -> HttpResponse:
    collection = _collection(name)
    context = _header(request, collection, "profile")
    ids = scope_ids(collection)
    context.update(
        children=list(Collection.objects.filter(parent=collection).order_by("title")),
        members=list(
            CollectionMember.objects.filter(collection=collection)
            .select_related("user")
            .order_by("role", "user__username")
        ),
        work_count=Work.objects.filter(visible_q(request.user), in_collection(ids)).count(),
    )
    return render(request, "collections/collection_detail.html", context)


def collection_works(request: HttpRequest, name: str) -> HttpResponse:
    collection = _collection(name)
    ids = scope_ids(collection)
    size = CollectionItem.objects.approved().filter(collection_id__in=ids).count()
    listing = build_listing(
        Work.objects.visible_to(request.user).posted().filter(in_collection(ids)),
        request.GET,
        viewer=f"collection:{collection.pk}:{viewer(request)}",
        muted=muted_condition(request),
        bound=size,
    )
    context = listing_context(request, listing)
    context.update(_header(request, collection, "works"))
    return render(request, "collections/collection_works.html", context)


def collection_bookmarks(request: HttpRequest, name: str) -> HttpResponse:
    collection = _collection(name)
    ids = scope_ids(collection)
    bookmarks = (
        Bookmark.objects.filter(private=False, work__isnull=False)
        .filter(visible_q(request.user, "work"), approved_q(ids))
        .exclude(user_id__in=blocked_user_ids(request.user))
        .select_related("user")
        .prefetch_related(Prefetch("work", queryset=Work.objects.for_listing()), "tags")
        .order_by("-updated_at", "-pk")
        .distinct()
    )
    page, problem = paginate(request, bookmarks)
    context = _header(request, collection, "bookmarks")
    context.update(page=page, problem=problem)
    return render(request, "collections/collection_bookmarks.html", context)


def collection_participants(request: HttpRequest, name: str) -> HttpResponse:
    """The pseuds credited on the collection's approved works the reader may read."""
    collection = _collection(name)
    ids = scope_ids(collection)
    # Creators of anonymous works are nobody's to see here (the moderators included: the
    # items queue names them).
    credited = Creatorship.objects.filter(
        visible_q(request.user, "work"), approved_q(ids), work__anonymous=False
    )
    pseuds = (
        Pseud.objects.filter(pk__in=credited.values("pseud_id"))
        .select_related("user")
        .order_by("name", "pk")
    )
    page, problem = paginate(request, pseuds, per_page=100)
    context = _header(request, collection, "participants")
    context.update(page=page, problem=problem)
    return render(request, "collections/collection_participants.html", context)


def collection_fandoms(request: HttpRequest, name: str) -> HttpResponse:
    """The canonical fandoms of the collection's works the reader may read, with counts."""
    collection = _collection(name)
    ids = scope_ids(collection)
    fandoms = list(
        FilterTagging.objects.filter(
            visible_q(request.user, "work"), approved_q(ids), tag__type=TagType.FANDOM
        )
        .values("tag__name")
        .annotate(works=Count("work_id", distinct=True))
        .order_by("tag__name")
    )
    context = _header(request, collection, "fandoms")
    context["fandoms"] = fandoms
    return render(request, "collections/collection_fandoms.html", context)


@login_required
def new_collection(request: HttpRequest) -> HttpResponse:
    form = CollectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            collection = actions.create_collection(_user(request), form.collection_input())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Collection created.")
            return redirect(collection.get_absolute_url())
    return render(request, "collections/collection_form.html", {"form": form, "new": True})


def _managed(request: HttpRequest, name: str, *, owner: bool) -> Collection:
    """Return the collection if the logged-in user owns it (or, without ``owner``, moderates
    it); else raise Http404."""
    collection = _collection(name)
    role = role_in(request.user, collection)
    if role == "" or (owner and role != Role.OWNER):
        raise Http404("No such collection among yours.")
    return collection


@login_required
def edit_collection(request: HttpRequest, name: str) -> HttpResponse:
    collection = _managed(request, name, owner=True)
    form = CollectionForm(
        request.POST if request.method == "POST" else None,
        initial=CollectionForm.initial_for(collection),
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_collection(_user(request), collection, form.collection_input())
        except ValidationError as error:
            add_errors(form, error)
            collection.refresh_from_db()
        else:
            messages.success(request, "Collection updated.")
            return redirect(collection.get_absolute_url())
    context = _header(request, collection, "edit")
    context.update(form=form, new=False)
    return render(request, "collections/collection_form.html", context)


@login_required
def reveal_collection(request: HttpRequest, name: str) -> HttpResponse:
    """A moderator reveals an anonymous or unrevealed collection (GET asks to confirm)."""
    collection = _managed(request, name, owner=False)
    if request.method == "POST":
        try:
            count = actions.reveal_collection(_user(request), collection)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"“{collection.title}” is revealed ({count} work{'s' if count != 1 else ''}).",
            )
        return redirect(collection.get_absolute_url())
    return render(
        request, "collections/confirm_reveal.html", _header(request, collection, "profile")
    )


@login_required
def delete_collection(request: HttpRequest, name: str) -> HttpResponse:
    collection = _managed(request, name, owner=True)
    if request.method == "POST":
        actions.delete_collection(_user(request), collection)
        messages.success(
            request, f"The collection “{collection.title}” was deleted; its works remain."
        )
        return redirect("/collections/")
    return render(request, "collections/confirm_delete.html", _header(request, collection, "edit"))


@login_required
def collection_members(request: HttpRequest, name: str) -> HttpResponse:
    collection = _managed(request, name, owner=False)
    user = _user(request)
    form = MemberForm()
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                member_id = parse_whole_number(str(request.POST.get("remove", "")))
                try:
                    if member_id is None:
                        raise ValidationError("Choose a member to remove.")
                    actions.remove_member(user, collection, member_id)
                except ValidationError as error:
                    for message in error.messages:
                        messages.error(request, message)
                else:
                    messages.success(request, "Member removed.")
                    if member_id == user.pk:
                        return redirect(collection.get_absolute_url())
                return redirect(f"/collections/{collection.name}/members/")
            form = MemberForm(request.POST)
            if form.is_valid():
                actions.add_member(
                    user, collection, form.cleaned_data["username"], form.cleaned_data["role"]
                )
                messages.success(request, "Member saved.")
                return redirect(f"/collections/{collection.name}/members/")
        except ValidationError as error:
            add_errors(form, error)
    context = _header(request, collection, "members")
    context.update(
        form=form,
        members=list(
            CollectionMember.objects.filter(collection=collection)
            .select_related("user")
            .order_by("role", "user__username")
        ),
    )
    return render(request, "collections/collection_members.html", context)


def _queue_item(collection: Collection, raw: str) -> CollectionItem:
    item_id = parse_whole_number(raw)
    item = (
        CollectionItem.objects.filter(collection=collection, pk=item_id)
        .select_related("collection", "work")
        .first()
        if item_id is not None
        else None
    )
    if item is None:
        raise Http404("No such item in this collection.")
    return item


@login_required
def collection_items(request: HttpRequest, name: str) -> HttpResponse:
    """The moderators' queue: works waiting, invited, approved and rejected; approve, reject,
    remove, and invite a work."""
    collection = _managed(request, name, owner=False)
    user = _user(request)
    state = request.GET.get("status", "pending")
    if state not in QUEUE_STATES:
        state = "pending"
    invite_form = InviteForm()
    if request.method == "POST":
        verb = str(request.POST.get("verb", ""))
        try:
            if verb == "invite":
                invite_form = InviteForm(request.POST)
                if invite_form.is_valid():
                    work_id: int = invite_form.cleaned_data["work"]
                    work = Work.objects.visible_to(user).filter(pk=work_id).first()
                    if work is None:
                        raise ValidationError("No such work that you can read.")
                    actions.invite_work(user, collection, work)
                    messages.success(request, f"“{work.title}” was invited.")
                    return redirect(f"/collections/{collection.name}/items/?status=invited")
            elif verb in {"approve", "reject", "remove"}:
                item = _queue_item(collection, str(request.POST.get("item", "")))
                if verb == "remove":
                    actions.remove_work(user, item)
                    messages.success(request, "The work was taken out of the collection.")
                else:
                    actions.moderate_item(user, item, approve=verb == "approve")
                    messages.success(request, "Approved." if verb == "approve" else "Rejected.")
                return redirect(f"/collections/{collection.name}/items/?status={state}")
            else:
                messages.error(request, "Choose what to do with the work.")
        except ValidationError as error:
            add_errors(invite_form, error)
    label, condition = QUEUE_STATES[state]
    items = (
        CollectionItem.objects.filter(condition, collection=collection)
        .select_related("added_by")
        .prefetch_related(Prefetch("work", queryset=Work.objects.for_listing()))
        .order_by("-created_at", "-pk")
    )
    page, problem = paginate(request, items)
    context = _header(request, collection, "items")
    context.update(
        page=page,
        problem=problem,
        state=state,
        state_label=label,
        states=[(key, value[0]) for key, value in QUEUE_STATES.items()],
        invite_form=invite_form,
    )
    return render(request, "collections/collection_items.html", context)


@login_required
def my_items(request: HttpRequest) -> HttpResponse:
    """A creator's works in collections: invitations to answer, works waiting for moderators,
    and the collections each work is in; POST accept, decline or remove."""
    user = _user(request)
    own = Creatorship.objects.filter(pseud__user=user).values("work_id")
    if request.method == "POST":
        verb = str(request.POST.get("verb", ""))
        item_id = parse_whole_number(str(request.POST.get("item", "")))
        item = (
            CollectionItem.objects.filter(pk=item_id, work_id__in=own)
            .select_related("collection", "work")
            .first()
            if item_id is not None
            else None
        )
        if item is None or verb not in {"accept", "decline", "remove"}:
            raise Http404("No such item among your works.")
        try:
            if verb == "remove":
                actions.remove_work(user, item)
                messages.success(request, f"“{item.work.title}” left {item.collection.title}.")
            else:
                actions.answer_invitation(user, item, accept=verb == "accept")
                messages.success(request, "Accepted." if verb == "accept" else "Declined.")
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("/collections/items/")
    items = (
        CollectionItem.objects.filter(work_id__in=own)
        .select_related("collection", "work")
        .order_by("-created_at", "-pk")
    )
    page, problem = paginate(request, items)
    return render(request, "collections/my_items.html", {"page": page, "problem": problem})
