"""What grant-role and revoke-role share."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ficarchive.accounts.models import User
from ficarchive.site import actions
from ficarchive.site.roles import ROLES


class RoleCommand(BaseCommand):
    grant = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="The account's username.")
        parser.add_argument("role", choices=list(ROLES), help="moderator, wrangler or staff.")
        parser.add_argument("--reason", default="", help="Written in the moderation log.")

    def handle(self, *args: Any, **options: Any) -> None:
        username = str(options["user"])
        user = User.objects.filter(username__iexact=username[:150]).first()
        if user is None:
            raise CommandError(f"No account is named “{username[:80]}”: check the username.")
        role = options["role"]
        change = actions.grant_role if self.grant else actions.revoke_role
        try:
            done = change(None, user, role, options["reason"] or "")
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        name = ROLES[role].lower()
        if self.grant:
            self.stdout.write(
                f"{user.username} is now {name}."
                if done
                else f"{user.username} was {name} already."
            )
        else:
            self.stdout.write(
                f"{user.username} is no longer {name}."
                if done
                else f"{user.username} was not {name}."
            )
