"""Safe retries of API writes: the `Idempotency-Key` header (as Stripe's API has it).

A client sends a key of its choosing (a UUID) with a write. The first request with that key
runs and its answer is stored with the write, in one transaction; a retry with the same key
within KEEP_FOR answers the stored answer (with `Idempotent-Replayed: true`) and writes
nothing. The same key with another method, URL or body is a client's mistake and answers 422;
a retry that arrives while the first request still runs waits for it (the row lock), then
gets its answer."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.api.models import IdempotentRequest

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)
KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as HTTP headers carry safely

Run = Callable[[], tuple[int, Any]]


class KeyProblem(Exception):
    """The key is malformed (400) or was used for another request (422)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def clean_key(raw: str) -> str:
    """Return the key, or raise KeyProblem(400) for one that is empty, too long or not
    visible ASCII."""
    if not KEY.fullmatch(raw):
        raise KeyProblem(
            400, f"{HEADER} must be 1 to 255 visible ASCII characters (a UUID, for example)."
        )
    return raw


def run_once(
    user: User, key: str, method: str, path: str, body: bytes, run: Run
) -> tuple[int, Any, bool]:
    """Run the write (`run()` returns its status and JSON payload) unless this key was used
    within KEEP_FOR; return the status, the payload, and whether it is a replay."""
    body_hash = hashlib.sha256(body).hexdigest()
    for _ in range(2):
        with transaction.atomic():
            earlier = (
                IdempotentRequest.objects.select_for_update().filter(user=user, key=key).first()
            )
            if earlier is not None and earlier.created_at < timezone.now() - KEEP_FOR:
                earlier.delete()
                earlier = None
            if earlier is not None:
                if (earlier.method, earlier.path, earlier.body_hash) != (method, path, body_hash):
                    raise KeyProblem(
                        422,
                        f"This {HEADER} was used for another request (another method, URL or "
                        "body) in the last 24 hours: use a new key for a new request.",
                    )
                return earlier.status, earlier.response, True
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(
                        user=user,
                        key=key,
                        method=method,
                        path=path[:2000],
                        body_hash=body_hash,
                        status=0,
                    )
            except IntegrityError:
                continue  # the same key, sent at the same moment, was stored first: replay it
            status, payload = run()
            record.status = status
            record.response = payload
            record.save(update_fields=["status", "response"])
            IdempotentRequest.objects.filter(
                user=user, created_at__lt=timezone.now() - KEEP_FOR
            ).delete()
            return status, payload, False
    raise KeyProblem(409, f"Another request with this {HEADER} is still running: retry later.")
