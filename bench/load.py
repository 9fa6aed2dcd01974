"""Load benchmark (`make bench-load`): 200 reading connections and 30 writers for 60 seconds,
on SQLite (one `ficarchive serve`) and on the PostgreSQL cluster (scripts/cluster.py: nginx,
two app servers, two workers, Redis).

    python -m bench.load [--db sqlite,postgres] [--seconds 60] [--readers 200] [--writers 30]

Readers loop over the home page, /works/ and work pages on keep-alive connections. Writers are
members posting comments, each from its own loopback address (127.0.0.N) at about the
per-account limit (10 a minute), so 429s are the limits working. At the end every comment
acknowledged with a redirect must be in the database. Figures: requests per second, p50 and
p99, answers by status, acknowledged writes lost. They go to bench/load-results.json and to
the "Load" section of docs/benchmarks.md, with the machine, the date and the load average.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.report import with_marked_sections
from bench.run import load_average, machine_line
from bench.serving import wait_answering
from scripts.cluster import ClusterError, Process, free_port, running_cluster

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "load-results.json"
REPORT = ROOT / "docs" / "benchmarks.md"
LOAD_HEADING = "## Load: 200 readers and 30 writers"
PASSWORD = "correct horse battery staple 42"  # noqa: S105 (the benchmark's own members)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WRITE_PAUSE = 6.0  # seconds between one writer's comments: the limit is 10 a minute


@dataclass
class Target:
    """Where the load goes, and how to reach the database and run commands."""

    url: str
    database: str
    env: dict[str, str]
    cwd: Path
    sqlite_path: Path | None = None
    database_url: str = ""

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "ficarchive", *args],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"`ficarchive {' '.join(args)}` failed:\n{result.stderr[-3000:]}")
        return result.stdout


@dataclass
class Tally:
    """What the clients saw; shared by every thread under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    read_times: list[float] = field(default_factory=list)
    write_times: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    acknowledged: list[str] = field(default_factory=list)

    def record(self, kind: str, status: str, seconds: float) -> None:
        with self.lock:
            (self.read_times if kind == "read" else self.write_times).append(seconds)
            self.statuses[f"{kind} {status}"] += 1


class Client:
    """One keep-alive connection with cookies, from a chosen loopback address."""

    def __init__(self, url: str, source: str = "127.0.0.1") -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.origin = url
        self.source = source
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, dict[str, str]]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                self.host, self.port, timeout=120, source_address=(self.source, 0)
            )
        headers = {"Referer": self.origin + path, "Origin": self.origin}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, text, {k.lower(): v for k, v in response.getheaders()}


def _reader(url: str, paths: list[str], stop: float, tally: Tally, index: int) -> None:
    client = Client(url)
    n = index
    while time.monotonic() < stop:
        path = paths[n % len(paths)]
        n += 1
        started = time.monotonic()
        try:
            status, _, _ = client.request("GET", path)
            label = str(status)
        except (OSError, http.client.HTTPException) as error:
            label = type(error).__name__
        tally.record("read", label, time.monotonic() - started)


def _writer(
    url: str, name: str, work_id: int, chapter_id: int, stop: float, tally: Tally, index: int
) -> None:
    client = Client(url, source=f"127.0.1.{index + 1}")
    _, page, _ = client.request("GET", "/login/")
    token = CSRF.search(page)
    assert token, "no log-in form"
    status, _, _ = client.request(
        "POST",
        "/login/",
        {"csrfmiddlewaretoken": token.group(1), "username": name, "password": PASSWORD},
    )
    assert status == 302, f"log-in as {name} answered {status}"
    _, page, _ = client.request("GET", f"/works/{work_id}/")
    token = CSRF.search(page)
    assert token, "no comment form"
    client.close()  # each comment on a new connection: an idle one is closed by the server
    time.sleep(index * WRITE_PAUSE / 30)  # spread the writers over the pause
    while time.monotonic() < stop:
        text = f"load {name} {secrets.token_hex(6)}"
        started = time.monotonic()
        try:
            status, _, _ = client.request(
                "POST",
                f"/works/{work_id}/comments/",
                {
                    "csrfmiddlewaretoken": token.group(1),
                    "chapter": str(chapter_id),
                    "text": text,
                    "nonce": secrets.token_hex(16),
                },
            )
            label = str(status)
        except (OSError, http.client.HTTPException) as error:
            status, label = 0, type(error).__name__
        tally.record("write", label, time.monotonic() - started)
        client.close()
        if 200 <= status < 400:
            with tally.lock:
                tally.acknowledged.append(text)
        time.sleep(max(0.0, WRITE_PAUSE - (time.monotonic() - started)))


