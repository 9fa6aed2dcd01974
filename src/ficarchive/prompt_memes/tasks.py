"""Background task of prompt memes: tell prompters their prompt was filled (once each)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ficarchive.accounts.models import User
from ficarchive.notifications.actions import notify
from ficarchive.prompt_memes.models import Fill
from ficarchive.works.models import Creatorship


@task()
def notify_prompters(work_id: int) -> int:
    """Notify the prompter of each fill of the work that is posted, visible and approved in
    the meme's collection and whose prompter was not told yet. The notification's key
    (`prompt-fill:<prompt>:<work>`) makes a second run create nothing. The message names the
    work and the prompt, never the prompter; nothing reaches the filler. Returns how many
    notifications were created."""
    made = 0
    creators = set(
        Creatorship.objects.filter(work_id=work_id).values_list("pseud__user_id", flat=True)
    )
    fills = (
        Fill.objects.counted()
        .filter(work_id=work_id, notified_at__isnull=True)
        .select_related("prompt__user", "prompt__meme__collection", "work", "added_by")
    )
    for fill in fills:
        prompt = fill.prompt
        with transaction.atomic():
            if prompt.user_id not in creators and prompt.user.is_active:
                sender = fill.added_by if isinstance(fill.added_by, User) else None
                collection = prompt.meme.collection
                made += notify(
                    prompt.user,
                    kind="prompt-fill",
                    message=(
                        f"“{fill.work.title}” fills your prompt “{prompt.title}” "
                        f"in {collection.title}."
                    ),
                    url=f"/collections/{collection.name}/prompts/{prompt.pk}/",
                    key=f"prompt-fill:{prompt.pk}:{work_id}",
                    sender=sender,
                )
            Fill.objects.filter(pk=fill.pk).update(notified_at=timezone.now())
    return made
