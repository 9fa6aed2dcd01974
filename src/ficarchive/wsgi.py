"""WSGI entry point used by `ficarchive serve` (gunicorn) and any other WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ficarchive.settings")
django_application = get_wsgi_application()

from ficarchive.core import pagecache  # noqa: E402 (needs the settings loaded above)

# Guests' work pages and listings are served from memory (core/pagecache.py).
application = pagecache.wrap(django_application)

if os.environ.get("FICARCHIVE_WARMUP_HOST"):  # set by `ficarchive serve` (core/warmup.py)
    from ficarchive.core.warmup import warm_up

    warm_up(django_application, os.environ["FICARCHIVE_WARMUP_HOST"])
