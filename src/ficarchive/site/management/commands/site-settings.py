"""`ficarchive site-settings [--signup MODE] [--guest-comments on|off] [--guest-kudos on|off]
[--show]`: read or change the site settings that staff change at /staff/settings/."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ficarchive.site import actions, conf
from ficarchive.site.models import SignupMode

SWITCH = {"on": True, "off": False}


class Command(BaseCommand):
    help = "Show or change the site settings (sign-up mode, guest comments and kudos)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--signup", choices=SignupMode.values, help="The sign-up mode.")
        parser.add_argument("--guest-comments", choices=list(SWITCH), help="Guests may comment.")
        parser.add_argument("--guest-kudos", choices=list(SWITCH), help="Guests may leave kudos.")
        parser.add_argument("--name", help="The archive's name (empty: FICARCHIVE_SITE_NAME).")
        parser.add_argument("--show", action="store_true", help="Print the settings.")

    def handle(self, *args: Any, **options: Any) -> None:
        data = actions.settings_input()
        if options["signup"]:
            data.signup_mode = options["signup"]
        if options["guest_comments"]:
            data.guest_comments = SWITCH[options["guest_comments"]]
        if options["guest_kudos"]:
            data.guest_kudos = SWITCH[options["guest_kudos"]]
        if options["name"] is not None:
            data.archive_name = options["name"]
        try:
            changed = actions.save_settings(None, data)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if changed:
            self.stdout.write(f"Changed: {', '.join(name.replace('_', ' ') for name in changed)}.")
        elif not options["show"]:
            self.stdout.write("Nothing changed (give --signup, --guest-comments, ... or --show).")
        if options["show"]:
            config = conf.load()
            tos = f"version {config.tos.current_number}" if config.tos.current_id else "none"
            privacy = (
                f"version {config.privacy.current_number}" if config.privacy.current_id else "none"
            )
            on = {True: "on", False: "off"}
            self.stdout.write(
                f"name: {config.name}\n"
                f"signup: {config.signup_mode}\n"
                f"guest comments: {on[config.guest_comments]}\n"
                f"guest kudos: {on[config.guest_kudos]}\n"
                f"invitations per day: {config.invitations_per_day}\n"
                f"invitations last: {config.invitation_days} days\n"
                f"refused e-mail domains: {len(config.throwaway_domains)}\n"
                f"terms of service: {tos}\n"
                f"privacy policy: {privacy}\n"
                f"notice: {config.notice or '(none)'}"
            )
