"""Bookmark pages: the reader's own, a user's public ones, a work's public ones, and the
form that creates, edits and deletes a bookmark of a work or series."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ficarchive.accounts.models import User
from ficarchive.blocking.queries import blocked_user_ids
from ficarchive.bookmarks import actions
from ficarchive.bookmarks.forms import BookmarkForm
from ficarchive.bookmarks.models import Bookmark, BookmarkQuerySet
from ficarchive.core.pagination import paginate
from ficarchive.moderation.guards import refuse_write
from ficarchive.series.models import Series
from ficarchive.works.models import Work, visible_q
from ficarchive.works.views import NeedsLogin, readable_work


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _listing(request: HttpRequest, bookmarks: BookmarkQuerySet) -> BookmarkQuerySet:
    """Return bookmarks of works the viewer may read (and of series), with what the list
    shows, newest first, in a fixed number of queries."""
    return (
        bookmarks.filter(visible_q(request.user, "work") | Q(series__isnull=False))
        .select_related("user", "series__creator")
        .prefetch_related(Prefetch("work", queryset=Work.objects.for_listing()), "tags")
        .order_by("-updated_at", "-pk")
    )


@login_required
def my_bookmarks(request: HttpRequest) -> HttpResponse:
    later = request.GET.get("show") == "later"
    bookmarks = Bookmark.objects.filter(user=_user(request))
    if later:
        bookmarks = bookmarks.filter(for_later=True)
    page, problem = paginate(request, _listing(request, bookmarks))
    title = "Marked for later" if later else "Your bookmarks"
    return render(
        request,
        "bookmarks/bookmark_list.html",
        {"page": page, "problem": problem, "title": title, "own": True, "later": later},
    )


def user_bookmarks(request: HttpRequest, username: str) -> HttpResponse:
    owner = get_object_or_404(User, username=username, is_active=True)
    bookmarks = Bookmark.objects.filter(user=owner, private=False)
    page, problem = paginate(request, _listing(request, bookmarks))
    return render(
        request,
        "bookmarks/bookmark_list.html",
        {"page": page, "problem": problem, "title": f"Bookmarks by {owner.username}"},
    )


def work_bookmarks(request: HttpRequest, work_id: int) -> HttpResponseBase:
    try:
        work = readable_work(request, work_id)
    except NeedsLogin:
        return redirect_to_login(request.get_full_path())
    bookmarks = (
        Bookmark.objects.filter(work=work, private=False)
        # Someone the reader blocked does not reach them through a bookmark of their work.
        .exclude(user_id__in=blocked_user_ids(request.user))
        .select_related("user")
        .prefetch_related("tags")
        .order_by("-updated_at", "-pk")
    )
    page, problem = paginate(request, bookmarks)
    return render(
        request, "bookmarks/work_bookmarks.html", {"work": work, "page": page, "problem": problem}
    )


def _edit(
    request: HttpRequest, *, work: Work | None = None, series: Series | None = None
) -> HttpResponse:
    user = _user(request)
    target = work if work is not None else series
    assert target is not None
    target_url = target.get_absolute_url()
    bookmark = (
        Bookmark.objects.filter(user=user, work=work)
        if work
        else Bookmark.objects.filter(user=user, series=series)
    ).first()
    if request.method == "POST" and request.POST.get("intent") == "delete":
        if bookmark is not None:
            actions.delete_bookmark(user, bookmark)
            messages.success(request, "Bookmark deleted.")
        return redirect(target_url)
    form = BookmarkForm(
        request.POST if request.method == "POST" else None,
        initial=BookmarkForm.initial_for(bookmark),
    )
    if request.method == "POST" and form.is_valid():
        refused = refuse_write(request, "bookmark")
        if refused is not None:
            return refused
        try:
            _, created = actions.save_bookmark(
                user, form.bookmark_input(), work=work, series=series
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Bookmarked." if created else "Bookmark updated.")
            return redirect(target_url)
    return render(
        request,
        "bookmarks/bookmark_form.html",
        {
            "form": form,
            "bookmark": bookmark,
            "work": work,
            "series": series,
            "target_url": target_url,
        },
    )


def work_bookmark(request: HttpRequest, work_id: int) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        work = readable_work(request, work_id)
    except NeedsLogin:  # pragma: no cover - only guests get NeedsLogin
        return redirect_to_login(request.get_full_path())
    return _edit(request, work=work)


def series_bookmark(request: HttpRequest, series_id: int) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    series = get_object_or_404(Series, pk=series_id)
    return _edit(request, series=series)


@require_POST
def mark_for_later(request: HttpRequest, work_id: int) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return redirect_to_login(f"/works/{work_id}/")
    try:
        work = readable_work(request, work_id)
    except NeedsLogin:  # pragma: no cover - only guests get NeedsLogin
        return redirect_to_login(f"/works/{work_id}/")
    later = request.POST.get("for_later") != "0"
    if later and (refused := refuse_write(request, "bookmark")) is not None:
        return refused
    actions.set_for_later(_user(request), work, later)
    if later:
        messages.success(request, "Marked for later. Find it under For later.")
    else:
        messages.success(request, "No longer marked for later.")
    return redirect(work.get_absolute_url())
