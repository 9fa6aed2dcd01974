"""Guests' pages against nginx: requests per second of `ficarchive serve` as it ships and of
nginx serving the very same bytes as a static file, side by side in one run (wrk, 8
connections), on the 20,000-work demo archive.

    python -m bench.pages                       # make bench-pages
    python -m bench.pages --seconds 5 --scratch /tmp/pages

The archive is built once with `ficarchive demo --works 20000` in the scratch directory and
reused. For each case the page is fetched once (so the page cache holds it), saved for nginx,
then wrk runs against ficarchive and against nginx for `--seconds` each. wrk sends no cookie,
so every answer is a first visit's: a new CSRF secret, its cookie, and the page's forms filled
with it (the harder case); `--cookie` measures returning guests instead.

Also measured: the first request after `serve` starts (the warm-up at boot, core/warmup.py)
against the median of the next ten, and each server process's memory (RSS) after the run.
Needs wrk and nginx (Debian's packages). Writes bench/pages-results.json and its section of
docs/benchmarks.md. Not run in CI."""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.report import write_section
from bench.run import free_port, load_average, machine_line
from bench.serving import wait_answering

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "pages-results.json"
SIZE = 20_000
NGINX = "/usr/sbin/nginx"
WRK = "/usr/bin/wrk"
PAGE_TARGET = 0.10  # of nginx's requests per second, for work and chapter pages
LISTING_TARGET = 0.05  # for listings


def env(directory: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FICARCHIVE_DATA_DIR": str(directory),
        "DJANGO_SETTINGS_MODULE": "ficarchive.settings",
    }


def build(directory: Path) -> None:
    if (directory / "ficarchive.sqlite3").exists():
        return
    print(f"Building the {SIZE:,}-work demo archive in {directory} (a few minutes)...")
    subprocess.run(
        [sys.executable, "-m", "ficarchive", "demo", "--works", str(SIZE)],
        env=env(directory),
        check=True,
    )


