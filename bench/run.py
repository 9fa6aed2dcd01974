"""The scale benchmark: build demo archives of 10,000, 100,000 and 1,000,000 works, serve each
with `ficarchive serve` (gunicorn) and measure the pages readers use most over HTTP.

    python -m bench.run                                   # everything on SQLite (make bench)
    python -m bench.run --sizes 10000 --requests 200      # a quick run
    python -m bench.run --db postgres --sizes 100000      # PostgreSQL at 100,000 works
    python -m bench.run --only search                     # one case (see CASES)

Archives are built with `ficarchive demo --works N` (the bulk loader) in a scratch directory
(`--scratch`, default /tmp/ficarchive-bench), one per database and size, plus one of 100,000
works with generated chapter text (`--text`) for the full-text search case. A built archive is
reused when its parameters match (a `params.json` beside it records them). PostgreSQL archives
are databases named ficarchive_bench_<size>[_text] on `--postgres` (the server URL).

Each case gets warm-up requests, then `--requests` sequential requests (p50 and p95 latency),
then the same number shared by `--clients` concurrent clients (p95 and requests per second).
Figures accumulate in bench/results.json (so partial runs add up) and docs/benchmarks.md is
written from it. Not run in CI; tests never assert times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.report import with_marked_sections
from bench.serving import wait_answering

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "benchmarks.md"
RESULTS = Path(__file__).resolve().parent / "results.json"
SEED = 1
TEXT_SIZE = 100_000  # the archive with chapter text, for full-text search
TEXT_MAX_WORDS = 6_000  # longest work in the text archive (keeps its build to minutes)
TEXT_VOCABULARY = "zipf-30000"  # the generated prose's vocabulary (ficarchive.demo.vocabulary)
PORTS = range(8100, 8200)
CASES = (
    "work",
    "fandom",
    "fandom-mid",
    "filtered",
    "page500",
    "page500-kudos",
    "search",
    "search-phrase",
    "search-rare",
    "search-exclude",
)
# Full-text cases, measured on the archive with chapter text.
SEARCH_CASES = ("search", "search-phrase", "search-rare", "search-exclude")
# Targets from the issue: (case prefix, p95 ms at the given size).
LISTING_CASES = ("fandom", "fandom-mid", "filtered", "page500", "page500-kudos")
LISTING_P95_MS = 50.0
SEARCH_P95_MS = 100.0
SEARCH_RPS = 20.0
SEARCH_LABELS = {
    "search": "full-text, two common words",
    "search-phrase": "full-text, a phrase of common words",
    "search-rare": "full-text, a rare word",
    "search-exclude": "full-text, a word and an exclusion",
}
SCALING_LIMIT = 3.0


def machine() -> dict[str, str]:
    """Return a description of this machine: cores, CPU model, memory, Python, kernel."""
    cpu = platform.processor() or platform.machine()
    mem = "memory unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(re.findall(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[0])
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, IndexError, ValueError):
        pass
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def machine_line() -> str:
    m = machine()
    return f"{m['cores']} cores ({m['cpu']}), {m['memory']}, Python {m['python']}, {m['system']}"


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# --- Archives -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Archive:
    db: str  # "sqlite" or "postgres"
    size: int
    text: bool
    directory: Path
    database_url: str

    @property
    def label(self) -> str:
        return f"{self.db}-{self.size}{'-text' if self.text else ''}"

    @property
    def params(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "seed": SEED,
            "text": self.text,
            "max_words": TEXT_MAX_WORDS if self.text else None,
            "vocabulary": TEXT_VOCABULARY if self.text else None,
            "database_url": self.database_url,
        }

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "FICARCHIVE_DATA_DIR": str(self.directory),
            "FICARCHIVE_DATABASE_URL": self.database_url,
            "DJANGO_SETTINGS_MODULE": "ficarchive.settings",
        }


def archive_for(
    db: str, size: int, text: bool, scratch: Path, postgres: str, prefix: str = "ficarchive_bench"
) -> Archive:
    name = f"{db}-{size}{'-text' if text else ''}"
    directory = scratch / name
    if db == "sqlite":
        url = f"sqlite:///{directory / 'db.sqlite3'}"
    else:
        url = f"{postgres.rstrip('/')}/{prefix}_{size}{'_text' if text else ''}"
    return Archive(db, size, text, directory, url)


def _postgres_admin(archive: Archive, statement: str) -> None:
    import psycopg

    server, _, _name = archive.database_url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def build(archive: Archive) -> float | None:
    """Build the archive unless a matching one exists. Returns the build time in seconds, or
    None when an existing archive was reused."""
    stamp = archive.directory / "params.json"
    if stamp.exists() and json.loads(stamp.read_text()) == archive.params:
        print(f"Reusing the archive {archive.label} in {archive.directory}.", flush=True)
        return None
    if archive.directory.exists():
        shutil.rmtree(archive.directory)
    archive.directory.mkdir(parents=True)
    if archive.db == "postgres":
        name = archive.database_url.rpartition("/")[2]
        _postgres_admin(archive, f'DROP DATABASE IF EXISTS "{name}"')
        _postgres_admin(archive, f'CREATE DATABASE "{name}"')
    command = [sys.executable, "-m", "ficarchive", "demo", "--works", str(archive.size)]
    command += ["--seed", str(SEED)]
    if archive.text:
        command += ["--text", "--max-words", str(TEXT_MAX_WORDS)]
    print(f"Building {archive.label}: {' '.join(command[2:])} ...", flush=True)
    start = time.perf_counter()
    subprocess.run(command, env=archive.env(), check=True)
    seconds = time.perf_counter() - start
    stamp.write_text(json.dumps(archive.params, indent=2))
    print(f"Built {archive.label} in {seconds:.0f} s.", flush=True)
    return seconds


# --- The URLs measured --------------------------------------------------------------------------


def urls(archive: Archive) -> dict[str, tuple[str, str]]:
    """Return case -> (description, path) for this archive, read from its database by a
    child process (each archive has its own settings)."""
    found = subprocess.run(
        [sys.executable, "-m", "bench.run", "--print-urls"],
        env=archive.env(),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return {k: (v[0], v[1]) for k, v in json.loads(found.stdout).items()}


def _read_urls() -> dict[str, tuple[str, str]]:
    import django

    django.setup()
    from django.db.models import Count

    from ficarchive.demo import shapes
    from ficarchive.tags.models import Tag
    from ficarchive.works.models import Status, Work

    def works_of(tag: Tag) -> str:
        return f"{tag.get_absolute_url()}works/"

    top = Tag(name=shapes.FANDOMS[0].name)
    mid = Tag(name=shapes.FANDOMS[4].name)
    multi = (
        Work.objects.filter(
            status=Status.POSTED, hidden=False, restricted=False, chapter_count__gte=3
        )
        .filter(chapter_count__lte=8, word_count__gte=8_000, word_count__lte=30_000)
        .order_by("pk")
        .values_list("pk", "chapter_count", "word_count")
        .first()
    )
    work_id, chapters, words = multi if multi else (1, 1, 0)
    filtered = urlencode(
        [
            ("include", top.name),
            ("include", "Fluff"),
            ("exclude", "Angst"),
            ("rating", "teen"),
            ("sort", "kudos"),
        ]
    )
    fandom_works = Work.objects.filter(filter_taggings__tag__name=mid.name).aggregate(n=Count("pk"))
    return {
        "work": (f"work page ({chapters} chapters, {words:,} words)", f"/works/{work_id}/"),
        "fandom": (
            f"fandom listing, most popular ({top.name}), sort=updated",
            f"{works_of(top)}?sort=updated",
        ),
        "fandom-mid": (
            f"fandom listing, mid popularity ({mid.name}, {fandom_works['n']:,} works), "
            "sort=updated",
            f"{works_of(mid)}?sort=updated",
        ),
        "filtered": (
            f"include {top.name} + Fluff, exclude Angst, rating teen, sort=kudos",
            f"/works/?{filtered}",
        ),
        "page500": ("/works/ page 500", "/works/?page=500"),
        "page500-kudos": ("/works/ sorted by kudos, page 500", "/works/?sort=kudos&page=500"),
        **_search_urls(),
    }


def _search_urls() -> dict[str, tuple[str, str]]:
    """The full-text cases: common words from the head of the demo's Zipf vocabulary, a rare
    word from its tail (the first from rank 25,000 on that some work holds)."""
    from ficarchive.demo import vocabulary
    from ficarchive.search.engine import search_works
    from ficarchive.works.models import Work

    common, other, excluded = "looked", "door", "garden"
    rank = vocabulary.rank_of
    rare = vocabulary.vocabulary()[25_000]
    for word in vocabulary.vocabulary()[25_000:25_200]:
        if search_works(Work.objects.posted(), word).works.exists():
            rare = word
            break

    def q(text: str) -> str:
        return "/works/?" + urlencode({"q": text})

    return {
        "search": (
            f"full-text search, two common words (“{common} {other}”, ranks {rank(common)} "
            f"and {rank(other)})",
            q(f"{common} {other}"),
        ),
        "search-phrase": (
            f"full-text search, a phrase of common words (“the {other}” in quotes)",
            q(f'"the {other}"'),
        ),
        "search-rare": (
            f"full-text search, a rare word (“{rare}”, rank {rank(rare):,})",
            q(rare),
        ),
        "search-exclude": (
            f"full-text search, a word and an exclusion (“{common} -{excluded}”, ranks "
            f"{rank(common)} and {rank(excluded)})",
            q(f"{common} -{excluded}"),
        ),
    }


# --- HTTP ---------------------------------------------------------------------------------------


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("No free port in 8100-8199.")


@contextmanager
def serving(archive: Archive, workers: int, port: int | None = None) -> Iterator[int]:
    port = port or free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ficarchive",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=archive.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_answering(port, "/works/?page=1", process=server)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return (time.perf_counter() - start) * 1000, response.status


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(port: int, path: str, requests: int, clients: int) -> dict[str, Any]:
    """Warm up, then time `requests` sequential requests (p50, p95) and `requests` more shared
    by `clients` concurrent clients (p95 under load, requests per second)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    statuses: set[int] = set()
    for _ in range(max(5, requests // 20)):
        statuses.add(_get(conn, path)[1])
    sequential = []
    for _ in range(requests):
        ms, status = _get(conn, path)
        sequential.append(ms)
        statuses.add(status)
    conn.close()
    concurrent: list[float] = []
    lock = threading.Lock()

    def client(count: int) -> None:
        own = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for _ in range(count):
            ms, status = _get(own, path)
            with lock:
                concurrent.append(ms)
                statuses.add(status)
        own.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(requests // clients,)) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {
        "p50": statistics.median(sequential),
        "p95": percentile(sequential, 0.95),
        "p95_concurrent": percentile(concurrent, 0.95),
        "rps": len(concurrent) / elapsed,
        "requests": requests,
        "status": sorted(statuses),
    }


# --- Results and report -------------------------------------------------------------------------


def load_results() -> dict[str, Any]:
    if RESULTS.exists():
        data: dict[str, Any] = json.loads(RESULTS.read_text())
        return data
    return {"runs": {}}


def save_results(results: dict[str, Any], changed: str) -> None:
    """Write the run `changed` into the results file, keeping runs that another benchmark
    process saved meanwhile."""
    merged = load_results()
    merged["runs"][changed] = results["runs"][changed]
    results["runs"] = merged["runs"]
    RESULTS.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")


def save_load(archive: Archive, seconds: float) -> None:
    """Record how long `ficarchive demo` took to build the archive."""
    merged = load_results()
    merged.setdefault("loads", {})[archive.label] = {
        "seconds": round(seconds),
        "load": load_average(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    RESULTS.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")


def _fmt(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def targets(runs: dict[str, Any]) -> list[str]:
    """Return the report's lines on the targets: met, missed, or not measured yet."""
    lines = []

    def case(db: str, size: int, name: str, text: bool = False) -> dict[str, Any] | None:
        run = runs.get(f"{db}-{size}{'-text' if text else ''}")
        result: dict[str, Any] | None = run["cases"].get(name) if run else None
        return result

    for db in ("sqlite", "postgres"):
        listing = [(n, case(db, 1_000_000, n)) for n in LISTING_CASES]
        measured = [(n, r) for n, r in listing if r]
        if measured:
            worst = max(measured, key=lambda item: item[1]["p95"])
            verdict = "met" if worst[1]["p95"] <= LISTING_P95_MS else "missed"
            lines.append(
                f"- {db}: listings p95 ≤ {LISTING_P95_MS:.0f} ms at 1,000,000 works: **{verdict}** "
                f"(worst {worst[0]}: {_fmt(worst[1]['p95'])} ms)"
            )
        for name in SEARCH_CASES:
            search = case(db, TEXT_SIZE, name, text=True)
            if not search:
                continue
            met = search["p95"] <= SEARCH_P95_MS and search["rps"] >= SEARCH_RPS
            lines.append(
                f"- {db}: {SEARCH_LABELS[name]}: p95 ≤ {SEARCH_P95_MS:.0f} ms and ≥ "
                f"{SEARCH_RPS:.0f} req/s with 4 clients at {TEXT_SIZE:,} works with text: "
                f"**{'met' if met else 'missed'}** (p95 {_fmt(search['p95'])} ms, "
                f"{search['rps']:.0f} req/s)"
            )
        ratios = []
        for name in CASES:
            small, large = case(db, 10_000, name), case(db, 1_000_000, name)
            if small and large and name not in SEARCH_CASES:
                ratios.append((large["p50"] / small["p50"], name))
        if ratios:
            worst_ratio, name = max(ratios)
            verdict = "met" if worst_ratio <= SCALING_LIMIT else "missed"
            lines.append(
                f"- {db}: latency at 1,000,000 works ≤ {SCALING_LIMIT:.0f}× latency at 10,000 "
                f"(p50): **{verdict}** (worst {name}: {worst_ratio:.1f}×)"
            )
    return lines or ["- not measured yet at the sizes the targets name"]


def write_report(results: dict[str, Any]) -> None:
    runs: dict[str, Any] = results["runs"]
    lines = [
        "# Benchmarks",
        "",
        "The scale benchmark (`make bench`, `bench/run.py`) builds demo archives of 10,000,",
        "100,000 and 1,000,000 works with the bulk loader (`ficarchive demo --works N`), plus",
        f"one of {TEXT_SIZE:,} works with generated chapter text (`--text --max-words "
        f"{TEXT_MAX_WORDS}`) for",
        "full-text search, serves each with `ficarchive serve` (gunicorn, 2 workers × 4 threads)",
        "and measures over HTTP on loopback: p50 and p95 of sequential requests after a warm-up,",
        "then p95 and requests per second with 4 concurrent clients. Figures accumulate in",
        "`bench/results.json`; this page is written from it. Not run in CI; tests never assert",
        "times. Guests are measured (no session), so no per-user work is included.",
        "",
        "The machine is shared: the load average at the start of each run is given, and",
        "figures taken under load are slower than the same code on an idle machine.",
        "",
        "## Targets",
        "",
        *targets(runs),
        "",
    ]
    notes: list[str] = results.get("notes", [])
    if notes:
        lines += ["## Findings", "", *[f"- {note}" for note in notes], ""]
    loads: dict[str, Any] = results.get("loads", {})
    if loads:
        lines += [
            "## Loading the archives",
            "",
            "Wall-clock time of `ficarchive demo --works N` (the bulk loader) into an empty",
            "archive, with the load average when it finished (other work on the machine).",
            "",
            "| archive | seconds | load average | date | notes |",
            "| --- | ---: | --- | --- | --- |",
        ]
        for label in sorted(loads):
            entry = loads[label]
            lines.append(
                f"| {label} | {entry['seconds']:,} | {entry['load']} | {entry['date']} | "
                f"{entry.get('notes', '')} |"
            )
        lines.append("")
    order = sorted(runs, key=lambda k: (runs[k]["db"], runs[k]["size"], runs[k]["text"]))
    for key in order:
        run = runs[key]
        text = " with chapter text" if run["text"] else ""
        lines += [
            f"## {run['db']}, {run['size']:,} works{text}",
            "",
            f"Measured {run['date']} with `{run['command']}`; load average {run['load']} "
            f"at the start.",
            f"Machine: {run['machine']}.",
            f"Archive: {run['build']}.",
            "",
            "| case | path | p50 ms | p95 ms | p95 ms, 4 clients | req/s, 4 clients |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for name in CASES:
            result = run["cases"].get(name)
            if not result:
                continue
            status = "" if result["status"] == [200] else f" (HTTP {result['status']})"
            path = result["path"].replace("|", "%7C")
            lines.append(
                f"| {result['label']}{status} | `{path}` | {_fmt(result['p50'])} | "
                f"{_fmt(result['p95'])} | {_fmt(result['p95_concurrent'])} | "
                f"{result['rps']:.0f} |"
            )
        lines.append("")
    # The load benchmark (bench/load.py) owns the section from its heading on: keep it.
    old = REPORT.read_text() if REPORT.exists() else ""
    kept = old.partition("## Load: ")[2]
    page = "\n".join(lines) + (f"\n## Load: {kept}" if kept else "")
    REPORT.write_text(with_marked_sections(old, page))


# --- Main ---------------------------------------------------------------------------------------


def main() -> int:
    if sys.argv[1:] == ["--print-urls"]:
        print(json.dumps(_read_urls()))
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000", help="Archive sizes.")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--only", choices=CASES, action="append", help="Measure only this case.")
    parser.add_argument("--requests", type=int, default=300, help="Requests per case (300).")
    parser.add_argument("--clients", type=int, default=4, help="Concurrent clients (4).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2).")
    parser.add_argument(
        "--scratch", type=Path, default=Path(tempfile.gettempdir()) / "ficarchive-bench"
    )
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL (without a database name).",
    )
    parser.add_argument(
        "--prefix",
        default="ficarchive_bench",
        help="Name prefix of the PostgreSQL databases (ficarchive_bench).",
    )
    parser.add_argument(
        "--port", type=int, default=None, help="Serve on this port (default: a free one)."
    )
    parser.add_argument(
        "--build-only", action="store_true", help="Build the archives, measure nothing."
    )
    args = parser.parse_args()
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes takes numbers separated by commas, e.g. 10000,100000")
    cases = args.only or list(CASES)
    results = load_results()
    command = " ".join(["python -m bench.run", *sys.argv[1:]])

    plans: list[tuple[Archive, list[str]]] = []
    for size in sizes:
        plain = [c for c in cases if c not in SEARCH_CASES]
        if plain:
            plans.append(
                (
                    archive_for(args.db, size, False, args.scratch, args.postgres, args.prefix),
                    plain,
                )
            )
        if any(c in SEARCH_CASES for c in cases) and size == TEXT_SIZE:
            plans.append(
                (
                    archive_for(args.db, size, True, args.scratch, args.postgres, args.prefix),
                    [c for c in cases if c in SEARCH_CASES],
                )
            )

    for archive, wanted in plans:
        seconds = build(archive)
        if args.build_only:
            if seconds is not None:
                save_load(archive, seconds)
            continue
        built = (
            (archive.directory / "built.txt").read_text().strip()
            if (archive.directory / "built.txt").exists()
            else ""
        )
        if seconds is not None:
            built = f"built by `ficarchive demo` in {seconds:.0f} s (load average {load_average()})"
            (archive.directory / "built.txt").write_text(built + "\n")
            save_load(archive, seconds)
        paths = urls(archive)
        load = load_average()
        run = results["runs"].setdefault(archive.label, {"cases": {}})
        run.update(
            db=archive.db,
            size=archive.size,
            text=archive.text,
            date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            command=command,
            load=load,
            machine=machine_line(),
            build=built or "reused from an earlier run",
        )
        with serving(archive, args.workers, args.port) as port:
            for name in wanted:
                label, path = paths[name]
                figures = measure(port, path, args.requests, args.clients)
                run["cases"][name] = {"label": label, "path": path, **figures}
                print(
                    f"{archive.label} {name}: p50 {figures['p50']:.1f} ms, p95 "
                    f"{figures['p95']:.1f} ms, 4 clients p95 {figures['p95_concurrent']:.1f} ms, "
                    f"{figures['rps']:.0f} req/s, HTTP {figures['status']}",
                    flush=True,
                )
                save_results(results, archive.label)
    write_report(results)
    print(f"Wrote {REPORT.relative_to(ROOT)} and {RESULTS.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
