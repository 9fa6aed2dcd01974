"""Prompt meme pages: the meme's settings (moderators), the prompts list and a prompt's page,
posting, editing and deleting prompts, claiming and dropping claims, and one's claims.
Who posted an anonymous prompt reaches a template only for the prompter and the
collection's moderators (`queries.prompt_rows`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ficarchive.accounts.models import User
from ficarchive.collections.models import Collection
from ficarchive.collections.views import _collection, _header
from ficarchive.core.forms import add_errors
from ficarchive.core.pagination import paginate
from ficarchive.prompt_memes import actions
from ficarchive.prompt_memes.forms import MemeForm, PromptForm
from ficarchive.prompt_memes.models import Claim, Prompt, PromptMeme
from ficarchive.prompt_memes.queries import fandoms_of, my_claims, prompt_rows, prompts_of
from ficarchive.tags.models import MAX_TAG_LENGTH, TagType


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _meme(name: str) -> tuple[Collection, PromptMeme]:
    collection = _collection(name)
    meme = PromptMeme.objects.filter(collection=collection).first()
    if meme is None:
        raise Http404("This collection has no prompt meme.")
    meme.collection = collection
    return collection, meme


def _context(request: HttpRequest, collection: Collection, meme: PromptMeme) -> dict[str, Any]:
    context = _header(request, collection, "prompts")
    context.update(meme=meme, closed=actions.closed_message(meme))
    return context


def _prompt(meme: PromptMeme, prompt_id: int) -> Prompt:
    prompt = prompts_of(meme.pk).filter(pk=prompt_id).first()
    if prompt is None:
        raise Http404("No such prompt in this prompt meme.")
    return prompt


@login_required
def meme_settings(request: HttpRequest, name: str) -> HttpResponse:
    """Attach a prompt meme to the collection or change it (owners and moderators)."""
    collection = _collection(name)
    context = _header(request, collection, "prompt_meme")
    if not context["is_moderator"]:
        raise Http404("No such collection among yours.")
    meme = PromptMeme.objects.filter(collection=collection).first()
    if request.method == "POST":
        form = MemeForm(request.POST)
        if form.is_valid():
            try:
                actions.save_meme(_user(request), collection, form.meme_input())
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, "Prompt meme saved.")
                return redirect(f"/collections/{collection.name}/prompts/")
    else:
        form = MemeForm(initial=MemeForm.initial_for(meme) if meme else None)
    context.update(form=form, meme=meme)
    return render(request, "prompt_memes/meme_form.html", context)


def prompt_list(request: HttpRequest, name: str) -> HttpResponse:
    """The meme's prompts, newest first, paged: ?fandom=<tag name>, ?unfilled=1."""
    collection, meme = _meme(name)
    context = _context(request, collection, meme)
    prompts = prompts_of(meme.pk)
    fandom = " ".join(request.GET.get("fandom", "").split())[:MAX_TAG_LENGTH]
    if fandom:
        prompts = prompts.filter(
            Exists(
                Prompt.tags.through.objects.filter(
                    prompt_id=OuterRef("pk"),
                    tag__type=TagType.FANDOM,
                    tag__name__iexact=fandom,
                )
            )
        )
    unfilled = request.GET.get("unfilled") == "1"
    if unfilled:
        prompts = prompts.unfilled()
    page, problem = paginate(request, prompts)
    context.update(
        page=page,
        problem=problem,
        rows=prompt_rows(request.user, list(page.object_list), moderator=context["is_moderator"]),
        fandoms=fandoms_of(meme.pk),
        fandom=fandom,
        unfilled=unfilled,
    )
    return render(request, "prompt_memes/prompt_list.html", context)


def prompt_detail(request: HttpRequest, name: str, prompt_id: int) -> HttpResponse:
    collection, meme = _meme(name)
    context = _context(request, collection, meme)
    prompt = _prompt(meme, prompt_id)
    context["row"] = prompt_rows(request.user, [prompt], moderator=context["is_moderator"])[0]
    return render(request, "prompt_memes/prompt_detail.html", context)


