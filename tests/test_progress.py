"""Progress lines for long commands: a bar on a terminal, periodic lines in a log."""

from __future__ import annotations

from io import StringIO

from django.core.management.base import OutputWrapper

from ficarchive.core.progress import Progress


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_line_every_tenth_and_at_the_end() -> None:
    out = StringIO()
    progress = Progress(OutputWrapper(out), "Indexed", "works", clock=lambda: 0.0)
    for done in range(1, 101):
        progress(done, 100)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Indexed 1/100 works (1%)"
    assert lines[-1] == "Indexed 100/100 works (100%)"
    assert len(lines) == 11


def test_a_log_gets_a_line_every_interval_on_slow_work() -> None:
    out = StringIO()
    now = [0.0]
    progress = Progress(OutputWrapper(out), "Posted", "works", clock=lambda: now[0], interval=10)
    progress(1, 1000)
    for done in range(2, 50):
        now[0] += 5
        progress(done, 1000)
    assert len(out.getvalue().splitlines()) == 1 + 48 // 2


def test_a_terminal_gets_one_bar_redrawn_in_place() -> None:
    out = Terminal()
    progress = Progress(OutputWrapper(out), "Indexed", "works")
    for done in range(1, 5):
        progress(done, 4)
    text = out.getvalue()
    assert text.count("\r[") == 4
    assert text.endswith("[" + "#" * 30 + "] 4/4 works\n")


def test_quiet_says_nothing() -> None:
    out = StringIO()
    progress = Progress(OutputWrapper(out), "Indexed", "works", quiet=True)
    progress(1, 1)
    assert out.getvalue() == ""
