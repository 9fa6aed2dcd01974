"""Progress for long command-line work: a bar redrawn in place on a terminal, and periodic
lines (every tenth of the way or every ten seconds, and at the end) when writing to a log."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.management.base import OutputWrapper

BAR_WIDTH = 30


class Progress:
    """A `progress(done, total)` callback for a management command's long loop.

    `verb` and `noun` make the log line: "Indexed 40/400 works (10%)". Silent when `quiet`."""

    def __init__(
        self,
        out: OutputWrapper,
        verb: str,
        noun: str,
        *,
        quiet: bool = False,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.out = out
        self.verb = verb
        self.noun = noun
        self.quiet = quiet
        self.interval = interval
        self.clock = clock
        self.on_terminal = out.isatty()
        self.last_line = clock()
        self.last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        if self.quiet or total <= 0:
            return
        if self.on_terminal:
            filled = BAR_WIDTH * done // total
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.out.write(f"\r[{bar}] {done:,}/{total:,} {self.noun}", ending="")
            if done >= total:
                self.out.write("")
            self.out.flush()
            return
        now = self.clock()
        tenth = 10 * done // total
        if done >= total or tenth > self.last_tenth or now - self.last_line >= self.interval:
            self.last_line = now
            self.last_tenth = tenth
            self.out.write(f"{self.verb} {done:,}/{total:,} {self.noun} ({100 * done // total}%)")
