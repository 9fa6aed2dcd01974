"""Browsing the archive: fandoms by medium, languages, people and tags. Every page is a GET
that works without JavaScript; bad input gives a page that says what was wrong."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import groupby
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ficarchive.accounts.models import Pseud
from ficarchive.browse.counts import FandomRow, fandom_rows, language_counts, tag_counts
from ficarchive.browse.forms import PeopleSearchForm, TagSearchForm
from ficarchive.core.numbers import parse_whole_number
from ficarchive.core.pagination import paginate
from ficarchive.tags.actions import can_wrangle, clean_tag_name
from ficarchive.tags.models import Media, Tag, TagType
from ficarchive.works.languages import html_lang
from ficarchive.works.models import LANGUAGES, Creatorship, Status, Work, WorkTag, visible_q

TOP_FANDOMS = 5  # per medium on /media/
PEOPLE_PER_PAGE = 20
TAGS_PER_PAGE = 50
FANDOMS_PER_PERSON = 5


def _paginate(request: HttpRequest, items: Any, per_page: int) -> tuple[Page[Any], str]:
    """Return the page ?page= names and a message when it was not one: a page number is
    ASCII digits (core/numbers.py), so "٢" or "-1" shows page 1 and says why."""
    raw = request.GET.get("page", "").strip()
    if raw and parse_whole_number(raw) is None:
        shown = "".join(ch for ch in raw[:20] if ch.isprintable())
        paginator = Paginator(items, per_page)
        if raw.isascii() and raw.isdigit():  # a number, longer than any page count
            last = paginator.num_pages
            return paginator.page(last), f"There is no page {shown}; showing page {last}, the last."
        return paginator.page(1), f"“{shown}” is not a page number; showing page 1."
    return paginate(request, items, per_page)


def _media_groups(rows: list[FandomRow]) -> dict[str, list[FandomRow]]:
    groups: dict[str, list[FandomRow]] = {value: [] for value in Media.values}
    for row in rows:
        groups[row.media].append(row)
    return groups


def media_index(request: HttpRequest, problem: str = "", status: int = 200) -> HttpResponse:
    """Every medium with its most popular fandoms (by the works a guest may read)."""
    groups = _media_groups(fandom_rows())
    media = [
        {
            "value": value,
            "label": label,
            "fandom_count": len(groups[value]),
            "top": sorted(
                (row for row in groups[value] if row.count),
                key=lambda row: (-row.count, row.name.casefold()),
            )[:TOP_FANDOMS],
        }
        for value, label in Media.choices
    ]
    return render(request, "browse/media.html", {"media": media, "problem": problem}, status=status)


def _letter(name: str) -> str:
    first = name[:1].upper()
    return first if "A" <= first <= "Z" else "#"


def media_fandoms(request: HttpRequest, medium: str) -> HttpResponse:
    """Every canonical fandom of one medium, A to Z, with its count of works."""
    if medium not in Media.values:
        shown = "".join(ch for ch in medium[:40] if ch.isprintable())
        return media_index(
            request,
            f"There is no medium “{shown}”: choose one of the media below.",
            status=404,
        )
    rows = _media_groups(fandom_rows())[medium]
    by_letter = [
        (letter, list(group)) for letter, group in groupby(rows, key=lambda r: _letter(r.name))
    ]
    # "#" (names that do not start with A-Z) sorts among the letters by code point; put it last.
    by_letter.sort(key=lambda pair: (pair[0] == "#", pair[0]))
    return render(
        request,
        "browse/media_fandoms.html",
        {
            "medium": medium,
            "label": Media(medium).label,
            "by_letter": by_letter,
            "count": len(rows),
        },
    )


def languages(request: HttpRequest) -> HttpResponse:
    """Every language of the archive with the number of works a guest may read in it."""
    counts = language_counts()
    rows = [
        {"code": code, "name": name, "count": counts.get(code, 0), "lang": html_lang(code)}
        for code, name in LANGUAGES
    ]
    return render(
        request,
        "browse/languages.html",
        {"languages": rows, "with_works": sum(1 for row in rows if row["count"])},
    )


# People -------------------------------------------------------------------------------------


def _readable(request: HttpRequest, **also: object) -> Exists:
    """The condition "the row's work (`work_id`) is posted and the viewer may read it" (and
    matches `also`), as a probe of that one work by its key: a join would let the database
    start from every readable work instead of the page's few rows."""
    works = Work.objects.filter(
        visible_q(request.user), pk=OuterRef("work_id"), status=Status.POSTED, hidden=False, **also
    )
    return Exists(works)


