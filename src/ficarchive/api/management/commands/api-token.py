"""`ficarchive api-token USER --name NAME`: make a personal API token and print it once.
`--revoke PREFIX` revokes the user's tokens that start with PREFIX; `--list` lists them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.api.actions import create_token
from ficarchive.api.models import ApiToken
from ficarchive.api.tokens import PREFIX_SHOWN


class Command(BaseCommand):
    help = (
        "Make a personal API token for USER and print it (it is stored hashed and cannot be "
        "shown again); or list or revoke the user's tokens. See docs/api.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", metavar="USER")
        parser.add_argument("--name", default="command line", help="What the token is for.")
        parser.add_argument("--list", action="store_true", help="List the user's tokens.")
        parser.add_argument(
            "--revoke", metavar="PREFIX", help="Revoke the user's tokens starting with PREFIX."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user is named {options['username']!r}.")
        tokens = ApiToken.objects.active().filter(user=user)
        if options["list"]:
            for token in tokens:
                used = token.last_used_at.isoformat() if token.last_used_at else "never"
                self.stdout.write(f"{token.prefix}\t{token.name}\tlast used {used}")
            return
        if options["revoke"]:
            prefix = options["revoke"]
            if len(prefix) < 6:
                raise CommandError("Give at least 6 characters of the token to revoke.")
            count = tokens.filter(prefix__startswith=prefix[:PREFIX_SHOWN]).update(
                revoked_at=timezone.now()
            )
            self.stdout.write(f"Revoked {count} token{'s' if count != 1 else ''}.")
            return
        try:
            _row, secret = create_token(user, options["name"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(secret)