def cases(directory: Path) -> list[tuple[str, str, str, float]]:
    """(name, description, path, target) of each case, from the archive's own data."""
    script = (
        "import django, json; django.setup()\n"
        "from ficarchive.works.models import Work, Status\n"
        "from ficarchive.demo import shapes\n"
        "w = Work.objects.filter(status=Status.POSTED, hidden=False, restricted=False, "
        "rating__in=['general', 'teen'], chapter_count__gte=3, chapter_count__lte=8)"
        ".order_by('pk').values_list('pk', 'chapter_count', 'word_count').first()\n"
        "print(json.dumps([w, shapes.FANDOMS[0].name]))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script],
        env=env(directory),
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    (work_id, chapters, words), fandom = json.loads(found.stdout)
    tag = f"/tags/{quote(fandom, safe='')}/works/"
    return [
        (
            "work",
            f"work page ({chapters} chapters, {words:,} words)",
            f"/works/{work_id}/",
            PAGE_TARGET,
        ),
        ("chapter", "chapter 2 of the same work", f"/works/{work_id}/chapters/2/", PAGE_TARGET),
        ("works", "/works/ (newest first)", "/works/", LISTING_TARGET),
        ("fandom", f"a fandom's works ({fandom})", tag, LISTING_TARGET),
        (
            "filtered",
            "a filtered listing (rating teen, complete, sort by kudos)",
            "/works/?rating=teen&complete=1&sort=kudos",
            LISTING_TARGET,
        ),
    ]


def _get(port: int, path: str) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, time.perf_counter() - started


@contextmanager
def serving(directory: Path) -> Iterator[tuple[int, subprocess.Popen[bytes], float]]:
    """`ficarchive serve` as it ships; yields its port, process and the first request's ms."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ficarchive", "serve", "--port", str(port)],
        env=env(directory),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        first = None
        for _ in range(600):
            try:
                # The first request a reader makes: a work page nobody has asked for yet.
                _, _, seconds = _get(port, "/works/3/")
                first = seconds * 1000
                break
            except OSError:
                time.sleep(0.1)
        if first is None:
            raise RuntimeError("ficarchive serve did not answer within a minute.")
        yield port, server, first
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def nginx(root: Path) -> Iterator[int]:
    port = free_port()
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    conf = root / "nginx.conf"
    temp = "".join(
        f"  {kind}_temp_path {root / 'tmp'};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf.write_text(
        f"worker_processes 2;\npid {root}/nginx.pid;\nerror_log {root}/error.log;\n"
        "daemon off;\nevents { worker_connections 1024; }\n"
        f"http {{\n  access_log off;\n{temp}"
        f"  server {{ listen 127.0.0.1:{port}; root {root}/www;"
        " location / { default_type text/html; } }\n}\n"
    )
    process = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(root)])
    try:
        wait_answering(port, "/missing", process=process, timeout=5)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def wrk(url: str, seconds: int, cookie: str | None) -> dict[str, float]:
    command = [WRK, "-t2", "-c8", f"-d{seconds}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": rps,
        "non_2xx": float(errors.group(1)) if errors else 0.0,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else 0.0,
    }


def rss_mb(server: subprocess.Popen[bytes]) -> list[float]:
    """Resident memory of the server's processes (gunicorn's master and workers), in MB."""
    found = subprocess.run(
        ["ps", "-o", "rss=", "--ppid", str(server.pid)], capture_output=True, text=True
    ).stdout.split()
    own = subprocess.run(
        ["ps", "-o", "rss=", "-p", str(server.pid)], capture_output=True, text=True
    ).stdout.split()
    return [round(int(kb) / 1024, 1) for kb in own + found]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--scratch", type=Path, default=Path(tempfile.gettempdir()) / "ficarchive-bench"
    )
    parser.add_argument("--seconds", type=int, default=10, help="wrk's run per server (10).")
    parser.add_argument(
        "--cookie", action="store_true", help="Send a CSRF cookie (returning guests)."
    )
    args = parser.parse_args()
    for tool in (NGINX, WRK):
        if not Path(tool).exists():
            print(f"{tool} is missing: install Debian's nginx and wrk packages.", file=sys.stderr)
            return 2
    directory = args.scratch / f"sqlite-{SIZE}-pages"
    build(directory)
    measured = cases(directory)
    started = dt.datetime.now(dt.UTC)
    load = load_average()
    www = args.scratch / "nginx-pages"
    shutil.rmtree(www, ignore_errors=True)
    (www / "www").mkdir(parents=True)
    rows: list[dict[str, Any]] = []
    cookie = "csrftoken=" + "a" * 32 if args.cookie else None
    with serving(directory) as (port, server, first_ms):
        later = [_get(port, f"/works/{n}/")[2] * 1000 for n in range(4, 14)]
        for name, _label, path, _target in measured:
            for _ in range(3):  # the page cache of each process holds it now
                body = _get(port, path)[1]
            (www / "www" / f"{name}.html").write_bytes(body)
        with nginx(www) as nginx_port:
            for name, label, path, target in measured:
                print(f"{label}: ficarchive...", flush=True)
                ours = wrk(f"http://127.0.0.1:{port}{path}", args.seconds, cookie)
                print(f"{label}: nginx...", flush=True)
                theirs = wrk(f"http://127.0.0.1:{nginx_port}/{name}.html", args.seconds, cookie)
                share = ours["rps"] / theirs["rps"]
                rows.append(
                    {
                        "case": name,
                        "label": label,
                        "path": path,
                        "bytes": (www / "www" / f"{name}.html").stat().st_size,
                        "rps": ours["rps"],
                        "p99_ms": ours["p99_ms"],
                        "non_2xx": ours["non_2xx"],
                        "nginx_rps": theirs["rps"],
                        "share": share,
                        "target": target,
                        "met": share >= target,
                    }
                )
                print(
                    f"  {ours['rps']:,.0f} req/s against nginx's {theirs['rps']:,.0f}: {share:.1%}"
                )
        memory = rss_mb(server)
    result = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "load": load,
        "load_after": load_average(),
        "machine": machine_line(),
        "command": "python -m bench.pages" + (" --cookie" if args.cookie else ""),
        "seconds": args.seconds,
        "first_ms": round(first_ms, 1),
        "later_ms": round(statistics.median(later), 1),
        "rss_mb": memory,
        "rows": rows,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    write_section("pages", report(result))
    print(f"Wrote {RESULTS.relative_to(ROOT)} and docs/benchmarks.md.")
    return 0


def report(r: dict[str, Any]) -> str:
    lines = [
        "## Guests' pages against nginx (page cache)",
        "",
        f"`{r['command']}` (`make bench-pages`), {r['date']}; load average {r['load']} at the "
        f"start, {r['load_after']} at the end. Machine: {r['machine']}.",
        "",
        f"The {SIZE:,}-work demo archive, served by `ficarchive serve` as it ships (gunicorn, "
        "2 processes × 4 threads, the page cache on), and the same bytes served by nginx "
        f"(2 workers) as static files; wrk with 2 threads and 8 connections, {r['seconds']} s "
        "each, one after the other on the same machine (wrk, the server and nginx share its "
        "cores). wrk sends no cookie"
        + (" but a CSRF cookie (returning guests)" if "cookie" in r["command"] else "")
        + ", so each answer of ficarchive carries a new visitor's CSRF secret and cookie.",
        "",
        "| case | path | bytes | ficarchive req/s | p99 ms | nginx req/s | share | target | |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in r["rows"]:
        lines.append(
            f"| {row['label']} | `{row['path']}` | {row['bytes']:,} | {row['rps']:,.0f} | "
            f"{row['p99_ms']:.1f} | {row['nginx_rps']:,.0f} | {row['share']:.1%} | "
            f"{row['target']:.0%} | {'met' if row['met'] else '**missed**'} |"
        )
    lines += [
        "",
        f"- First request after `serve` started (a work page no one had asked for): "
        f"{r['first_ms']} ms; the median of the next ten (other works, also uncached): "
        f"{r['later_ms']} ms. The pages are rendered once before the workers fork "
        "(core/warmup.py).",
        f"- Memory after the run (RSS, MB): {', '.join(str(m) for m in r['rss_mb'])} "
        "(gunicorn's master, then its workers; each worker's page cache is at most "
        "FICARCHIVE_PAGE_CACHE_MB, 64 by default).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
