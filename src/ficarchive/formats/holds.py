"""Uploads held for a retry: when the import form comes back with an error, the file the
writer chose is kept on the server, so they fix the title or the format and import again
without choosing the file again (a browser never refills a file field).

Safe by construction:

- per user: files live in ``DATA_DIR/import-holds/<user id>/`` and only that user's requests
  look there;
- unguessable: the form carries a random token (``secrets.token_urlsafe``, 256 bits); the file
  is named by the token's SHA-256, so the disk never holds a usable token;
- expiring: a held file is used at most ``HOLD_SECONDS`` after it was held, and every new hold
  deletes the expired files of every user;
- size-limited: nothing over ``MAX_IMPORT_BYTES`` (the import's own limit) is held, and a user
  has at most ``MAX_HOLDS_PER_USER`` files held (the oldest go first);
- private: folders 0700, files 0600 (``mkstemp``), written atomically;
- cleaned up: the import that succeeds deletes its held file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ficarchive.core.env import private_dir
from ficarchive.formats.importers.base import MAX_IMPORT_BYTES

HOLD_SECONDS = 60 * 60
MAX_HOLDS_PER_USER = 3
NAME_MAX = 255
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class HeldUpload:
    token: str
    name: str  # the file name the writer's browser sent (shown back, escaped)
    data: bytes


def holds_dir() -> Path:
    return Path(settings.DATA_DIR) / "import-holds"


def _user_dir(user_id: int) -> Path:
    return holds_dir() / str(int(user_id))


def _stem(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _write_private(directory: Path, name: str, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, directory / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _expired(path: Path, now: float) -> bool:
    try:
        return now - path.stat().st_mtime > HOLD_SECONDS
    except FileNotFoundError:
        return True


def _remove(directory: Path, stem: str) -> None:
    for suffix in (".data", ".json"):
        (directory / f"{stem}{suffix}").unlink(missing_ok=True)


def _leftover(path: Path, now: float) -> bool:
    """Return True for an interrupted write's temporary file or a name without its file."""
    if path.name.startswith(".tmp-"):
        return _expired(path, now)
    return path.suffix == ".json" and not path.with_suffix(".data").exists()


def sweep(now: float | None = None) -> int:
    """Delete every user's expired held files (and leftovers of interrupted writes); return
    how many held uploads were deleted."""
    now = time.time() if now is None else now
    removed = 0
    root = holds_dir()
    if not root.is_dir():
        return 0
    for directory in root.iterdir():
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            if path.suffix == ".data" and _expired(path, now):
                _remove(directory, path.stem)
                removed += 1
            elif _leftover(path, now):
                path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            directory.rmdir()  # only when empty
    return removed


def hold_upload(user_id: int, name: str, data: bytes) -> str | None:
    """Keep ``data`` for this user's retry; return the token to put in the form, or None when
    the file is too large to hold."""
    if len(data) > MAX_IMPORT_BYTES:
        return None
    sweep()
    directory = _user_dir(user_id)
    private_dir(holds_dir())
    private_dir(directory)
    held = sorted(directory.glob("*.data"), key=lambda path: path.stat().st_mtime)
    for old in held[: max(0, len(held) - MAX_HOLDS_PER_USER + 1)]:
        _remove(directory, old.stem)
    token = secrets.token_urlsafe(32)
    stem = _stem(token)
    meta = json.dumps({"name": name[:NAME_MAX]}).encode("utf-8")
    _write_private(directory, f"{stem}.json", meta)
    _write_private(directory, f"{stem}.data", data)
    return token


def held_upload(user_id: int, token: str) -> HeldUpload | None:
    """Return this user's held upload for ``token``, or None when the token is malformed, not
    theirs, or expired (an expired file is deleted)."""
    if not _TOKEN.fullmatch(token):
        return None
    directory = _user_dir(user_id)
    stem = _stem(token)
    path = directory / f"{stem}.data"
    if _expired(path, time.time()):
        _remove(directory, stem)
        return None
    try:
        data = path.read_bytes()
        meta = json.loads((directory / f"{stem}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = meta.get("name") if isinstance(meta, dict) else None
    return HeldUpload(token=token, name=name if isinstance(name, str) else "", data=data)


def release(user_id: int, token: str) -> None:
    """Delete the held upload of this token (after the import that used it succeeded)."""
    if _TOKEN.fullmatch(token):
        _remove(_user_dir(user_id), _stem(token))
