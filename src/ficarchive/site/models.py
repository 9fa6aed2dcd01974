"""What operators set from /staff/: the site settings row, the Terms of Service and Privacy
pages with their versions and acceptances, and invitations with their queue."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

NAME_MAX = 100
NOTICE_MAX = 1000
TERMS_MAX = 100_000
DOMAINS_MAX = 20_000
CODE_LENGTH = 24
# How many versions each chapter keeps (revisions app): never fewer than the minimum.
MIN_VERSIONS_KEPT = 50
DEFAULT_VERSIONS_KEPT = 200
MAX_VERSIONS_KEPT = 100_000


class SignupMode(models.TextChoices):
    OPEN = "open", "Open: anyone can sign up"
    CONFIRM = "confirm", "Confirm: anyone can sign up, and must confirm their e-mail to post"
    INVITE = "invite", "Invitation: sign-up needs an invitation code"
    CLOSED = "closed", "Closed: nobody can sign up"


class SiteSettings(models.Model):
    """The one row of settings (pk 1). Without it the defaults apply: nothing is written
    until staff save the settings, so a fresh archive holds no row."""

    archive_name = models.CharField(
        "Archive name", max_length=NAME_MAX, blank=True, help_text="Empty: FICARCHIVE_SITE_NAME."
    )
    notice = models.TextField("Site notice", max_length=NOTICE_MAX, blank=True)
    signup_mode = models.CharField(
        max_length=10, choices=SignupMode.choices, default=SignupMode.OPEN
    )
    guest_comments = models.BooleanField(default=True)
    guest_kudos = models.BooleanField(default=True)
    invitations_per_day = models.PositiveIntegerField(default=0)
    invitation_days = models.PositiveIntegerField(default=14)
    throwaway_domains = models.TextField(max_length=DOMAINS_MAX, blank=True)
    chapter_versions_kept = models.PositiveIntegerField(
        "Versions kept per chapter",
        default=DEFAULT_VERSIONS_KEPT,
        validators=[MinValueValidator(MIN_VERSIONS_KEPT), MaxValueValidator(MAX_VERSIONS_KEPT)],
    )
    # The daily sending of invitations by the worker: the chain of tasks in force (a new one
    # each time the number per day changes; older chains stop) and when it last sent.
    daily_chain = models.CharField(max_length=32, blank=True)
    daily_sent_at = models.DateTimeField(null=True, blank=True)
    # A new random token on every change: the cache key of the settings (see conf.py).
    token = models.CharField(max_length=32, default="")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "site settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="one_site_settings_row")]

    def __str__(self) -> str:
        return "Site settings"


class TermsKind(models.TextChoices):
    TOS = "tos", "Terms of Service"
    PRIVACY = "privacy", "Privacy policy"


class TermsVersion(models.Model):
    """One published version of the Terms of Service or the Privacy policy. The current one
    is the highest number whose effective date has come."""

    kind = models.CharField(max_length=10, choices=TermsKind.choices)
    number = models.PositiveIntegerField()
    text = models.TextField(max_length=TERMS_MAX)
    text_format = models.CharField(max_length=10, default="markdown")
    text_html = models.TextField()
    effective_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="terms_number_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["tos", "privacy"]), name="terms_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} version {self.number}"


class TermsAcceptance(models.Model):
    """A member accepted a version of the Terms of Service."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terms_acceptances"
    )
    version = models.ForeignKey(TermsVersion, on_delete=models.CASCADE, related_name="+")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="accept_terms_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} accepted {self.version}"


class Invitation(models.Model):
    """A single-use code that lets one person sign up while sign-up needs an invitation.
    Sent by e-mail from the queue (email set), or held by a member to share (owner set)."""

    code = models.CharField(max_length=CODE_LENGTH * 2, unique=True)
    email = models.EmailField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations_to_share",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    email_sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invited_by",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "used_at"], name="invitation_owner_idx")]

    def __str__(self) -> str:
        return f"Invitation #{self.pk}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENT = "sent", "Invitation sent"


class InvitationRequest(models.Model):
    """A place in the invitation queue: someone asked for an invitation with their address.
    Staff send invitations from the queue, oldest first."""

    email = models.EmailField()
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    address = models.CharField(max_length=64, blank=True)
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="invite_queue_idx")]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(status="pending"),
                name="one_pending_request_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation request #{self.pk}"
