"""Schemathesis against the API on a live server: a real `ficarchive serve` (with demo data,
on its own database: PostgreSQL when the run uses PostgreSQL) and the `st` command line,
generating requests from /api/v1/openapi.json for every operation, writes included (with a
real token), and checking every answer: no server errors, documented status codes, content
types, headers and response schemas, invalid requests rejected, undocumented methods
answered 405, and authentication enforced where the document says so.

Two settings of the run, and why:
- `positive_data_acceptance` is off: a request that fits the schema may still name a tag or
  work that does not exist, or a tag name the archive refuses, and the API answers 400 or 404
  by design (the document cannot list which names exist).
- 413 and 414 count as rejections of invalid data: a body over the API's limit is refused
  with 413, and a URL over 4 KB by the HTTP server itself with 414.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import running_server
from tests.ci import skip_or_fail

MAX_EXAMPLES = 20
CONFIG = """
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415",
                     "422", "428", "429"]
"""


def _st() -> Path | None:
    path = Path(sys.executable).parent / "st"
    return path if path.exists() else None


def test_schemathesis_finds_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st = _st()
    if st is None:
        skip_or_fail("schemathesis is not installed (pip install -e '.[dev]')")
    # The run sends thousands of requests: the server's API rate limits would answer 429.
    monkeypatch.setenv("FICARCHIVE_API_RATE_LIMITS", "off")
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    with running_server(data_dir, "--works", "8", "--seed", "3") as server:
        token = server.manage("api-token", "demo", "--name", "schemathesis").stdout.strip()
        result = subprocess.run(
            [
                str(st), "--config-file", str(config), "run",
                f"{server.url}/api/v1/openapi.json",
                "--checks", "all",
                "--exclude-checks", "positive_data_acceptance",
                "--max-examples", str(MAX_EXAMPLES),
                "--seed", "20261125",
                "--header", f"Authorization: Bearer {token}",
                "--wait-for-schema", "30",
                "--request-timeout", "60",
                "--no-color",
            ],
            cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        server.check_running()
    report = result.stdout[-12_000:] + result.stderr[-3_000:]
    assert result.returncode == 0, f"schemathesis found problems:\n{report}"
    selected = re.search(r"Operations:\s+(\d+) selected / (\d+) total", result.stdout)
    assert selected is not None and selected[1] == selected[2] and int(selected[1]) >= 18, report
