"""Telling the operator when the app sits behind a proxy it does not trust.

With FICARCHIVE_TRUSTED_PROXIES=0 (the default) the client's address is the connection's
(REMOTE_ADDR). Behind a proxy that is the proxy's address for every reader, so the log-in
throttle and the rate limits would count everyone as one client. A request carrying
X-Forwarded-For is the sign of a proxy: the middleware logs a warning once per process, and
`ficarchive check --deploy` warns when HTTPS is handed over by a proxy that is not trusted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("ficarchive.proxy")

HINT = (
    "Set FICARCHIVE_TRUSTED_PROXIES to the number of proxies in front of the app (1 for one "
    "reverse proxy), so that log-in throttling and rate limits see each reader's address "
    "rather than the proxy's."
)


class ProxyHeaderWarningMiddleware:
    """Log once per process when a request carries X-Forwarded-For but no proxy is trusted."""

    warned: ClassVar[bool] = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not ProxyHeaderWarningMiddleware.warned
            and "HTTP_X_FORWARDED_FOR" in request.META
            and settings.TRUSTED_PROXIES == 0
        ):
            ProxyHeaderWarningMiddleware.warned = True
            logger.warning(
                "(ficarchive.W002) Requests arrive with an X-Forwarded-For header, but "
                "FICARCHIVE_TRUSTED_PROXIES is 0: every reader is counted as the proxy's "
                "address %s. %s",
                request.META.get("REMOTE_ADDR", "?"),
                HINT,
            )
        return self.get_response(request)


@register(Tags.security, deploy=True)
def check_trusted_proxies(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn (check --deploy) when HTTPS comes through a proxy but no proxy is trusted."""
    if settings.TRUSTED_PROXIES == 0 and getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return [
            CheckWarning(
                "FICARCHIVE_HTTPS is on (a proxy hands HTTPS over) but "
                "FICARCHIVE_TRUSTED_PROXIES is 0: every reader would share the proxy's address "
                "in log-in throttling and rate limits.",
                hint=HINT,
                id="ficarchive.W001",
            )
        ]
    return []
