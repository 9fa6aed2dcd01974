"""Users, their pseudonyms (pen names) and the record of failed log-ins."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

# The shared account that orphaned works are credited to (AO3's orphan_account).
ORPHAN_USERNAME = "orphan_account"
RESERVED_USERNAMES = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "system",
        "moderator",
        "moderators",
        "staff",
        "api",
        "anonymous",
        "abuse",
        "support",
        "help",
        "settings",
        "signup",
        "login",
        "logout",
        "postmaster",
        "webmaster",
        "hostmaster",
        "security",
        "nobody",
        "null",
        "none",
        "guest",
        "deleted",
        "deleted_user",
        "orphan",
        ORPHAN_USERNAME,
    }
)


def validate_not_reserved(value: str) -> None:
    """Refuse a username the site keeps for itself (also in `createsuperuser` and the admin,
    which run the field's validators)."""
    if value.lower() in RESERVED_USERNAMES:
        raise ValidationError("That username is reserved: choose another.")


class User(AbstractUser):
    """An account. Works are never credited to a user directly, always to one of their pseuds."""

    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text="150 characters or fewer. Letters, digits and @/./+/-/_ only.",
        validators=[UnicodeUsernameValidator(), validate_not_reserved],
        error_messages={"unique": "A user with that username already exists."},
    )
    bio = models.TextField("About you", blank=True, max_length=5000)
    # The bio as sanitized HTML from the text pipeline (accounts.actions.update_profile).
    bio_html = models.TextField(blank=True)
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


class UsernameChange(models.Model):
    """An account's earlier username. For USERNAME_HOLD_DAYS after the change, links to
    `/users/<old>/...` redirect to the new name and nobody else may take the old one; the
    latest change also rate-limits the next (USERNAME_CHANGE_INTERVAL_DAYS)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="username_changes")
    old_username = models.CharField(max_length=150)
    new_username = models.CharField(max_length=150)
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(Lower("old_username"), name="username_change_old_idx")]

    def __str__(self) -> str:
        return f"{self.old_username} -> {self.new_username}"


class DataExportStatus(models.TextChoices):
    PENDING = "pending", "Being built"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class DataExport(models.Model):
    """One "download my data" ZIP, built by the worker into DATA_DIR/exports/ (mode 0600) and
    served only to its owner until `expires_at`."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(
        max_length=10, choices=DataExportStatus.choices, default=DataExportStatus.PENDING
    )
    # The file's name under DATA_DIR/exports/: random, so it cannot be guessed.
    file_name = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"data export {self.pk} of {self.user_id} ({self.status})"

    def get_absolute_url(self) -> str:
        return f"/settings/data/{self.pk}/download/"
