"""Views for reading, listing, posting and editing works. They parse input, check access,
call actions and render; visibility always comes from Work.objects.visible_to()."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ficarchive.accounts.models import Pseud, User
from ficarchive.collections.actions import set_work_collections
from ficarchive.collections.queries import moderates_work, sees_unrevealed
from ficarchive.core import submissions
from ficarchive.core.forms import add_errors
from ficarchive.core.pagination import PER_PAGE
from ficarchive.formats.actions import import_parsed_work
from ficarchive.formats.holds import HeldUpload, held_upload, hold_upload, release
from ficarchive.formats.importers import MAX_IMPORT_BYTES, ImportRejected, parse_file
from ficarchive.formats.parsed import ParsedWork
from ficarchive.history.actions import record_reading
from ficarchive.moderation.guards import refuse_over_limit, refuse_write
from ficarchive.preferences.queries import muted_condition
from ficarchive.preferences.reader import needs_adult_notice, prefs_for
from ficarchive.prompt_memes.actions import set_work_fills
from ficarchive.prompt_memes.queries import fill_initial, filled_claim_ids
from ficarchive.tags.models import FIXED_TAG_TYPES, Tag, TagType
from ficarchive.text import remove_paragraph_ids, render_text
from ficarchive.works import actions
from ficarchive.works.blurbs import render_blurbs
from ficarchive.works.forms import ChapterForm, ImportForm, ReorderForm, WorkForm
from ficarchive.works.hits import record_hit
from ficarchive.works.listing import (
    RELEVANCE,
    SORT_CHOICES,
    Listing,
    build_listing,
    muted_notice,
    since_choices,
)
from ficarchive.works.models import (
    LANGUAGES,
    Chapter,
    ChapterQuerySet,
    Rating,
    TextFormat,
    Work,
)


class NeedsLogin(Exception):
    """The work exists and is posted for registered users only; the guest must log in."""


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def readable_work(request: HttpRequest, work_id: int) -> Work:
    """Return the work if this reader may read it, with its tags and creators loaded.

    Raises NeedsLogin for a guest asking for a registered-only work and Http404 for anything
    else the reader may not see (drafts of others, missing works)."""
    work = Work.objects.visible_to(request.user).for_listing().filter(pk=work_id).first()
    if work is None and request.user.is_authenticated:
        # An unrevealed work: its recipients and its collections' moderators read it too.
        hidden = Work.objects.posted().filter(pk=work_id, unrevealed=True).for_listing().first()
        if hidden is not None and sees_unrevealed(request.user, hidden.pk):
            work = hidden
    if work is None:
        if (
            not request.user.is_authenticated
            and Work.objects.posted().filter(pk=work_id, restricted=True, unrevealed=False).exists()
        ):
            raise NeedsLogin
        raise Http404("No such work.")
    return work


def _editable_work(request: HttpRequest, work_id: int, *, with_tags: bool = True) -> Work:
    """Return the work if the logged-in user is one of its creators, else raise Http404. With
    `with_tags`, its tags and credits come prefetched (for the work form and its blurb); the
    chapter forms show the title only and spare those queries."""
    works = Work.objects.credited_to(_user(request))
    work = (works.for_listing() if with_tags else works).filter(pk=work_id).first()
    if work is None:
        raise Http404("No such work among yours.")
    return work


def _visible_chapters(work: Work, user: Any) -> ChapterQuerySet:
    """Return the chapters this reader may see: all for creators, posted ones for others."""
    chapters = Chapter.objects.filter(work=work).order_by("position")
    return chapters if work.is_created_by(user) else chapters.posted()


def home(request: HttpRequest) -> HttpResponse:
    visible = Work.objects.visible_to(request.user).posted()
    muted = muted_condition(request)
    shown = visible.exclude(muted) if muted is not None else visible
    works = list(shown.order_by("-updated_at", "-pk")[:PER_PAGE])
    hidden = 0
    if muted is not None:
        # The works with a muted tag that this page would have shown among its newest.
        newer = visible.filter(muted)
        if len(works) == PER_PAGE and works[-1].updated_at is not None:
            newer = newer.filter(updated_at__gte=works[-1].updated_at)
        hidden = newer.count()
    context = {
        "works": works,
        "blurbs": render_blurbs(works),
        "muted_notice": muted_notice(hidden),
    }
    return render(request, "works/home.html", context)


def viewer(request: HttpRequest) -> str:
    """Return whose view of the archive a listing shows, for its cached counts: guests all
    see the same works; each registered reader may have muted someone or some tags (the
    stamp of their preferences changes with every mute)."""
    if not request.user.is_authenticated:
        return "guest"
    return f"user:{request.user.pk}:{prefs_for(request).stamp}"


def listing_context(request: HttpRequest, listing: Listing) -> dict[str, Any]:
    """Return what the listing template (works/listing.html) needs besides the listing."""
    f = listing.filters
    included = {t.pk for t in f.include}
    fixed_tags = [
        (tag, tag.pk in included)
        for tag in Tag.objects.filter(type__in=FIXED_TAG_TYPES).order_by("type", "name")
    ]
    warning_tags = [(tag, on) for tag, on in fixed_tags if tag.type == TagType.WARNING]
    category_tags = [(tag, on) for tag, on in fixed_tags if tag.type == TagType.CATEGORY]
    return {
        "listing": listing,
        "filters": f,
        "sort_choices": ([(RELEVANCE, "Best match")] if f.q else []) + SORT_CHOICES,
        "rating_choices": [(v, label, v in f.ratings) for v, label in Rating.choices],
        "language_choices": LANGUAGES,
        "warning_tags": warning_tags,
        "category_tags": category_tags,
        "free_includes": [t for t in f.include if t.type not in FIXED_TAG_TYPES],
        "since_links": [
            (f.query_string(updated_since=value), label) for value, label in since_choices()
        ],
    }


def work_list(request: HttpRequest) -> HttpResponse:
    listing = build_listing(
        Work.objects.visible_to(request.user).posted(),
        request.GET,
        viewer=viewer(request),
        muted=muted_condition(request),
    )
    return render(request, "works/work_list.html", listing_context(request, listing))


def _stats(work: Work, chapters: list[Chapter]) -> dict[str, Any]:
    """Return the words and chapters the work page shows: the posted ones, or for a draft
    (nothing posted yet) the words and chapters its creator has written so far."""
    if not work.is_draft:
        return {"words": work.word_count, "chapters": work.chapters_label}
    expected = work.expected_chapters
    written = len(chapters)
    shown = max(expected, written) if expected else None
    return {
        "words": sum(chapter.word_count for chapter in chapters),
        "chapters": f"{written}/{shown if shown else '?'}",
    }


def _reading_context(request: HttpRequest, work: Work) -> dict[str, Any]:
    # The index needs titles and positions only; texts are loaded for the shown chapters.
    chapters = list(
        _visible_chapters(work, request.user).only(
            "pk", "work_id", "position", "title", "posted", "word_count"
        )
    )
    if not chapters:
        raise Http404("This work has no chapters you can read yet.")
    return {
        "work": work,
        "chapters": chapters,
        "stats": _stats(work, chapters),
        "is_creator": work.is_created_by(request.user),
        "creators": _creators_shown(request, work),
    }


def _creators_shown(request: HttpRequest, work: Work) -> list[Pseud]:
    """Return the creators to name on the work's page: all of them, but while the work is
    anonymous only for its creators and its collections' moderators (the page says
    "Anonymous" to everyone; those two also see who)."""
    if not work.anonymous:
        return work.creator_pseuds()
    if work.is_created_by(request.user) or moderates_work(request.user, work.pk):
        return work.creator_pseuds()
    return []


def _read(request: HttpRequest, work_id: int, position: int | None, full: bool) -> HttpResponseBase:
    try:
        work = readable_work(request, work_id)
    except NeedsLogin:
        messages.info(request, "This work is only for registered users: log in to read it.")
        return redirect_to_login(request.get_full_path())
    context = _reading_context(request, work)
    if needs_adult_notice(request, work.rating, is_creator=context["is_creator"]):
        # Nothing is counted or recorded: the reader has not read the work yet.
        return render(request, "works/adult_notice.html", context)
    chapters: list[Chapter] = context["chapters"]
    # With "always open the entire work", /works/<id>/ is the entire work: chapter by
    # chapter reading starts at the first chapter's own URL.
    context["full_by_default"] = prefs_for(request).full_work
    index = 0
    if position is not None:
        index = next((i for i, c in enumerate(chapters) if c.position == position), -1)
        if index < 0:
            raise Http404("No such chapter.")
    # Only a page that is really shown counts as a hit and a reading.
    record_hit(request, work)
    record_reading(request, work, None if full else chapters[index])
    if full or len(chapters) == 1:
        context.update(shown=list(_visible_chapters(work, request.user)), full=True)
        return render(request, "works/work_detail.html", context)
    context.update(
        shown=[Chapter.objects.get(pk=chapters[index].pk)],
        full=False,
        chapter_number=index + 1,
        previous=chapters[index - 1] if index > 0 else None,
        next=chapters[index + 1] if index + 1 < len(chapters) else None,
    )
    return render(request, "works/work_detail.html", context)


def work_detail(request: HttpRequest, work_id: int) -> HttpResponseBase:
    # "Always open the entire work" (reading preferences); chapter URLs still show one.
    full = request.GET.get("view") == "full" or prefs_for(request).full_work
    return _read(request, work_id, None, full=full)


def chapter_detail(request: HttpRequest, work_id: int, position: int) -> HttpResponseBase:
    return _read(request, work_id, position, full=False)


def work_full(request: HttpRequest, work_id: int) -> HttpResponseBase:
    return _read(request, work_id, None, full=True)


def _preview(work_form: WorkForm, chapter_form: ChapterForm) -> dict[str, Any]:
    data = work_form.cleaned_data
    fmt = data["text_format"]
    return {
        "title": data["title"],
        "summary_html": render_text(data["summary"], fmt, paragraph_ids=False).html,
        "notes_html": render_text(data["notes"], fmt, paragraph_ids=False).html,
        "end_notes_html": render_text(data["end_notes"], fmt, paragraph_ids=False).html,
        "chapter_title": chapter_form.cleaned_data["chapter_title"],
        "chapter": render_text(chapter_form.cleaned_data["text"], fmt),
    }


def _post_work(user: User, work_form: WorkForm, chapter_form: ChapterForm, *, draft: bool) -> Work:
    """Post (or save as a draft) the work and add it to the collections the form names, in
    one transaction: a collection that refuses it leaves nothing posted."""
    fmt = work_form.cleaned_data["text_format"]
    with transaction.atomic():
        work = actions.post_work(
            user,
            work_form.work_input(),
            chapter_form.chapter_input(fmt),
            pseuds=work_form.chosen_pseuds(),
            draft=draft,
        )
        if collections := work_form.chosen_collections():
            set_work_collections(user, work, collections)
        if claims := work_form.chosen_claims():
            set_work_fills(user, work, claims)
    return work


def _already_sent(request: HttpRequest, path: str) -> HttpResponse:
    """Lead a posting form sent again to what its first submit made."""
    messages.info(request, "This form was already sent: here is what it made.")
    return redirect(path)


PREFILL_MAX = 1000  # characters of a prefilled field taken from the query string


@login_required
def new_work(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    preview = None
    if request.method == "POST":
        work_form = WorkForm(request.POST, user=user)
        chapter_form = ChapterForm(request.POST, first_chapter=True)
        if work_form.is_valid() and chapter_form.is_valid():
            intent = request.POST.get("intent", "post")
            if intent == "preview":
                if refused := refuse_over_limit(request, "preview"):
                    return refused
                preview = _preview(work_form, chapter_form)
            else:
                token = submissions.token_from(request.POST)
                if earlier := submissions.earlier_result(user, token):
                    return _already_sent(request, earlier)
                if refused := refuse_write(request, "post_work"):
                    return refused
                try:
                    work = submissions.once(
                        user,
                        token,
                        lambda: _post_work(user, work_form, chapter_form, draft=intent == "draft"),
                        lambda made: made.get_absolute_url(),
                    )
                except submissions.AlreadySent as sent:
                    return _already_sent(request, sent.path)
                except ValidationError as error:
                    add_errors(work_form, error)
                else:
                    if work.is_draft:
                        messages.success(
                            request, "Draft saved. Only you can see it until you post it."
                        )
                    else:
                        messages.success(request, "Work posted.")
                    return redirect(work.get_absolute_url())
    else:
        # A link may prefill the collections and gift recipients (a gift exchange
        # assignment's "post a work for it"); the writer still sees and sends the form.
        prefill: dict[str, object] = {
            name: request.GET[name][:PREFILL_MAX]
            for name in ("collections", "gifts")
            if name in request.GET
        }
        prefill.update(fill_initial(user, request.GET.get("claim", "")))
        work_form = WorkForm(user=user, initial=prefill)
        chapter_form = ChapterForm(first_chapter=True)
    return render(
        request,
        "works/work_form.html",
        {
            "work_form": work_form,
            "chapter_form": chapter_form,
            "preview": preview,
            "new": True,
            "submission_token": submissions.form_token(request.POST),
        },
    )


@login_required
def edit_work(request: HttpRequest, work_id: int) -> HttpResponse:
    user = _user(request)
    work = _editable_work(request, work_id)
    if request.method == "POST":
        form = WorkForm(request.POST, user=user)
        if form.is_valid():
            try:
                with transaction.atomic():
                    actions.update_work(user, work, form.work_input(), pseuds=form.chosen_pseuds())
                    set_work_collections(user, work, form.chosen_collections())
                    if (claims := form.chosen_claims()) is not None:
                        set_work_fills(user, work, claims)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, "Work updated.")
                return redirect(work.get_absolute_url())
    else:
        initial = WorkForm.initial_for(work)
        initial["prompt_claims"] = filled_claim_ids(user, work)
        form = WorkForm(initial=initial, user=user)
    return render(request, "works/work_form.html", {"work_form": form, "work": work, "new": False})


@login_required
def delete_work(request: HttpRequest, work_id: int) -> HttpResponse:
    work = _editable_work(request, work_id)
    if request.method == "POST":
        title = work.title
        actions.delete_work(_user(request), work)
        messages.success(request, f"“{title}” was deleted.")
        return redirect(f"/users/{_user(request).username}/")
    return render(request, "works/confirm_delete.html", {"work": work})


@login_required
@require_POST
def post_draft(request: HttpRequest, work_id: int) -> HttpResponse:
    work = _editable_work(request, work_id)
    try:
        actions.post_draft_work(_user(request), work)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Work posted.")
    return redirect(work.get_absolute_url())


def _chapter_of(work: Work, position: int) -> Chapter:
    chapter = Chapter.objects.filter(work=work, position=position).first()
    if chapter is None:
        raise Http404("No such chapter.")
    return chapter


@login_required
def new_chapter(request: HttpRequest, work_id: int) -> HttpResponse:
    user = _user(request)
    work = _editable_work(request, work_id, with_tags=False)
    preview = None
    if request.method == "POST":
        form = ChapterForm(request.POST)
        if form.is_valid():
            intent = request.POST.get("intent", "post")
            data = form.chapter_input()
            if intent == "preview":
                if refused := refuse_over_limit(request, "preview"):
                    return refused
                preview = {
                    "chapter_title": data.title,
                    "chapter": render_text(data.text, actions.pipeline_format(data.text_format)),
                }
            else:
                token = submissions.token_from(request.POST)
                if earlier := submissions.earlier_result(user, token):
                    return _already_sent(request, earlier)
                try:
                    chapter = submissions.once(
                        user,
                        token,
                        lambda: actions.add_chapter(user, work, data, draft=intent == "draft"),
                        lambda made: f"/works/{work.pk}/chapters/{made.position}/",
                    )
                except submissions.AlreadySent as sent:
                    return _already_sent(request, sent.path)
                except ValidationError as error:
                    add_errors(form, error)
                else:
                    messages.success(
                        request,
                        "Chapter saved as a draft." if not chapter.posted else "Chapter posted.",
                    )
                    return redirect(f"/works/{work.pk}/chapters/{chapter.position}/")
    else:
        form = ChapterForm(initial={"chapter_format": work.text_format})
    return render(
        request,
        "works/chapter_form.html",
        {
            "form": form,
            "work": work,
            "preview": preview,
            "submission_token": submissions.form_token(request.POST),
        },
    )


@login_required
def edit_chapter(request: HttpRequest, work_id: int, position: int) -> HttpResponse:
    user = _user(request)
    work = _editable_work(request, work_id, with_tags=False)
    chapter = _chapter_of(work, position)
    if request.method == "POST":
        form = ChapterForm(request.POST)
        if form.is_valid():
            try:
                actions.update_chapter(user, chapter, form.chapter_input())
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, "Chapter updated.")
                return redirect(f"/works/{work.pk}/chapters/{chapter.position}/")
    else:
        form = ChapterForm(
            initial={
                "chapter_title": chapter.title,
                "chapter_summary": chapter.summary,
                "chapter_notes": chapter.notes,
                # Chapters imported before sources were kept hold the pipeline's HTML:
                # its paragraph ids mean nothing to a writer (and come back on save).
                "text": remove_paragraph_ids(chapter.text)
                if chapter.text_format == TextFormat.HTML
                else chapter.text,
                "chapter_end_notes": chapter.end_notes,
                "chapter_format": chapter.text_format,
            }
        )
    return render(
        request, "works/chapter_form.html", {"form": form, "work": work, "chapter": chapter}
    )


@login_required
def delete_chapter(request: HttpRequest, work_id: int, position: int) -> HttpResponse:
    work = _editable_work(request, work_id)
    chapter = _chapter_of(work, position)
    if request.method == "POST":
        try:
            actions.delete_chapter(_user(request), chapter)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"{chapter.display_title} was deleted.")
        return redirect(work.get_absolute_url())
    return render(request, "works/confirm_delete.html", {"work": work, "chapter": chapter})


@login_required
@require_POST
def post_chapter(request: HttpRequest, work_id: int, position: int) -> HttpResponse:
    work = _editable_work(request, work_id)
    chapter = _chapter_of(work, position)
    try:
        actions.post_chapter(_user(request), chapter)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Chapter posted.")
    return redirect(f"/works/{work.pk}/chapters/{chapter.position}/")


@login_required
def reorder_chapters(request: HttpRequest, work_id: int) -> HttpResponse:
    work = _editable_work(request, work_id)
    chapters = list(Chapter.objects.filter(work=work).order_by("position"))
    form = ReorderForm(request.POST or None, chapters=chapters)
    if request.method == "POST" and form.is_valid():
        try:
            actions.reorder_chapters(_user(request), work, form.ordered_ids())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Chapters reordered.")
            return redirect(work.get_absolute_url())
    return render(request, "works/reorder.html", {"form": form, "work": work})


@login_required
def import_work(request: HttpRequest) -> HttpResponse:
    """Import a file as a draft. After an error the chosen file is held on the server
    (`formats.holds`) and the form carries its token, so the retry needs no new upload."""
    user = _user(request)
    held: HeldUpload | None = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        upload = request.FILES.get("file")
        token = str(request.POST.get("held", ""))
        if upload is None and token:
            held = held_upload(user.pk, token)
        if form.is_valid() and (refused := refuse_write(request, "post_work")):
            return refused
        if upload is None and held is None:
            form.add_error(
                "file",
                "The file chosen before was kept for an hour and is gone: choose it again."
                if token
                else "Choose a file to import.",
            )
        if form.is_valid():
            work, parsed = _import_upload(user, form, upload, held)
            if work is not None and parsed is not None:
                if held is not None:
                    release(user.pk, held.token)
                _import_messages(request, work, parsed)
                return redirect(f"/works/{work.pk}/edit/")
        if upload is not None and (upload.size or 0) <= MAX_IMPORT_BYTES:
            # Keep the file for the retry (a browser never refills a file field).
            name = upload.name or ""
            upload.seek(0)
            kept = hold_upload(user.pk, name, upload.read())
            held = HeldUpload(token=kept, name=name, data=b"") if kept else None
    else:
        form = ImportForm()
    return render(request, "works/import.html", {"form": form, "held": held})


def _import_upload(
    user: User, form: ImportForm, upload: Any, held: HeldUpload | None
) -> tuple[Work | None, ParsedWork | None]:
    """Parse and import the upload (or the held file) as a draft; on a problem, add it to the
    form and return (None, None)."""
    try:
        if upload is not None:
            if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
                raise ImportRejected(
                    f"The file is {upload.size:,} bytes; the limit is {MAX_IMPORT_BYTES:,}. "
                    "Split it into several works or chapters."
                )
            data, name = upload.read(), upload.name or ""
        else:
            assert held is not None
            data, name = held.data, held.name
        parsed = parse_file(
            data,
            filename=name,
            fmt=form.cleaned_data["import_format"] or None,
            title=form.cleaned_data["title"] or None,
        )
        return import_parsed_work(user, parsed, draft=True), parsed
    except ImportRejected as error:
        form.add_error("file", str(error))
    except ValidationError as error:
        add_errors(form, error)
    return None, None


def _import_messages(request: HttpRequest, work: Work, parsed: ParsedWork) -> None:
    for warning in parsed.warnings:
        messages.warning(request, warning)
    if parsed.suggested_characters and not parsed.characters:
        names = ", ".join(parsed.suggested_characters[:8])
        messages.info(
            request,
            f"Names the story mentions most: {names}. Add the characters "
            "you want readers to find it by under Characters.",
        )
    count = len(parsed.chapters)
    messages.success(
        request,
        f"Imported “{work.title}” as a draft with {count} chapter{'' if count == 1 else 's'}. "
        "Check it, fill in what the file did not say, then post it.",
    )
