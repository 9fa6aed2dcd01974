"""Benchmarks: build a demo archive in a scratch directory, serve it with `ficarchive serve`,
and measure over HTTP; time the text pipeline and the importers. Writes docs/benchmarks.md.

Run with `make bench` (or `python -m bench.run --works 500`). Not run in CI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.client
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORIES = ROOT.parent / "shared" / "stories"
REPORT = ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    """Return a one-line description of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(re.findall(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[0])
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, IndexError, ValueError):
        mem = "memory unknown"
    return f"{os.cpu_count()} cores ({cpu}), {mem}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(port: int, path: str, requests: int, threads: int) -> dict[str, float]:
    """Return p50/p95 latency (ms) of sequential requests and requests/s with `threads` clients."""
    latencies: list[float] = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(requests):
        start = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
    connection.close()
    done = 0
    lock = threading.Lock()

    def client() -> None:
        nonlocal done
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(requests // threads):
            conn.request("GET", path)
            conn.getresponse().read()
            with lock:
                done += 1
        conn.close()

    start = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    return {
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "rps": done / elapsed,
    }


def timed(function: Callable[[], object], repeat: int = 5) -> float:
    """Return the best of `repeat` runs of function, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def pipeline_figures() -> list[tuple[str, float]]:
    """Return (label, ms) for the text pipeline and the importers."""
    from ficarchive.formats.importers import parse_file
    from ficarchive.text import render_text

    paragraph = (
        "Julia didn`t look back. The rain came down on the dome, and Spike said nothing at all, "
        "which for him was a kind of answer.\n\n"
    )
    long_text = (paragraph * (510_000 // len(paragraph)))[:509_000]
    figures = [
        (
            "render_text, plain text, 509,000 characters",
            timed(lambda: render_text(long_text, "text"), 3),
        ),
        (
            "render_text, Markdown, 509,000 characters",
            timed(lambda: render_text(long_text, "markdown"), 3),
        ),
    ]
    html = render_text(long_text, "text").html
    figures.append(
        (
            "render_text, HTML (re-sanitize), same chapter",
            timed(lambda: render_text(html, "html"), 3),
        )
    )
    for path in sorted(STORIES.glob("*")):
        if path.suffix in {".txt", ".md"} and path.name != "README.md":
            data = path.read_bytes()
            figures.append(
                (
                    f"parse_file {path.name} ({len(data):,} bytes)",
                    timed(functools.partial(parse_file, data, filename=path.name)),
                )
            )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--works", type=int, default=500, help="Demo works to build (default 500).")
    parser.add_argument(
        "--requests", type=int, default=200, help="Requests per page (default 200)."
    )
    parser.add_argument(
        "--threads", type=int, default=4, help="Concurrent clients for req/s (default 4)."
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2).")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="ficarchive-bench-"))
    env = {**os.environ, "FICARCHIVE_DATA_DIR": str(scratch)}
    env.pop("FICARCHIVE_DATABASE_URL", None)
    os.environ.update(
        {"FICARCHIVE_DATA_DIR": str(scratch), "DJANGO_SETTINGS_MODULE": "ficarchive.settings"}
    )
    os.environ.pop("FICARCHIVE_DATABASE_URL", None)
    print(f"Building a demo archive of {args.works} works in {scratch} ...", flush=True)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ficarchive", "demo", "--works", str(args.works)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    build_seconds = time.perf_counter() - start

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ficarchive",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(120):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
                break
            except OSError:
                time.sleep(0.5)
        import django

        django.setup()
        from ficarchive.tags.models import Tag, TagType
        from ficarchive.works.models import Work

        work = Work.objects.posted().filter(restricted=False).order_by("-word_count").first()
        fandom = Tag.objects.filter(type=TagType.FANDOM).order_by("name").first()
        assert work is not None and fandom is not None
        from urllib.parse import quote

        from ficarchive.tags.urlnames import tag_to_url

        pages = {
            "home page `/`": "/",
            "work list `/works/`": "/works/",
            "work list, page 10": "/works/?page=10",
            f"work page (longest work, {work.word_count:,} words, chapter 1)": f"/works/{work.pk}/",
            "entire work, same work": f"/works/{work.pk}/full/",
            "fandom tag works listing": f"/tags/{quote(tag_to_url(fandom.name))}/works/",
            "full-text search, two words": "/works/?q=stone+bridge",
            "full-text search, a phrase": "/works/?q=%22the+door%22",
            "EPUB download (cached after the first)": f"/works/{work.pk}/download/epub/",
        }
        http_rows = []
        for label, path in pages.items():
            measure(port, path, 10, 1)  # warm up
            figures = measure(port, path, args.requests, args.threads)
            http_rows.append((label, figures))
            print(
                f"{label}: p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, {figures['rps']:.0f} req/s",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)

    text_rows = pipeline_figures()
    for label, ms in text_rows:
        print(f"{label}: {ms:.1f} ms")

    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    lines = [
        "# Benchmarks",
        "",
        "Measured by `make bench` (`bench/run.py`), which builds a demo archive in a scratch",
        "directory, starts `ficarchive serve` (gunicorn) and measures over HTTP on loopback:",
        f"p50/p95 of {args.requests} sequential requests per page, then requests per second with",
        f"{args.threads} concurrent clients. Not run in CI; tests never assert times.",
        "",
        f"## {today}: SQLite, {args.works} demo works",
        "",
        f"Machine: {machine()}. Server: {args.workers} gunicorn workers x 4 threads.",
        f"Demo archive built in {build_seconds:.1f} s.",
        "",
        "| page | p50 ms | p95 ms | req/s |",
        "| --- | ---: | ---: | ---: |",
        *[
            f"| {label} | {f['p50']:.1f} | {f['p95']:.1f} | {f['rps']:.0f} |"
            for label, f in http_rows
        ],
        "",
        "| text pipeline and importers (best of runs) | ms |",
        "| --- | ---: |",
        *[f"| {label} | {ms:.1f} |" for label, ms in text_rows],
        "",
    ]
    REPORT.write_text("\n".join(lines))
    print(f"Wrote {REPORT.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
