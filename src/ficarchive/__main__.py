"""The `ficarchive` command: every Django management command, plus serve, import, demo."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command named on the command line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ficarchive.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "ficarchive"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
