"""Series pages and forms, and "inspired by" links between works."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ficarchive.accounts.models import User
from ficarchive.core.numbers import parse_whole_number
from ficarchive.core.pagination import paginate
from ficarchive.series import actions
from ficarchive.series.forms import AddWorkForm, RelatedWorkForm, SeriesForm, SeriesOrderForm
from ficarchive.series.models import RelatedWork, Series, SeriesWork
from ficarchive.works.models import Work, visible_q


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _posted_id(request: HttpRequest, name: str) -> int | None:
    """Return the POSTed field as an id, or None when it is not one (hostile input included)."""
    raw = str(request.POST.get(name, ""))
    return parse_whole_number(raw)


def _series(series_id: int) -> Series:
    return get_object_or_404(Series.objects.select_related("creator"), pk=series_id)


def _own_series(request: HttpRequest, series_id: int) -> Series:
    series = _series(series_id)
    if series.creator_id != _user(request).pk:
        raise Http404("No such series among yours.")
    return series


def _visible_entries(request: HttpRequest, series: Series) -> list[SeriesWork]:
    """Return the series' entries whose works this reader may read, in order, with what a
    blurb shows (a fixed number of queries)."""
    entries = SeriesWork.objects.filter(visible_q(request.user, "work"), series=series)
    if not (request.user.is_authenticated and series.creator_id == request.user.pk):
        # A series names its creator: an anonymous work is not shown in it until the reveal.
        entries = entries.exclude(work__anonymous=True)
    return list(
        entries.prefetch_related(Prefetch("work", queryset=Work.objects.for_listing())).order_by(
            "position"
        )
    )


def series_detail(request: HttpRequest, series_id: int) -> HttpResponse:
    series = _series(series_id)
    is_creator = request.user.is_authenticated and series.creator_id == request.user.pk
    context: dict[str, object] = {
        "series": series,
        "entries": _visible_entries(request, series),
        "is_creator": is_creator,
    }
    if is_creator:
        context["add_form"] = AddWorkForm(user=_user(request), series_id=series.pk)
    return render(request, "series/series_detail.html", context)


@login_required
def new_series(request: HttpRequest) -> HttpResponse:
    form = SeriesForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            series = actions.create_series(_user(request), form.series_input())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Series created. Add your works to it below.")
            return redirect(series.get_absolute_url())
    return render(request, "series/series_form.html", {"form": form, "new": True})


@login_required
def edit_series(request: HttpRequest, series_id: int) -> HttpResponse:
    series = _own_series(request, series_id)
    initial = {
        "title": series.title,
        "summary": series.summary,
        "notes": series.notes,
        "complete": series.complete,
    }
    form = SeriesForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_series(_user(request), series, form.series_input())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Series updated.")
            return redirect(series.get_absolute_url())
    return render(
        request, "series/series_form.html", {"form": form, "series": series, "new": False}
    )


@login_required
def delete_series(request: HttpRequest, series_id: int) -> HttpResponse:
    series = _own_series(request, series_id)
    if request.method == "POST":
        actions.delete_series(_user(request), series)
        messages.success(request, f"The series “{series.title}” was deleted; its works remain.")
        return redirect(f"/users/{_user(request).username}/series/")
    return render(request, "series/series_confirm_delete.html", {"series": series})


@login_required
@require_POST
def add_series_work(request: HttpRequest, series_id: int) -> HttpResponse:
    user = _user(request)
    series = _own_series(request, series_id)
    form = AddWorkForm(request.POST, user=user, series_id=series.pk)
    if form.is_valid():
        work = form.cleaned_data["work"]
        entry = actions.add_work(user, series, work)
        messages.success(request, f"“{work.title}” is part {entry.position} of the series.")
    else:
        messages.error(request, "Choose one of your works that is not in the series yet.")
    return redirect(series.get_absolute_url())


@login_required
@require_POST
def remove_series_work(request: HttpRequest, series_id: int) -> HttpResponse:
    series = _own_series(request, series_id)
    work_id = _posted_id(request, "work")
    if work_id is not None and actions.remove_work(_user(request), series, work_id):
        messages.success(request, "Work removed from the series.")
        return redirect(series.get_absolute_url())
    messages.error(request, "That work is not in the series.")
    return redirect(series.get_absolute_url())


@login_required
def reorder_series(request: HttpRequest, series_id: int) -> HttpResponse:
    series = _own_series(request, series_id)
    entries = list(SeriesWork.objects.filter(series=series).select_related("work"))
    form = SeriesOrderForm(request.POST if request.method == "POST" else None, entries=entries)
    if request.method == "POST" and form.is_valid():
        try:
            actions.reorder_works(_user(request), series, form.ordered_work_ids())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Series reordered.")
            return redirect(series.get_absolute_url())
    return render(request, "series/series_order.html", {"form": form, "series": series})


def user_series(request: HttpRequest, username: str) -> HttpResponse:
    owner = get_object_or_404(User, username=username, is_active=True)
    visible = visible_q(request.user, "entries__work")
    if not (request.user.is_authenticated and owner.pk == request.user.pk):
        visible &= Q(entries__work__anonymous=False)
    series = (
        Series.objects.filter(creator=owner)
        .annotate(work_total=Count("entries", filter=visible, distinct=True))
        .order_by("-updated_at", "-pk")
    )
    page, problem = paginate(request, series)
    return render(
        request,
        "series/user_series.html",
        {
            "owner": owner,
            "page": page,
            "problem": problem,
            "is_self": request.user.is_authenticated and owner.pk == request.user.pk,
        },
    )


# ----------------------------------------------------------------- related works


@login_required
def related_works(request: HttpRequest, work_id: int) -> HttpResponse:
    """The work's creators list, add and remove what inspired it."""
    user = _user(request)
    work = Work.objects.credited_to(user).filter(pk=work_id).first()
    if work is None:
        raise Http404("No such work among yours.")
    form = RelatedWorkForm(user=user, work=work)
    if request.method == "POST":
        if request.POST.get("intent") == "remove":
            related = RelatedWork.objects.filter(
                work=work, pk=_posted_id(request, "related") or 0
            ).first()
            if related is None:
                messages.error(request, "That link is already gone.")
            else:
                actions.remove_related_work(user, related)
                messages.success(request, "Link removed.")
            return redirect(f"/works/{work.pk}/related/")
        form = RelatedWorkForm(request.POST, user=user, work=work)
        if form.is_valid():
            data = form.cleaned_data
            try:
                related = actions.add_related_work(
                    user,
                    work,
                    parent_work=data["parent"],
                    external_title=data["external_title"],
                    external_author=data["external_author"],
                    external_url=data["external_url"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if related.parent_work_id and not related.approved:
                    messages.success(
                        request,
                        "Link added. It shows on the other work once its creator approves it.",
                    )
                else:
                    messages.success(request, "Link added.")
                return redirect(f"/works/{work.pk}/related/")
    links = list(RelatedWork.objects.filter(work=work).select_related("parent_work").order_by("pk"))
    return render(request, "series/related_form.html", {"work": work, "form": form, "links": links})


@login_required
def pending_related(request: HttpRequest) -> HttpResponse:
    """Links to the user's works from works they inspired: approve or reject."""
    user = _user(request)
    if request.method == "POST":
        related = (
            RelatedWork.objects.filter(pk=_posted_id(request, "related") or 0)
            .select_related("parent_work")
            .first()
        )
        if related is None or not actions.may_approve(user, related):
            messages.error(request, "That link is gone or not yours to decide.")
        elif request.POST.get("intent") == "approve":
            actions.approve_related_work(user, related)
            messages.success(request, "Approved: the link shows on your work.")
        else:
            actions.reject_related_work(user, related)
            messages.success(request, "Link removed.")
        return redirect("/related/")
    links = (
        RelatedWork.objects.filter(
            visible_q(user, "work"),
            parent_work__in=Work.objects.created_by(user),
        )
        .select_related("work", "parent_work")
        .order_by("approved", "-created_at", "-pk")
    )
    page, problem = paginate(request, links)
    return render(request, "series/related_pending.html", {"page": page, "problem": problem})