def people_search(request: HttpRequest) -> HttpResponse:
    """Pseuds whose name, or whose account's user name, starts with `q`: each with the number
    of works the viewer may read and their most used fandoms. Banned accounts are left out,
    and so are people the viewer muted (as their works are)."""
    form = PeopleSearchForm(request.GET)
    problems = form.problems() if not form.is_valid() else []
    query = form.value("q")
    context: dict[str, Any] = {"form": form, "query": query, "page": None}
    if query:
        pseuds = Pseud.objects.filter(
            Q(name__istartswith=query) | Q(user__username__istartswith=query),
            user__is_active=True,
        )
        if request.user.is_authenticated:
            pseuds = pseuds.exclude(user__muted_by__muter_id=request.user.pk)
        pseuds = pseuds.select_related("user").order_by(Lower("name"), "pk")
        page, page_problem = _paginate(request, pseuds, PEOPLE_PER_PAGE)
        if page_problem:
            problems.append(page_problem)
        people = list(page.object_list)
        ids = [p.pk for p in people]
        # A work in an anonymous collection counts only on its own creator's pseuds (for
        # anyone else it names no one until the reveal).
        shown = Q(_readable(request, anonymous=False))
        if request.user.is_authenticated:
            shown |= Q(_readable(request), pseud__user_id=request.user.pk)
        credits = Creatorship.objects.filter(pseud_id__in=ids).filter(shown)
        credited: dict[int, list[int]] = defaultdict(list)  # work id -> the page's pseuds
        for pseud_id, work_id in credits.values_list("pseud_id", "work_id"):
            credited[work_id].append(pseud_id)
        counts = Counter(p for pseuds in credited.values() for p in pseuds)
        # The fandoms they tagged their works with; a synonym counts as its canonical fandom.
        tagged = WorkTag.objects.filter(
            work_id__in=credits.values("work_id"), tag__type=TagType.FANDOM
        ).values_list("work_id", "tag__name", "tag__merger__name")
        work_fandoms: dict[int, set[str]] = defaultdict(set)
        for work_id, name, merger_name in tagged:
            work_fandoms[work_id].add(merger_name or name)
        fandoms: dict[int, Counter[str]] = defaultdict(Counter)
        for work_id, names in work_fandoms.items():
            for pseud_id in credited[work_id]:
                fandoms[pseud_id].update(names)
        for person in people:
            person.work_count = counts.get(person.pk, 0)
            ranked = sorted(fandoms[person.pk].items(), key=lambda item: (-item[1], item[0]))
            person.fandoms = [
                {"name": name, "count": n, "url": Tag(name=name).get_absolute_url() + "works/"}
                for name, n in ranked[:FANDOMS_PER_PERSON]
            ]
            person.more_fandoms = max(0, len(ranked) - FANDOMS_PER_PERSON)
        context["page"] = page
        context["people"] = people
    context["problems"] = problems
    return render(request, "browse/people_search.html", context)


# Tags ---------------------------------------------------------------------------------------


def tag_search(request: HttpRequest) -> HttpResponse:
    """Tags whose name starts with `q` (case ignored), of one type or any, canonical or not,
    each with the number of works a guest may read under it (`counts.tag_counts`). Readers find the tags they
    may see (`TagQuerySet.visible_to`); wranglers find every tag, with its wrangling state."""
    form = TagSearchForm(request.GET)
    problems = form.problems() if not form.is_valid() else []
    query, tag_type, canonical = form.value("q"), form.value("type"), form.value("canonical")
    if query:
        try:
            query = clean_tag_name(query)
        except ValidationError as error:
            problems.extend(error.messages)
            query = ""
    wrangler = can_wrangle(request.user)
    context: dict[str, Any] = {
        "form": form,
        "query": query,
        "tag_type": tag_type,
        "canonical": canonical,
        "page": None,
        "wrangler": wrangler,
        "searched": bool(query or tag_type or canonical),
    }
    if context["searched"]:
        tags = Tag.objects.visible_to(request.user)
        if tag_type:
            tags = tags.filter(type=tag_type)
        if canonical:
            tags = tags.filter(canonical=canonical == "yes")
        tags = tags.name_starts_with(query).order_by("name_key", "pk").select_related("merger")
        page, page_problem = _paginate(request, tags, TAGS_PER_PAGE)
        if page_problem:
            problems.append(page_problem)
        found: list[Tag] = list(page.object_list)
        counts = tag_counts(found)
        for tag in found:
            tag.work_count = counts.get(tag.pk, 0)  # type: ignore[attr-defined]
        context["page"] = page
        context["tags"] = found
    context["problems"] = problems
    context["type_choices"] = form.fields["type"].choices  # type: ignore[attr-defined]
    context["canonical_choices"] = form.fields["canonical"].choices  # type: ignore[attr-defined]
    return render(request, "browse/tag_search.html", context)
