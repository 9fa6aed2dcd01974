"""Version stamps that cached pages are keyed by, shared by every process of the archive.

A *slot* holds a random 64-bit value; changing what a page shows gives the slots it depends
on new values (`bump`), so the page's old entries are never looked up again. Slot `ALL` is
the whole archive (settings, tags, people), `LISTINGS` every listing, and each work has a
slot of its own (`work_slot`; two works may share one, which costs only an extra render).

Values are random, not counters: a bump writes a value no one has read before, so two
processes bumping at once can't leave a slot at a value an older page was stored under.

On one machine the slots are a memory-mapped file in the data directory (`MmapVersions`):
reading them costs a few microseconds and needs no server. With Redis (FICARCHIVE_REDIS_URL,
for several app servers) they are Redis keys (`CacheVersions`), so all servers see a bump.
"""

from __future__ import annotations

import mmap
import os
import struct
import threading
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.cache import caches

ALL = 0
LISTINGS = 1
SLOTS = 1 << 16
FILE_NAME = "page-versions.bin"
_WORD = struct.Struct("<Q")


def work_slot(work_id: int) -> int:
    return 2 + work_id % (SLOTS - 2)


class Versions(Protocol):
    def read(self, slots: tuple[int, ...]) -> str: ...

    def bump(self, slots: set[int]) -> None: ...


class MmapVersions:
    """Slots in a memory-mapped file shared by the processes on this machine."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._map: mmap.mmap | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def _mapped(self) -> mmap.mmap:
        mapped = self._map
        if mapped is not None and self._pid == os.getpid():
            return mapped
        with self._lock:
            if self._map is None or self._pid != os.getpid():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    if os.fstat(fd).st_size < SLOTS * _WORD.size:
                        os.ftruncate(fd, SLOTS * _WORD.size)
                    self._map = mmap.mmap(fd, SLOTS * _WORD.size)
                finally:
                    os.close(fd)
                self._pid = os.getpid()
            return self._map

    def read(self, slots: tuple[int, ...]) -> str:
        mapped = self._mapped()
        return ".".join(str(_WORD.unpack_from(mapped, slot * _WORD.size)[0]) for slot in slots)

    def bump(self, slots: set[int]) -> None:
        mapped = self._mapped()
        for slot in slots:
            _WORD.pack_into(mapped, slot * _WORD.size, _fresh())


class CacheVersions:
    """Slots as keys of the shared Django cache (Redis), for several app servers."""

    def read(self, slots: tuple[int, ...]) -> str:
        cache = caches["default"]
        keys = [f"pv:{slot}" for slot in slots]
        found = cache.get_many(keys)
        for key in keys:
            if key not in found:
                # A slot no one has bumped (or that Redis evicted) starts at a new value, so
                # it can never come back to a value an older page was stored under.
                cache.add(key, _fresh(), timeout=None)
                found[key] = cache.get(key)
        return ".".join(str(found[key]) for key in keys)

    def bump(self, slots: set[int]) -> None:
        caches["default"].set_many({f"pv:{slot}": _fresh() for slot in slots}, timeout=None)


def _fresh() -> int:
    return int.from_bytes(os.urandom(8), "little")


_store: Versions | None = None


def store() -> Versions:
    global _store
    if _store is None:
        if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
            _store = CacheVersions()
        else:
            _store = MmapVersions(Path(settings.DATA_DIR) / "cache" / FILE_NAME)
    return _store
