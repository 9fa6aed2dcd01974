"""Posting forms that post once however often they are sent (a double click, a browser that
sends the form again after a timeout).

Each posting form carries a random token (`FIELD`). The view runs its write through `once()`,
which stores the token with the path of what was made, in the write's own transaction. A form
sent again with the same token finds that row and is led to the first result; two sent at
the same moment meet at the unique index, and the second's write is rolled back."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.core.models import FormSubmission

FIELD = "submission"
KEEP_FOR = timedelta(days=1)
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")

T = TypeVar("T")


def new_token() -> str:
    return secrets.token_urlsafe(18)


def form_token(data: object) -> str:
    """Return the token a posting form carries: the one it was sent with (a form shown again
    with errors keeps it), else a new one."""
    return token_from(data) or new_token()


def token_from(data: object) -> str:
    """Return the form's token from the POST data, or "" when it has none (or a bad one)."""
    raw = str(getattr(data, "get", lambda *_: "")(FIELD, "") or "")
    return raw if TOKEN.fullmatch(raw) else ""


def earlier_result(user: User, token: str) -> str | None:
    """Return the path of what an earlier submit of this form made, or None."""
    if not token:
        return None
    return (
        FormSubmission.objects.filter(
            user=user, token=token, created_at__gte=timezone.now() - KEEP_FOR
        )
        .values_list("result_path", flat=True)
        .first()
    )


class AlreadySent(Exception):
    """The same form was sent at the same moment and the other submit won: `path` is what it
    made."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def once(user: User, token: str, write: Callable[[], T], path_of: Callable[[T], str]) -> T:
    """Run `write()` and record the token with `path_of(result)` in one transaction. Raises
    AlreadySent when another submit of the same form was recorded first (this write is then
    rolled back). Without a token, just runs `write()`."""
    if not token:
        return write()
    try:
        with transaction.atomic():
            result = write()
            FormSubmission.objects.filter(
                user=user, created_at__lt=timezone.now() - KEEP_FOR
            ).delete()
            FormSubmission.objects.create(user=user, token=token, result_path=path_of(result))
            return result
    except IntegrityError:
        path = earlier_result(user, token)
        if path is None:
            raise
        raise AlreadySent(path) from None
