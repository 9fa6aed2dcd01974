"""Tag pages and the works under a tag."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ficarchive.core.pagination import paginate
from ficarchive.tags.models import Tag
from ficarchive.works.models import Work, WorkQuerySet


def _tag(name: str) -> Tag:
    tag = Tag.objects.filter(name__iexact=name).first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


def _tagged_works(request: HttpRequest, tag: Tag) -> WorkQuerySet:
    return (
        Work.objects.visible_to(request.user)
        .posted()
        .filter(worktags__tag=tag)
        .for_listing()
        .order_by("-updated_at", "-pk")
    )


def tag_detail(request: HttpRequest, name: str) -> HttpResponse:
    tag = _tag(name)
    works = _tagged_works(request, tag)
    return render(
        request,
        "tags/tag_detail.html",
        {"tag": tag, "works": list(works[:10]), "count": works.count()},
    )


def tag_works(request: HttpRequest, name: str) -> HttpResponse:
    tag = _tag(name)
    page, problem = paginate(request, _tagged_works(request, tag))
    return render(request, "tags/tag_works.html", {"tag": tag, "page": page, "problem": problem})
