"""Personal API tokens. The token itself is shown once, when it is made; only its SHA-256 hash
is stored, with a short prefix to recognise it by in the list of tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

TOKEN_NAME_MAX = 100
# What a token may do besides reading. A token with no scopes may do everything its account
# may; "read" alone makes it read-only; otherwise it may read, and write only in its scopes.
READ_ONLY = "read"
SCOPES = {
    "works": "post and change works and chapters",
    "kudos": "leave kudos",
    "bookmarks": "save and delete bookmarks",
}


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        """Return tokens that are not revoked."""
        return self.filter(revoked_at__isnull=True)

    def usable(self) -> ApiTokenQuerySet:
        """Return tokens that are not revoked and have not expired."""
        return self.active().filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=TOKEN_NAME_MAX)
    key_hash = models.CharField(max_length=64, help_text="SHA-256 of the token, hex.")
    prefix = models.CharField(max_length=16, help_text="The token's first characters.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    scopes = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text="Space-separated: empty (everything), “read”, or some of works, kudos, "
        "bookmarks.",
    )
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["key_hash"], name="api_token_key_hash_unique"),
        ]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                name="api_token_user_idx",
                condition=Q(revoked_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def allows(self, scope: str | None) -> bool:
        """Return whether the token may do a write of this scope (None: any read)."""
        if scope is None or not self.scopes:
            return True
        return scope in self.scope_list

    @property
    def describe_scopes(self) -> str:
        """The scopes in words: "everything", "read only", "read; works, kudos"."""
        if not self.scopes:
            return "everything"
        if self.scope_list == [READ_ONLY]:
            return "read only"
        return "read; " + ", ".join(self.scope_list)


class IdempotentRequest(models.Model):
    """The first answer to an API write sent with an `Idempotency-Key` header, kept for a day:
    a retry with the same key (a client that lost the answer to a timeout) gets this answer
    again and writes nothing. Saved in the write's own transaction, so a stored answer always
    means the write happened, and a write never happens without its answer stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    body_hash = models.CharField(max_length=64, help_text="SHA-256 of the request body, hex.")
    status = models.PositiveSmallIntegerField()
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
