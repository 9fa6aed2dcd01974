"""Fixtures for the browser tests: a real `ficarchive serve` process, headless Chromium, and
helpers that act as a person would (sign up, log in, post) through the site's own forms.

The server runs in its own process on its own database: a fresh PostgreSQL database when the
test run uses PostgreSQL (FICARCHIVE_DATABASE_URL=postgres://...), else SQLite in a temporary
data directory. The test process never touches that database through Django; set-up the UI
cannot do quickly goes through `python -m ficarchive ...` (see LiveServer.manage).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from scripts.cluster import fresh_database
from tests.ci import skip_or_fail

# Playwright's sync API runs an event loop in this thread; Django (loaded by pytest-django for
# the rest of the suite) would otherwise refuse any ORM call made while it runs.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple 42"
STARTUP_TIMEOUT = 60.0
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_CHROMIUM = "Debian's chromium is not installed (apt-get install chromium)"
WORK_URL = re.compile(r"/works/(\d+)/$")
ACCESS_LOG_LINE = re.compile(r'^\S+ - \S+ \[[^]]+\] "')
# Runs before the page's own scripts (and outside its CSP): reports every CSP violation the
# page causes on the console, where ConsoleLog sees it, even those Chromium does not print.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " +
    (event.blockedURI || "inline code") + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""

expect.set_options(timeout=10_000)

_server_logs: list[Path] = []


def _chromium_path() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="session", autouse=True)
def chromium_executable() -> str:
    """Return the path of Debian's chromium; skip the browser tests without it (fail in CI,
    where a skipped browser suite would report a pass that never happened)."""
    path = _chromium_path()
    if path is None:
        skip_or_fail(NO_CHROMIUM)
    return path


# --- the server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _is_postgres(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"}


@contextmanager
def _server_database(test_database_url: str) -> Iterator[str]:
    """Yield the FICARCHIVE_DATABASE_URL for the server: a new, empty PostgreSQL database on the
    test run's PostgreSQL server (dropped afterwards), or "" (SQLite in the data directory)."""
    if not _is_postgres(test_database_url):
        yield ""
        return
    with fresh_database(test_database_url, "ficarchive_e2e") as url:
        yield url


@dataclass(frozen=True)
class LiveServer:
    """A running `ficarchive serve` and the environment that reaches its database."""

    url: str
    env: dict[str, str]
    data_dir: Path
    log: Path
    database: str
    process: subprocess.Popen[bytes]

    def check_running(self) -> None:
        """Fail the test with the server's log if the server has exited."""
        code = self.process.poll()
        if code is not None:
            pytest.fail(
                f"`ficarchive serve` exited (code {code}) in the middle of the session:\n"
                f"{_log_tail(self.log)}",
                pytrace=False,
            )

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `python -m ficarchive ARGS` on the server's database and return the finished
        process; fail the test with the command's output when it exits non-zero."""
        return _ficarchive(self.env, self.data_dir, *args)

    def shell(self, code: str) -> str:
        """Run Python code in `ficarchive shell -c` (Django set up) and return what it printed."""
        return self.manage("shell", "-c", code).stdout


