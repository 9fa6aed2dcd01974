"""`ficarchive api-token USER --name NAME [--scopes read|works,kudos,bookmarks]
[--expires YYYY-MM-DD]`: make a personal API token and print it once. `--revoke PREFIX`
revokes the user's tokens that start with PREFIX; `--list` lists them with their scopes and
expiry dates."""

from __future__ import annotations

import datetime as dt
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
        parser.add_argument(
            "--scopes",
            default="",
            help="Comma-separated: “read” (read-only), or some of works, kudos, bookmarks. "
            "Leave it out for a token that may do everything the account may.",
        )
        parser.add_argument(
            "--expires",
            metavar="YYYY-MM-DD",
            help="The day (UTC) the token stops working; leave it out for no expiry.",
        )
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
                expires = token.expires_at.date().isoformat() if token.expires_at else "never"
                if token.expired:
                    expires += " (expired)"
                self.stdout.write(
                    f"{token.prefix}\t{token.name}\tmay do {token.describe_scopes}"
                    f"\texpires {expires}\tlast used {used}"
                )
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
        expires_at = None
        if options["expires"]:
            try:
                day = dt.date.fromisoformat(options["expires"])
            except ValueError as error:
                raise CommandError(
                    f"--expires must be a date like 2027-05-31, not {options['expires'][:30]!r}."
                ) from error
            expires_at = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        try:
            _row, secret = create_token(
                user, options["name"], scopes=[options["scopes"]], expires_at=expires_at
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(secret)
