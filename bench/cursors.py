"""The API's cursor pagination against page numbers, deep in a large listing.

    python -m bench.cursors                      # 100,000 works on SQLite
    python -m bench.cursors --size 10000 --requests 20

Builds (or reuses) a demo archive of `--size` works with `ficarchive demo` in `--scratch`, then
asks GET /api/v1/works/ in-process (Django's test client: no HTTP, the same views, middleware
and database) for twenty works: the first page; a page by number near the end (an OFFSET the
database walks through); and the page after a cursor naming a work near the end (an index
seek). Each is asked `--requests` times after warm-up; the median and p95 go to
bench/cursors-results.json. Not run in CI; tests never assert times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "cursors-results.json"
PER_PAGE = 20


def build(directory: Path, size: int) -> str:
    stamp = directory / "params.json"
    params = {"size": size, "seed": 1}
    if stamp.exists() and json.loads(stamp.read_text()) == params:
        return "reused from an earlier run"
    directory.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FICARCHIVE_DATA_DIR": str(directory)}
    start = time.perf_counter()
    command = [sys.executable, "-m", "ficarchive", "demo", "--works", str(size), "--seed", "1"]
    subprocess.run(command, env=env, check=True, cwd=directory)
    stamp.write_text(json.dumps(params))
    return f"built by `ficarchive demo` in {time.perf_counter() - start:.0f} s"


def measure(client: Any, url: str, requests: int) -> dict[str, float]:
    for _ in range(3):
        response = client.get(url, HTTP_HOST="localhost")
        assert response.status_code == 200, (url, response.content[:300])
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url, HTTP_HOST="localhost")
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument(
        "--scratch", type=Path, default=Path(tempfile.gettempdir()) / "ficarchive-bench-cursors"
    )
    args = parser.parse_args()
    directory = args.scratch / f"sqlite-{args.size}"
    how = build(directory, args.size)

    os.environ["FICARCHIVE_DATA_DIR"] = str(directory)
    os.environ["FICARCHIVE_API_RATE_LIMITS"] = "off"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ficarchive.settings")
    import django

    django.setup()
    from django.test import Client

    from ficarchive.api.cursors import Cursor, encode
    from ficarchive.works.models import Work

    client = Client()
    cases: dict[str, Any] = {}
    for sort, field, descending in (
        ("updated", "updated_at", True),
        ("kudos", "kudos_count", True),
    ):
        base = f"/api/v1/works/?sort={sort}&per_page={PER_PAGE}"
        count = client.get(base, HTTP_HOST="localhost").json()["count"]
        last_page = max(1, count // PER_PAGE)
        ordering = (f"-{field}", "-pk") if descending else (field, "pk")
        # The work just before the last page, by the listing's own visibility and order.
        listing = Work.objects.visible_to(_guest()).posted().order_by(*ordering)
        pk, value = listing.values_list("pk", field)[(last_page - 1) * PER_PAGE - 1]
        deep = encode(Cursor(sort, value, pk))
        cases[sort] = {
            "works listed": count,
            "first page": measure(client, base, args.requests),
            f"page {last_page} by number": measure(
                client, f"{base}&page={last_page}", args.requests
            ),
            f"page {last_page} by cursor": measure(client, f"{base}&cursor={deep}", args.requests),
        }
    result = {
        "date": dt.date.today().isoformat(),
        "size": args.size,
        "database": "sqlite",
        "archive": how,
        "requests": args.requests,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "cases": cases,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def _guest() -> Any:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


if __name__ == "__main__":
    main()
