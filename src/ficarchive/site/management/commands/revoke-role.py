"""`ficarchive revoke-role USER moderator|wrangler|staff`: take a role away (logged)."""

from __future__ import annotations

from ficarchive.site.management.commands._roles import RoleCommand


class Command(RoleCommand):
    help = "Take a role away from an account (written in the moderation log)."
    grant = False