def _ficarchive(
    env: dict[str, str], cwd: Path, *args: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "ficarchive", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`ficarchive {' '.join(args)}` exited with {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return result


def _log_tail(path: Path, lines: int = 60) -> str:
    """Return the last lines of the server's log, leaving out gunicorn's access log lines."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    kept = [line for line in text.splitlines() if not ACCESS_LOG_LINE.match(line)]
    return "\n".join(kept[-lines:])


def _wait_until_answering(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        code = process.poll()
        if code is not None:
            pytest.fail(
                f"`ficarchive serve` exited with code {code} before answering:\n{_log_tail(log)}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 (our own http URL)
                return
        except urllib.error.HTTPError:
            return  # It answered; the tests say whether the answer is right.
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(
                f"`ficarchive serve` did not answer at {url} within {STARTUP_TIMEOUT:.0f} s:\n"
                f"{_log_tail(log)}",
                pytrace=False,
            )
        time.sleep(0.2)  # Nothing to wait on but the port: poll it.


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=25)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def running_server(data_dir: Path, *demo_args: str) -> Iterator[LiveServer]:
    """Start `python -m ficarchive serve` on a free port with its own data directory and
    database, filled by `ficarchive demo DEMO_ARGS`; yield it once it answers; stop it (and
    drop its database) at the end."""
    log = data_dir / "serve.log"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with _server_database(os.environ.get("FICARCHIVE_DATABASE_URL", "")) as database_url:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"FICARCHIVE_DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        }
        env.update(
            FICARCHIVE_DATA_DIR=str(data_dir),
            DJANGO_SETTINGS_MODULE="ficarchive.settings",
            PYTHONUNBUFFERED="1",
            # gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/): keep
            # this server's private, so no other gunicorn on the host unlinks or drives it.
            XDG_RUNTIME_DIR=str(data_dir),
            # Every test signs up from 127.0.0.1: far more than a person's 5 an hour.
            FICARCHIVE_RATE_LIMITS="signup=address:1000/3600",
        )
        if database_url:
            env["FICARCHIVE_DATABASE_URL"] = database_url
        # Demo works first (the command migrates, and refuses an archive that has works), so
        # listings and the accessibility checks have realistic content to show.
        _ficarchive(env, data_dir, "demo", *demo_args, timeout=600)
        argv = [
            sys.executable, "-m", "ficarchive", "serve",
            "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
            # One background worker beside the server: notifications are background tasks.
            "--with-worker",
        ]  # fmt: skip
        with log.open("wb") as out:
            process = subprocess.Popen(
                argv, env=env, cwd=data_dir, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        _server_logs.append(log)
        try:
            _wait_until_answering(process, url + "/", log)
            yield LiveServer(
                url=url,
                env=env,
                data_dir=data_dir,
                log=log,
                database="PostgreSQL" if database_url else "SQLite",
                process=process,
            )
        finally:
            _stop(process)


@pytest.fixture(scope="session")
def ficarchive_server(
    tmp_path_factory: pytest.TempPathFactory, chromium_executable: str
) -> Iterator[LiveServer]:
    """The server most browser tests share: a small demo archive (8 works)."""
    with running_server(
        tmp_path_factory.mktemp("ficarchive-e2e"), "--works", "8", "--seed", "2"
    ) as server:
        yield server


@pytest.fixture(scope="session")
def live_server_url(ficarchive_server: LiveServer) -> str:
    """Return the base URL of the running server, without a trailing slash."""
    return ficarchive_server.url


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, Any]:
    """Attach the end of the server's log to a failing browser test: a 500's traceback is
    there, not in the browser."""
    report = yield
    if report.failed and _server_logs and item.get_closest_marker("browser"):
        report.sections.append(("ficarchive serve log (last lines)", _log_tail(_server_logs[-1])))
    return report


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium_executable: str) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield chromium
    finally:
        chromium.close()


@dataclass
class ConsoleLog:
    """Console errors and uncaught page errors seen in a test's browser contexts."""

    errors: list[str] = field(default_factory=list)

    def record_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def record_page_error(self, error: Error) -> None:
        self.errors.append(f"uncaught: {error.message}")

    @property
    def csp_violations(self) -> list[str]:
        """Return the messages where Chromium refused something under the CSP."""
        markers = ("Refused to", "Content Security Policy", "CSP violation")
        return [e for e in self.errors if any(marker in e for marker in markers)]


@pytest.fixture
def console_log() -> ConsoleLog:
    return ConsoleLog()


NewContext = Callable[..., BrowserContext]


@pytest.fixture
def new_context(
    browser: Browser, ficarchive_server: LiveServer, console_log: ConsoleLog
) -> Iterator[NewContext]:
    """Return a factory of fresh browser contexts (own cookies: a new visitor each), with
    relative URLs resolved against the server. Any CSP violation in them fails the test."""
    ficarchive_server.check_running()
    live_server_url = ficarchive_server.url
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("base_url", live_server_url)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        context.on("console", console_log.record_console)
        context.on("page", lambda page: page.on("pageerror", console_log.record_page_error))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not console_log.csp_violations, (
        "The Content-Security-Policy blocked something:\n" + "\n".join(console_log.csp_violations)
    )


@pytest.fixture
def page(new_context: NewContext) -> Page:
    """Return a page in a fresh browser context (a visitor with no cookies)."""
    return new_context().new_page()


# --- acting as a person ----------------------------------------------------------------------


def label(text: str) -> re.Pattern[str]:
    """Return a pattern for page.get_by_label() matching a field's visible label exactly, with or
    without the ":" Django puts after it ("Title" finds "Title:" but not "Chapter title:")."""
    return re.compile(rf"^{re.escape(text)}:?$")


@dataclass(frozen=True)
class Account:
    username: str
    email: str
    password: str = PASSWORD


def unique_username(prefix: str) -> str:
    """Return a username no other test uses on the shared server (letters, digits, _)."""
    return f"{prefix}_{secrets.token_hex(4)}"


SignUp = Callable[[Page, str], Account]
LogIn = Callable[[Page, Account], None]


@pytest.fixture
def sign_up() -> SignUp:
    """Return sign_up(page, prefix): create an account through the sign-up form; the page is
    then logged in as it."""

    def sign_up(page: Page, prefix: str) -> Account:
        account = Account(unique_username(prefix), f"{prefix}-{secrets.token_hex(4)}@example.org")
        page.goto("/signup/")
        page.get_by_label(label("Username")).fill(account.username)
        page.get_by_label(label("Email")).fill(account.email)
        page.get_by_label(label("Password")).fill(account.password)
        page.get_by_label(label("Password again")).fill(account.password)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_text(f"Welcome, {account.username}!")).to_be_visible()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        return account

    return sign_up


@pytest.fixture
def log_in() -> LogIn:
    """Return log_in(page, account): fill the log-in form the page is on (or open /login/)."""

    def log_in(page: Page, account: Account) -> None:
        if "/login/" not in page.url:
            page.goto("/login/")
        page.get_by_label(label("Username")).fill(account.username)
        page.get_by_label(label("Password")).fill(account.password)
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

    return log_in


@dataclass(frozen=True)
class WorkOnSite:
    id: int
    title: str

    @property
    def path(self) -> str:
        return f"/works/{self.id}/"


def work_id_of(url: str) -> int:
    """Return the work id in a /works/<id>/ URL."""
    match = WORK_URL.search(urllib.parse.urlsplit(url).path)
    assert match, f"expected a work page, got {url}"
    return int(match.group(1))


PostWork = Callable[..., WorkOnSite]


@pytest.fixture
def post_work() -> PostWork:
    """Return post_work(page, title, text, *, fandoms, fields, restricted, draft, rating,
    warning): fill the posting form of a logged-in page (`fields` maps more text fields' labels
    to values) and post it, or save it as a draft; the page is then on the work. The work is
    rated General Audiences (no adult content notice for its readers) and carries "No Archive
    Warnings Apply" (posting needs a warning) unless `rating` and `warning` say otherwise."""

    def post_work(
        page: Page,
        title: str,
        text: str,
        *,
        fandoms: str = "Original Work",
        fields: dict[str, str] | None = None,
        restricted: bool = False,
        draft: bool = False,
        rating: str = "general",
        warning: str = "No Archive Warnings Apply",
    ) -> WorkOnSite:
        page.goto("/works/new/")
        page.get_by_label(label("Title")).fill(title)
        page.get_by_label(label("Rating")).select_option(rating)
        page.get_by_label(warning, exact=True).check()
        page.get_by_label(label("Fandoms")).fill(fandoms)
        for name, value in (fields or {}).items():
            page.get_by_label(label(name)).fill(value)
        page.get_by_label(label("Work text")).fill(text)
        if restricted:
            page.get_by_label(label("Only registered users can read this work")).check()
        button = "Save as draft" if draft else "Post"
        page.get_by_role("button", name=button, exact=True).click()
        page.wait_for_url(WORK_URL)
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        return WorkOnSite(work_id_of(page.url), title)

    return post_work


def proceed_past_adult_notice(page: Page) -> None:
    """Click Proceed when the page is the adult content notice (Mature, Explicit and Not Rated
    works show it first, once a session), so a test reaches the work itself."""
    proceed = page.locator(".adult-notice").get_by_role("link", name="Proceed")
    if proceed.count():
        proceed.click()
        expect(page.locator(".adult-notice")).to_have_count(0)
