"""The text pipeline on hostile and large input (issue 12, targets 5 and 6).

    .venv/bin/python -m bench.textspeed              # every case, 3 runs each
    .venv/bin/python -m bench.textspeed --runs 1     # a quick run
    .venv/bin/python -m bench.textspeed --docs-only  # rewrite the docs section from the JSON

Each hostile shape goes through the function the posting action, the preview and the
importers call (`render_text`, or `parse_file` for a file), and the 10 MB import through
`parse_file` plus `import_parsed_work` (what `ficarchive import` and the import page run) on
a scratch SQLite archive under /tmp/textspeed-bench-*. The best of `--runs` is reported (the
machine is shared, so the best run is the one least disturbed by others), with the load
average before and after. Figures go to bench/textspeed-results.json and to the section of
docs/benchmarks.md between `<!-- bench:textspeed -->` and `<!-- /bench:textspeed -->`.
Not run by the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "textspeed-results.json"

_WORDS: tuple[str, ...] = tuple(
    [
        "the",
        "a",
        "and",
        "of",
        "to",
        "he",
        "she",
        "was",
        "in",
        "it",
        "his",
        "her",
        "that",
        "with",
        "as",
        "had",
        "for",
        "on",
        "at",
        "not",
        "but",
        "they",
        "said",
        "you",
        "from",
        "him",
        "be",
        "were",
        "would",
        "there",
        "what",
        "this",
        "one",
        "all",
        "out",
        "could",
        "up",
        "so",
        "if",
        "into",
        "looked",
        "back",
        "eyes",
        "like",
        "down",
        "then",
        "only",
        "time",
        "over",
        "know",
        "before",
        "door",
        "hand",
        "thought",
        "face",
        "night",
        "away",
        "through",
        "again",
        "something",
        "nothing",
        "voice",
        "room",
        "light",
        "around",
        "against",
        "still",
        "quietly",
        "window",
        "morning",
        "river",
        "salt",
        "road",
        "letter",
        "winter",
        "harbour",
        "lantern",
        "stranger",
        "Mira",
        "Tomas",
        "Aleksy",
    ]
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 22))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + rng.choice(".....?!")


def big_html(target: int = 10_000_000, chapters: int = 300, seed: int = 12) -> bytes:
    """Return an HTML story of about ``target`` bytes: a title, then ``chapters`` chapters,
    each an ``<h2>`` heading and paragraphs of prose (some emphasis, a few scene breaks)."""
    rng = random.Random(seed)
    per_chapter = target // chapters
    out = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>The Salt Road</title>"
        '<meta name="author" content="Bench Writer"></head><body>\n<h1>The Salt Road</h1>\n'
    ]
    for number in range(1, chapters + 1):
        out.append(f"<h2>Chapter {number}</h2>\n")
        size = 0
        while size < per_chapter - 400:
            paragraph = " ".join(_sentence(rng) for _ in range(rng.randint(2, 7)))
            if rng.random() < 0.15:
                paragraph = paragraph.replace(" eyes ", " <em>eyes</em> ", 1)
            piece = f"<p>{paragraph}</p>\n"
            out.append(piece)
            size += len(piece)
            if rng.random() < 0.01:
                out.append("<hr>\n")
    out.append("</body></html>\n")
    return "".join(out).encode()


@dataclass(frozen=True)
class Case:
    name: str
    before: float  # seconds, as measured when issue 12 was filed
    target: float  # seconds
    run: Callable[[], object]


def _render(source: str, fmt: str) -> Callable[[], object]:
    from ficarchive.text import render_text

    return lambda: render_text(source, fmt)  # type: ignore[arg-type]


def _parse(data: bytes, filename: str) -> Callable[[], object]:
    from ficarchive.formats.importers import ImportRejected, parse_file

    def run() -> object:
        try:
            return parse_file(data, filename=filename)
        except ImportRejected as error:
            return error

    return run


def _import_big(data: bytes) -> Callable[[], object]:
    from ficarchive.accounts.models import User
    from ficarchive.formats.actions import import_parsed_work
    from ficarchive.formats.importers import parse_file

    user = User.objects.filter(username="benchwriter").first()
    if user is None:
        user = User.objects.create_user("benchwriter", "bench@example.com", "bench-pw-31415")

    def run() -> object:
        parsed = parse_file(data, filename="the-salt-road.html")
        work = import_parsed_work(user, parsed, draft=True)
        assert len(parsed.chapters) == 300, len(parsed.chapters)
        return work

    return run


def cases(big: bytes) -> list[Case]:
    three = "abc\n\n" * 102_000  # 510,000 characters of three-character paragraphs
    return [
        Case("Markdown `*`×200,000 + `a` + `*`×200,000", 8.3, 1.0,
             _render("*" * 200_000 + "a" + "*" * 200_000, "markdown")),
        Case("Markdown `[`×100,000", 6.2, 1.0, _render("[" * 100_000, "markdown")),
        Case("HTML `<b>`×100,000", 2.9, 1.0, _render("<b>" * 100_000, "html")),
        Case("200,000 nested `<div>`s by import", 7.8, 1.0,
             _parse(b"<html><body>" + b"<div>" * 200_000 + b"Hello, reader.</body></html>",
                    "nested.html")),
        Case("510,000 characters of 3-character paragraphs as text", 2.0, 1.0,
             _render(three, "text")),
        Case("510,000 characters of 3-character paragraphs as Markdown", 6.5, 1.0,
             _render(three, "markdown")),
        Case("Import a 10 MB, 300-chapter HTML file", 22.0, 5.0, _import_big(big)),
    ]  # fmt: skip


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(os.cpu_count())


def measure(case: Case, runs: int) -> tuple[list[float], list[float]]:
    """Return the wall-clock seconds and the CPU seconds of this process for each run (on a
    shared machine the CPU time is what the run would take alone, less any waiting on I/O)."""
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        case.run()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return times, cpu


def write_docs(results: dict[str, Any]) -> None:
    rows = [
        "| Shape | Before (s) | Now, best of runs (s) | All runs (s) | Now, CPU (s) "
        "| Target (s) | |",
        "|---|---:|---:|---|---:|---:|---|",
    ]
    for row in results["cases"]:
        runs = ", ".join(f"{value:.2f}" for value in row["runs"])
        verdict = "met" if row["met"] else f"missed by {row['best'] - row['target']:.2f} s"
        over = sum(value > row["target"] for value in row["runs"])
        if row["met"] and over:
            verdict += f" (best run; {over} of {len(row['runs'])} runs over under this load)"
        rows.append(
            f"| {row['shape']} | {row['before']:.1f} | {row['best']:.2f} | {runs} | "
            f"{row['cpu_best']:.2f} | {row['target']:.0f} | {verdict} |"
        )
    section = "\n".join(
        [
            "## Hostile and large text (issue 12, targets 5 and 6)",
            "",
            "`.venv/bin/python -m bench.textspeed` (bench/textspeed.py): each shape through "
            "`render_text` (what posting, previews and the importers call) or `parse_file` "
            "(a file), and the 10 MB import through `parse_file` + `import_parsed_work` on "
            "SQLite, as a draft. Figures in bench/textspeed-results.json.",
            "",
            f"Machine: {results['nproc']} cores ({results['cpu']}); run {results['date']}; "
            f"load average {results['load_before']} before, {results['load_after']} after "
            "(the machine is shared with other jobs: a load above the core count slows every "
            "figure here by about load ÷ cores). Met or missed is judged on the wall-clock "
            "best; the CPU column is the process's own CPU time in its best run, about what "
            "the case takes on an idle machine (the import also waits on SQLite's writes).",
            "",
            *rows,
            "",
            "What made them fast: element nesting is bounded at 100 before the HTML parsers "
            "(`ficarchive.text.nesting`); runs of more than 15 of one Markdown delimiter are "
            "literal text; plain paragraphs of Markdown skip markdown-it; sanitized HTML is "
            "numbered and counted in one regular-expression pass; clean markup is not "
            "sanitized twice; importers flatten before parsing. The import adds its "
            "chapters in one action (`works.actions.add_chapters`: checks, totals and index "
            "row once, first versions in one insert at zlib level 1) and makes text only of "
            "the chapters the character-name scan reads.",
        ]
    )
    write_section("textspeed", section)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each case (best kept)")
    parser.add_argument(
        "--docs-only", action="store_true", help="rewrite the docs from the last results"
    )
    args = parser.parse_args(argv)
    if args.docs_only:
        write_docs(json.loads(RESULTS.read_text()))
        return
    scratch = Path(tempfile.mkdtemp(prefix="textspeed-bench-", dir="/tmp"))
    os.environ["FICARCHIVE_DATA_DIR"] = str(scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ficarchive.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    try:
        load_before = load_average()
        big = big_html()
        rows: list[dict[str, Any]] = []
        for case in cases(big):
            times, cpu = measure(case, args.runs)
            best = min(times)
            rows.append(
                {
                    "shape": case.name,
                    "before": case.before,
                    "best": round(best, 3),
                    "runs": [round(value, 3) for value in times],
                    "cpu_best": round(min(cpu), 3),
                    "target": case.target,
                    "met": best <= case.target,
                }
            )
            print(
                f"{case.name}: best {best:.2f} s of {len(times)}, CPU {min(cpu):.2f} s "
                f"(target {case.target} s)"
            )
        results = {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "nproc": nproc(),
            "cpu": cpu_model(),
            "load_before": load_before,
            "load_after": load_average(),
            "import_file_bytes": len(big),
            "cases": rows,
        }
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        write_docs(results)
        print(f"load average {load_before} before, {results['load_after']} after")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