@login_required
def new_prompt(request: HttpRequest, name: str) -> HttpResponse:
    collection, meme = _meme(name)
    context = _context(request, collection, meme)
    form = PromptForm(request.POST if request.method == "POST" else None, meme=meme)
    if request.method == "POST" and form.is_valid():
        try:
            prompt = actions.post_prompt(_user(request), meme, form.prompt_input())
        except ValidationError as error:
            add_errors(form, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            messages.success(request, "Prompt posted.")
            return redirect(prompt.get_absolute_url())
    context.update(form=form, new=True)
    return render(request, "prompt_memes/prompt_form.html", context)


def _own_prompt(request: HttpRequest, name: str, prompt_id: int) -> tuple[dict[str, Any], Prompt]:
    collection, meme = _meme(name)
    context = _context(request, collection, meme)
    prompt = _prompt(meme, prompt_id)
    if prompt.user_id != request.user.pk and not context["is_moderator"]:
        raise Http404("No such prompt among yours.")
    return context, prompt


@login_required
def edit_prompt(request: HttpRequest, name: str, prompt_id: int) -> HttpResponse:
    context, prompt = _own_prompt(request, name, prompt_id)
    if prompt.user_id != request.user.pk:
        raise Http404("No such prompt among yours.")
    meme = context["meme"]
    if request.method == "POST":
        form = PromptForm(request.POST, meme=meme)
        if form.is_valid():
            try:
                actions.update_prompt(_user(request), prompt, form.prompt_input())
            except ValidationError as error:
                add_errors(form, error)
            except PermissionDenied as denied:
                form.add_error(None, str(denied))
            else:
                messages.success(request, "Prompt updated.")
                return redirect(prompt.get_absolute_url())
    else:
        form = PromptForm(initial=PromptForm.initial_for(prompt), meme=meme)
    context.update(form=form, new=False, prompt=prompt)
    return render(request, "prompt_memes/prompt_form.html", context)


@login_required
def delete_prompt(request: HttpRequest, name: str, prompt_id: int) -> HttpResponse:
    context, prompt = _own_prompt(request, name, prompt_id)
    if request.method == "POST":
        try:
            actions.delete_prompt(_user(request), prompt)
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            messages.error(request, text)
            return redirect(prompt.get_absolute_url())
        messages.success(request, "Prompt deleted.")
        return redirect(f"/collections/{name}/prompts/")
    context["prompt"] = prompt
    return render(request, "prompt_memes/confirm_delete.html", context)


@login_required
@require_POST
def claim(request: HttpRequest, name: str, prompt_id: int) -> HttpResponse:
    _, meme = _meme(name)
    prompt = _prompt(meme, prompt_id)
    try:
        actions.claim_prompt(_user(request), prompt)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    else:
        messages.success(
            request, "Prompt claimed. Fill it from your claims (/claims/) or the work form."
        )
    return redirect(prompt.get_absolute_url())


@login_required
def claims(request: HttpRequest) -> HttpResponse:
    """The user's claims, newest first, with a "Fill this prompt" link and Drop."""
    page, problem = paginate(request, my_claims(_user(request)))
    return render(request, "prompt_memes/claims.html", {"page": page, "problem": problem})


@login_required
@require_POST
def drop_claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    row = Claim.objects.filter(pk=claim_id).select_related("prompt__meme__collection").first()
    if row is None:
        messages.info(request, "That claim was already dropped.")
        return redirect("/claims/")
    try:
        actions.drop_claim(_user(request), row)
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    else:
        messages.success(request, f"The claim on “{row.prompt.title}” was dropped.")
    back = request.POST.get("next", "")
    return redirect(back if back in ("/claims/", row.prompt.get_absolute_url()) else "/claims/")
