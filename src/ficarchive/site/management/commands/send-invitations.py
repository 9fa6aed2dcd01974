"""`ficarchive send-invitations [--count N]`: send invitations from the queue, oldest first
(for a cron job; the worker can also send a number each day, see /staff/settings/)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ficarchive.site import actions, conf


class Command(BaseCommand):
    help = "Send invitations to the oldest addresses in the invitation queue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--count", type=int, help="How many (default: the invitations per day setting)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        if count is None:
            count = conf.load().invitations_per_day
            if not count:
                raise CommandError(
                    "Give --count N: the invitations per day setting is 0 (/staff/settings/)."
                )
        try:
            made = actions.send_invitations(None, count)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Sent {len(made)} invitation(s); the worker e-mails them."
            if made
            else "Nobody is waiting in the queue."
        )
