"""`ficarchive grant-role USER moderator|wrangler|staff`: give a role (logged)."""

from __future__ import annotations

from ficarchive.site.management.commands._roles import RoleCommand


class Command(RoleCommand):
    help = "Give an account a role: moderator, wrangler or staff (written in the moderation log)."
    grant = True
