"""Users, their pseudonyms (pen names) and the record of failed log-ins."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """An account. Works are never credited to a user directly, always to one of their pseuds."""

    bio = models.TextField("About you", blank=True, max_length=5000)
    display_name = models.CharField("Display name", max_length=100, blank=True)
    # When the current e-mail address was confirmed by a link sent to it; None while it is not.
    # Sign-up mode "confirm" (site settings) asks for it before posting or commenting.
    email_confirmed_at = models.DateTimeField(null=True, blank=True)

    def default_pseud(self) -> Pseud:
        """Return the user's default pseud (created with the account)."""
        return self.pseuds.get(is_default=True)


class Pseud(models.Model):
    """A pen name a user posts under. Every user has a default pseud named like the account."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pseuds")
    name = models.CharField(max_length=40)
    description = models.TextField(blank=True, max_length=500)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "user", name="pseud_name_unique_per_user"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_default=True), name="one_default_pseud"
            ),
        ]

    def __str__(self) -> str:
        if self.name.lower() == self.user.username.lower():
            return self.name
        return f"{self.name} ({self.user.username})"

    def get_absolute_url(self) -> str:
        return f"/users/{self.user.username}/pseuds/{self.name}/"


class LoginFailure(models.Model):
    """One failed log-in, kept for throttling per account and per address across processes."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.address}"
