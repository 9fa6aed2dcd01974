"""What the current reader chose to hide in work blurbs and on work pages.

Set per request by the reading-preferences middleware (as Django activates a time zone), so
blurbs rendered outside a request's template context (`works.blurbs.render_blurbs`) show the
reader's choice, and their cache keys can hold it."""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass


@dataclass(frozen=True)
class Display:
    hide_warnings: bool = False
    hide_freeforms: bool = False

    @property
    def key(self) -> str:
        """Return a short text that differs for every combination (for cache keys)."""
        return f"w{int(self.hide_warnings)}f{int(self.hide_freeforms)}"


DEFAULT = Display()
_current: ContextVar[Display | None] = ContextVar("reader_display", default=None)


def current_display() -> Display:
    return _current.get() or DEFAULT


def activate_display(display: Display) -> Token[Display | None]:
    return _current.set(display)


def reset_display(token: Token[Display | None]) -> None:
    _current.reset(token)
