"""Fixtures for tests that drive a real `ficarchive serve` process over HTTP without a browser:
races (requests sent at the same moment), start-up and stop, health checks.

The server comes from the browser tests' `running_server` (its own data directory, and its own
PostgreSQL database when the run uses PostgreSQL), so these tests run on both databases."""

from __future__ import annotations

import http.client
import http.cookies
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.browser.conftest import PASSWORD, LiveServer, running_server

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Visitor:
    """One visitor's cookies on the live server, and plain HTTP requests that carry them.
    Each request opens its own connection, so threads can share a visitor."""

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    # The local address to send from (any 127.x.y.z on Linux): several "clients" behind a proxy.
    source_address: str | None = None

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        """Send one request; return the status, the headers (lower-case names) and the body."""
        parts = urllib.parse.urlsplit(self.base_url)
        conn = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1",
            parts.port,
            timeout=60,
            source_address=(self.source_address, 0) if self.source_address else None,
        )
        headers = {"Referer": self.base_url + path, "Origin": self.base_url}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
            for value in response.headers.get_all("Set-Cookie") or []:
                jar = http.cookies.SimpleCookie(value)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            return response.status, answer_headers, text
        finally:
            conn.close()

    def csrf_token(self, path: str) -> str:
        """Open a page with a form and return its CSRF token (the cookie is kept)."""
        status, _, text = self.request("GET", path)
        match = CSRF_FIELD.search(text)
        assert match, f"no form with a CSRF token at {path} (status {status})"
        return match.group(1)

    def log_in(self, username: str, password: str = PASSWORD) -> None:
        token = self.csrf_token("/login/")
        status, _, _ = self.request(
            "POST",
            "/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )
        assert status == 302, f"log-in as {username} answered {status}"


@pytest.fixture(scope="session")
def running_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A running server with a tiny demo archive, shared by the live tests."""
    with running_server(
        tmp_path_factory.mktemp("ficarchive-live"), "--works", "2", "--seed", "3"
    ) as server:
        yield server