def _seed(target: Target, writers: int) -> tuple[list[str], int, int, list[str]]:
    prefix = f"ld{secrets.token_hex(2)}"
    printed = target.manage(
        "shell",
        "-c",
        "from ficarchive.accounts.actions import sign_up\n"
        "from ficarchive.works.actions import ChapterInput, WorkInput, post_work\n"
        "from ficarchive.works.models import Work\n"
        f"for i in range({writers}):\n"
        f"    sign_up(f'{prefix}{{i}}', f'{prefix}{{i}}@example.org', {PASSWORD!r})\n"
        f"w = sign_up('{prefix}w', '{prefix}w@example.org', {PASSWORD!r})\n"
        "work = post_work(w, WorkInput(title='Guestbook', fandoms=['Original Work'],"
        " text_format='text'), ChapterInput(text='Sign here.', text_format='text'))\n"
        "ids = list(Work.objects.filter(status='posted', restricted=False, hidden=False)"
        ".values_list('pk', flat=True)[:20])\n"
        "print(work.pk, work.chapters.get().pk, *ids)\n",
    )
    numbers = [int(x) for x in printed.strip().splitlines()[-1].split()]
    paths = ["/", "/works/", *[f"/works/{pk}/" for pk in numbers[2:]]]
    return [f"{prefix}{i}" for i in range(writers)], numbers[0], numbers[1], paths


def _stored_comments(target: Target, work_id: int) -> set[str]:
    query = "SELECT text FROM comments_comment WHERE work_id = %s"
    if target.database_url:
        with psycopg.connect(target.database_url) as conn:
            return {str(row[0]) for row in conn.execute(query, (work_id,))}
    printed = target.manage(
        "shell",
        "-c",
        "import json\nfrom ficarchive.comments.models import Comment\n"
        f"print(json.dumps(list(Comment.objects.filter(work_id={work_id})"
        ".values_list('text', flat=True))))\n",
    )
    return set(json.loads(printed.strip().splitlines()[-1]))


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_load(target: Target, seconds: float, readers: int, writers: int) -> dict[str, Any]:
    names, work_id, chapter_id, paths = _seed(target, writers)
    tally = Tally()
    load = load_average()
    started_at = datetime.now(UTC)
    stop = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_reader, args=(target.url, paths, stop, tally, i), daemon=True)
        for i in range(readers)
    ] + [
        threading.Thread(
            target=_writer,
            args=(target.url, name, work_id, chapter_id, stop, tally, i),
            daemon=True,
        )
        for i, name in enumerate(names)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 180)
    elapsed = time.monotonic() - began
    stored = _stored_comments(target, work_id)
    lost = [text for text in tally.acknowledged if not any(text in s for s in stored)]
    everything = tally.read_times + tally.write_times
    return {
        "database": target.database,
        "date": started_at.strftime("%Y-%m-%d %H:%M UTC"),
        "load_average": load,
        "machine": machine_line(),
        "seconds": round(elapsed, 1),
        "readers": readers,
        "writers": writers,
        "requests": len(everything),
        "rps": round(len(everything) / elapsed, 1),
        "read_p50_ms": round(_percentile(tally.read_times, 0.5) * 1000),
        "read_p99_ms": round(_percentile(tally.read_times, 0.99) * 1000),
        "write_p50_ms": round(_percentile(tally.write_times, 0.5) * 1000),
        "write_p99_ms": round(_percentile(tally.write_times, 0.99) * 1000),
        "statuses": dict(sorted(tally.statuses.items())),
        "writes_acknowledged": len(tally.acknowledged),
        "writes_lost": len(lost),
    }


