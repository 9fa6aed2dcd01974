"""Comment pages: post a comment, reply, edit, delete (with confirmation), approve, freeze,
and the permalink page of a thread. Every form works without JavaScript."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from ficarchive.accounts.models import User
from ficarchive.comments import actions
from ficarchive.comments.forms import CommentForm, EditCommentForm
from ficarchive.comments.models import Comment
from ficarchive.comments.paragraphs import opening_words, paragraph_texts
from ficarchive.comments.threads import build_threads, mark_anonymous_creators, visible_comments
from ficarchive.core.forms import add_errors
from ficarchive.core.numbers import parse_whole_number
from ficarchive.moderation.guards import refuse_write
from ficarchive.works.models import Chapter, CommentPermission, Work
from ficarchive.works.views import NeedsLogin, readable_work


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "comments/refused.html", {"message": message}, status=status)


def _chapter_url(chapter: Chapter) -> str:
    return f"/works/{chapter.work_id}/chapters/{chapter.position}/"


def _comment_url(comment: Comment) -> str:
    """Return where a comment shows: its chapter's page, at the comment."""
    return f"/works/{comment.work_id}/chapters/{comment.chapter.position}/#comment-{comment.pk}"


def _readable_comment(request: HttpRequest, comment_id: int) -> tuple[Comment, Work, set[int]]:
    """Return the comment if this reader may see it, its work and the work's creator ids;
    else raise Http404."""
    comment = (
        Comment.objects.select_related("chapter", "user", "parent", "thread")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None:
        raise Http404("No such comment.")
    try:
        work = readable_work(request, comment.work_id)
    except NeedsLogin:
        raise Http404("No such comment.") from None
    creators = actions.work_creator_ids(work)
    mark_anonymous_creators(work, [comment, comment.parent, comment.thread])
    user = _user(request)
    moderator = actions.can_moderate(user, creators)
    if not comment.chapter.posted and not (user and user.pk in creators):
        raise Http404("No such comment.")
    if not visible_comments(request.user, moderator=moderator).filter(pk=comment.pk).exists():
        raise Http404("No such comment.")
    return comment, work, creators


def _add(
    request: HttpRequest,
    work: Work,
    chapter: Chapter,
    form: CommentForm,
    parent: Comment | None,
) -> HttpResponse | None:
    """Post the comment from a valid form; return the response, or None (errors on form)."""
    user = _user(request)
    refused = refuse_write(request, "comment")
    if refused is not None:
        return refused
    try:
        comment, created = actions.add_comment(
            work, chapter, form.comment_input(), user=user, parent=parent
        )
    except PermissionDenied as error:
        return _refused(request, str(error), 403)
    except ValidationError as error:
        add_errors(form, error)
        return None
    if not created:
        messages.info(request, "Your comment was already posted.")
    elif comment.is_pending:
        messages.success(
            request, "Your comment was sent. It will show once a creator of the work approves it."
        )
    else:
        messages.success(request, "Comment posted.")
    return redirect(_comment_url(comment))


def _form_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    return render(request, "comments/form_page.html", context)


def _paragraph_quote(chapter: Chapter, value: object) -> str:
    """Return the first words of the chapter's paragraph numbered ``value`` ("" for none)."""
    number = parse_whole_number(str(value or ""))
    if number is None:
        return ""
    return opening_words(paragraph_texts(chapter.html).get(f"p{number}", ""))


@require_http_methods(["GET", "POST"])
def new_comment(request: HttpRequest, work_id: int) -> HttpResponse:
    """Post a comment (POST); with GET, the form alone: the page the comment link beside a
    paragraph leads to when JavaScript is off (``?chapter=<id>&paragraph=<number>``)."""
    try:
        work = readable_work(request, work_id)
    except NeedsLogin:
        return redirect(f"/login/?next=/works/{work_id}/")
    data = request.POST if request.method == "POST" else request.GET
    raw = str(data.get("chapter", ""))
    user = _user(request)
    chapters = Chapter.objects.filter(work=work)
    if not (user and work.is_created_by(user)):
        chapters = chapters.posted()
    number = parse_whole_number(raw)
    chapter = chapters.filter(pk=number).first() if number is not None else None
    if chapter is None or work.is_draft:
        raise Http404("No such chapter.")
    if request.method == "POST":
        form = CommentForm(request.POST, guest=user is None)
        if form.is_valid():
            response = _add(request, work, chapter, form, None)
            if response is not None:
                return response
        quote = _paragraph_quote(chapter, request.POST.get("paragraph"))
    else:
        try:
            actions.check_may_comment(work, user, actions.work_creator_ids(work))
        except ValidationError as error:
            if user is None and work.comment_permission != CommentPermission.NOBODY:
                return redirect("/login/?" + urlencode({"next": request.get_full_path()}))
            return _refused(request, " ".join(error.messages), 403)
        except PermissionDenied as error:
            return _refused(request, str(error), 403)
        quote = _paragraph_quote(chapter, request.GET.get("paragraph"))
        form = CommentForm(
            guest=user is None, initial={"paragraph": _number_or_none(quote, request)}
        )
    return _form_page(
        request,
        {
            "form": form,
            "work": work,
            "chapter": chapter,
            "title": f"Comment on {work.title}",
            "action": f"/works/{work.pk}/comments/",
            "button": "Comment",
            "chapter_field": True,
            "paragraph_quote": quote,
        },
    )


def _number_or_none(quote: str, request: HttpRequest) -> int | None:
    """Return the paragraph number asked for in the query string when it names a paragraph."""
    return parse_whole_number(str(request.GET.get("paragraph", ""))) if quote else None


def reply(request: HttpRequest, comment_id: int) -> HttpResponse:
    parent, work, creators = _readable_comment(request, comment_id)
    user = _user(request)
    try:
        actions.check_may_comment(work, user, creators)
    except PermissionDenied as error:
        return _refused(request, str(error), 403)
    except ValidationError as error:
        return _refused(request, " ".join(error.messages), 403)
    root = parent.thread or parent
    if root.frozen or not parent.is_published:
        return _refused(request, "This thread takes no replies.", 403)
    form = CommentForm(request.POST or None, guest=user is None, reply=True)
    if request.method == "POST" and form.is_valid():
        response = _add(request, work, parent.chapter, form, parent)
        if response is not None:
            return response
    return _form_page(
        request,
        {
            "form": form,
            "work": work,
            "chapter": parent.chapter,
            "parent": parent,
            "title": f"Reply to {parent.author_name}",
            "button": "Reply",
            "action": f"/comments/{parent.pk}/reply/",
        },
    )


def thread(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment, work, creators = _readable_comment(request, comment_id)
    user = _user(request)
    moderator = actions.can_moderate(user, creators)
    root_id = comment.root_id
    rows = visible_comments(request.user, moderator=moderator).filter(
        Q(pk=root_id) | Q(thread_id=root_id)
    )
    found = list(rows)
    mark_anonymous_creators(work, found)
    threads = build_threads(found)
    return render(
        request,
        "comments/thread.html",
        {
            "comment": comment,
            "work": work,
            "threads": threads,
            "perms": _perms(request, work, creators),
        },
    )


def _perms(request: HttpRequest, work: Work, creators: set[int]) -> dict[str, Any]:
    user = _user(request)
    return {
        "user_id": user.pk if user else None,
        "moderator": actions.can_moderate(user, creators),
        "creator": bool(user and user.pk in creators),
        "can_reply": work.comment_permission == "anyone"
        or (user is not None and work.comment_permission == "registered"),
    }


def _own_or_moderated(request: HttpRequest, comment_id: int) -> tuple[Comment, User, bool]:
    comment, _work, creators = _readable_comment(request, comment_id)
    user = _user(request)
    if user is None:
        raise PermissionDenied("Log in first.")
    return comment, user, actions.can_moderate(user, creators)


def edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment, user, _moderator = _own_or_moderated(request, comment_id)
    if comment.user_id != user.pk or comment.is_deleted:
        return _refused(request, "You can only edit your own comments.", 403)
    form = EditCommentForm(request.POST or None, initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_comment(user, comment, form.cleaned_data["text"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Comment updated.")
            return redirect(_comment_url(comment))
    return _form_page(
        request,
        {
            "form": form,
            "work": comment.work,
            "chapter": comment.chapter,
            "title": "Edit comment",
            "button": "Save changes",
            "action": f"/comments/{comment.pk}/edit/",
        },
    )


def delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment, user, moderator = _own_or_moderated(request, comment_id)
    if comment.user_id != user.pk and not moderator:
        return _refused(
            request, "You can only delete your own comments or those on your works.", 403
        )
    if request.method == "POST":
        actions.delete_comment(user, comment)
        messages.success(request, "Comment deleted.")
        return redirect(_chapter_url(comment.chapter) + "#comments")
    return render(request, "comments/confirm_delete.html", {"comment": comment})


@require_POST
def approve(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment, user, moderator = _own_or_moderated(request, comment_id)
    if not moderator:
        return _refused(request, "Only the work's creators can approve its comments.", 403)
    actions.approve_comment(user, comment)
    messages.success(request, "Comment approved: everyone can see it now.")
    return redirect(_comment_url(comment))


@require_POST
def freeze(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment, user, moderator = _own_or_moderated(request, comment_id)
    if not moderator:
        return _refused(request, "Only the work's creators can freeze its threads.", 403)
    frozen = request.POST.get("frozen") == "1"
    actions.set_thread_frozen(user, comment, frozen)
    messages.success(
        request, "Thread frozen: it takes no more replies." if frozen else "Thread unfrozen."
    )
    return redirect(_comment_url(comment))
