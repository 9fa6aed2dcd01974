"""Warm-up at boot: `ficarchive serve` loads the site once before forking its worker
processes (gunicorn's --preload), and this renders the pages readers ask for first (home,
/works/, the newest work) in that parent process. Every worker then starts with the modules
imported, the URL patterns resolved and the templates compiled, so the first reader does not
wait for them (869 ms before this existed; the benchmark's "first request" measures it).

It goes through Django directly, not the page cache: nothing rendered here is kept for
readers. The database connections it opened are closed before the fork, since a connection
must not be shared between processes."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

logger = logging.getLogger("ficarchive.warmup")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def warm_up(app: WSGIApp, host: str) -> list[tuple[str, str]]:
    """Render the first pages through ``app`` as a guest on ``host``; return (path, status)
    of each. Never raises: a failure is logged, and the server starts anyway."""
    from django.contrib.auth.models import AnonymousUser
    from django.db import connections

    from ficarchive.works.models import Work

    done: list[tuple[str, str]] = []
    try:
        paths = ["/", "/works/"]
        newest = (
            Work.objects.visible_to(AnonymousUser())
            .posted()
            .order_by("-pk")
            .values_list("pk", flat=True)[:1]
        )
        paths += [f"/works/{pk}/" for pk in newest]
        for path in paths:
            done.append((path, _get(app, host, path)))
    except Exception:
        logger.exception("Warm-up failed; the server starts anyway.")
    finally:
        connections.close_all()
    return done


def _get(app: WSGIApp, host: str, path: str) -> str:
    from ficarchive.works.hits import WARMUP

    name, _, port = host.rpartition(":") if ":" in host else (host, "", "80")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": name or host,
        "SERVER_PORT": port or "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        WARMUP: True,
    }
    status, _, _ = call(app, environ)
    return status


def call(app: WSGIApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call a WSGI application as a server does: return the status line, the headers and
    the whole body, the response closed."""
    seen: list[Any] = ["", []]

    def start_response(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen[:] = [code, headers]
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return seen[0], seen[1], body