@contextmanager
def sqlite_target(root: Path) -> Iterator[Target]:
    """One `ficarchive serve --with-worker` on SQLite, as a small site runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FICARCHIVE_")}
    env.update(FICARCHIVE_DATA_DIR=str(root), XDG_RUNTIME_DIR=str(root), PYTHONUNBUFFERED="1")
    port = free_port()
    target = Target(url=f"http://127.0.0.1:{port}", database="SQLite", env=env, cwd=root)
    target.manage("demo", "--works", "200", "--seed", "5")
    log = root / "serve.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            [sys.executable, "-m", "ficarchive", "serve", "--no-migrate", "--port", str(port),
             "--workers", "2", "--with-worker"],
            env=env, cwd=root, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    server = Process("serve", popen, log)
    try:
        try:
            wait_answering(int(target.url.rsplit(":", 1)[1]), process=popen, log=log)
        except RuntimeError as error:
            raise SystemExit(str(error)) from None
        yield target
    finally:
        server.stop()


@contextmanager
def postgres_target(root: Path, postgres_url: str) -> Iterator[Target]:
    """The cluster of scripts/cluster.py, loaded through its nginx."""
    try:
        with running_cluster(postgres_url, root) as cluster:
            cwd = root / "manage"
            cwd.mkdir(exist_ok=True)
            target = Target(
                url=cluster.url,
                database="PostgreSQL cluster (nginx, 2 app servers, 2 workers, Redis)",
                env=cluster.environment(cwd),
                cwd=cwd,
                database_url=cluster.database_url,
            )
            target.manage("demo", "--works", "200", "--seed", "5")
            yield target
    except ClusterError as error:
        raise SystemExit(f"the cluster did not start: {error}") from error


def write_report(results: dict[str, dict[str, Any]]) -> None:
    """Replace the Load section of docs/benchmarks.md (everything from its heading on)."""
    lines = [
        LOAD_HEADING,
        "",
        "`make bench-load` (`bench/load.py`): 200 connections reading (home page, /works/, work",
        "pages, on keep-alive connections, as fast as answers come) and 30 members posting",
        "comments (each from its own loopback address, one every 6 seconds, about the limit of",
        "10 a minute) for 60 seconds; then every comment acknowledged with a redirect is looked",
        "up in the database. SQLite is one `ficarchive serve --with-worker` (2 processes x 4",
        "threads); the PostgreSQL cluster is `scripts/cluster.py` (nginx, two such servers, two",
        "workers, Redis), all on this one machine, clients included.",
        "",
        "**The machine was shared and loaded during these runs** (other engineers' test suites",
        "were running; the load average at the start of each run is given): the figures are",
        "slower than the same code on a quiet machine, and the client threads compete for the",
        "same two cores as the servers.",
        "",
        "| database | date | load average | req/s | read p50 | read p99 | write p50 | write p99 "
        "| answers | writes acknowledged | lost |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results.values():
        statuses = ", ".join(f"{k}: {v}" for k, v in result["statuses"].items())
        lines.append(
            f"| {result['database']} | {result['date']} | {result['load_average']} | "
            f"{result['rps']:.0f} | {result['read_p50_ms']} ms | {result['read_p99_ms']} ms | "
            f"{result['write_p50_ms']} ms | {result['write_p99_ms']} ms | {statuses} | "
            f"{result['writes_acknowledged']} | {result['writes_lost']} |"
        )
    machines = sorted({r["machine"] for r in results.values()})
    lines += ["", f"Machine: {'; '.join(machines)}.", ""]
    for result in results.values():
        bad = {
            k: v
            for k, v in result["statuses"].items()
            if not re.fullmatch(r"(read|write) (2\d\d|3\d\d|429)", k)
        }
        verdict = (
            "no answer but 2xx, 3xx and 429"
            if not bad
            else "unexpected answers: " + ", ".join(f"{k}: {v}" for k, v in bad.items())
        )
        lines.append(
            f"- {result['database']}: {verdict}; {result['writes_lost']} of "
            f"{result['writes_acknowledged']} acknowledged writes lost."
        )
    lines += [
        "",
        "With every client on the same two cores, the servers spend most of the time waiting",
        "for a core: latency is the queue of 230 clients in front of 2 (SQLite) or 4 (cluster)",
        "gunicorn processes of 4 threads, and the cluster, with twice the processes, nginx and",
        "Redis on the same two cores, is not faster here. What it shows is what the cluster",
        "survives; spread over machines, each app server adds its own cores.",
        "",
    ]
    text = REPORT.read_text() if REPORT.exists() else "# Benchmarks\n"
    head = text.split(LOAD_HEADING, 1)[0].rstrip("\n")
    REPORT.write_text(with_marked_sections(text, head + "\n\n" + "\n".join(lines)))


def main() -> int:
    parser = argparse.ArgumentParser(description="Load benchmark: readers and writers at once.")
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--writers", type=int, default=30)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "FICARCHIVE_CLUSTER_POSTGRES", "postgres://postgres@127.0.0.1/postgres"
        ),
        help="PostgreSQL server for the cluster's database (default %(default)s)",
    )
    options = parser.parse_args()
    results: dict[str, dict[str, Any]] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for db in [d.strip() for d in options.db.split(",") if d.strip()]:
        if db not in {"sqlite", "postgres"}:
            parser.error(f"--db {db!r}: use sqlite, postgres or sqlite,postgres")
        with tempfile.TemporaryDirectory(prefix="ficarchive-load-") as tmp:
            root = Path(tmp)
            setup = (
                sqlite_target(root) if db == "sqlite" else postgres_target(root, options.postgres)
            )
            with setup as target:
                print(f"{target.database}: {options.readers} readers, {options.writers} writers,"
                      f" {options.seconds:.0f} s (load average {load_average()})", flush=True)  # fmt: skip
                result = run_load(target, options.seconds, options.readers, options.writers)
        print(json.dumps(result, indent=2), flush=True)
        results[db] = result
        RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
        write_report(results)
    print(f"Wrote {RESULTS.relative_to(ROOT)} and {REPORT.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
