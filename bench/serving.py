"""Waiting for a server the benchmarks started (``ficarchive serve``, nginx) to answer."""

from __future__ import annotations

import http.client
import subprocess
import time
from pathlib import Path


def wait_answering(
    port: int,
    path: str = "/healthz",
    *,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
    timeout: float = 120.0,
) -> None:
    """Return once 127.0.0.1:port answers a GET of ``path`` (any status). Raise RuntimeError,
    with the end of ``log`` when there is one, if ``process`` exits first or nothing answers
    within ``timeout`` seconds."""

    def failure(what: str) -> RuntimeError:
        tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
        return RuntimeError(f"The server on port {port} {what}." + (f"\n{tail}" if tail else ""))

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise failure(f"exited with status {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("GET", path)
                conn.getresponse().read()
            finally:
                conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise failure(f"did not answer within {timeout:.0f} s")
