"""One rule for what a test needs from the machine (Chromium, Java, PostgreSQL, nginx, ...):
without it the test is skipped with the reason (`pytest -ra` prints it) on a developer's
machine, and fails under CI=true, where a skipped suite would report a pass that never
happened."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """Return True when the run is CI's (CI=1, true or yes)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test with `reason`, or fail it under CI."""
    if in_ci():
        pytest.fail(f"{reason}; CI=true, so this is a failure, not a skip.", pytrace=False)
    pytest.skip(reason)
