"""Gifts (a work given to members' pseuds or to names without an account), co-creator
invitations (a member asked to be credited on a work) and each member's choice to accept
them at all.

A refused gift keeps its row (with `refused_at`) so the creators cannot name the recipient
again behind their back and the recipient can take the refusal back; every surface shows
only `GiftQuerySet.accepted()`. An invitation is not a credit: it becomes a `Creatorship`
when accepted and is deleted when declined, so nothing that reads credits ever sees it."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.db.models import Q

from ficarchive.accounts.models import Pseud
from ficarchive.works.models import Work

RECIPIENT_NAME_MAX = 100
MAX_RECIPIENTS = 20
MAX_INVITATIONS = 20


class GiftQuerySet(models.QuerySet["Gift"]):
    def accepted(self) -> GiftQuerySet:
        """Return the gifts that were not refused: the only ones any page shows."""
        return self.filter(refused_at__isnull=True)

    def for_work(self, work: Work) -> GiftQuerySet:
        """Return the work's gifts in the order its creators wrote them, with recipients."""
        return self.filter(work=work).select_related("pseud__user").order_by("position", "pk")


class Gift(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="gifts")
    # A member's pseud, or (pseud empty) a name without an account in `recipient_name`.
    pseud = models.ForeignKey(
        Pseud, on_delete=models.CASCADE, null=True, blank=True, related_name="gifts"
    )
    recipient_name = models.CharField(max_length=RECIPIENT_NAME_MAX, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    refused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GiftQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["work", "pseud"],
                condition=Q(pseud__isnull=False),
                name="gift_unique_pseud",
            ),
            models.UniqueConstraint(
                fields=["work", "recipient_name"],
                condition=Q(pseud__isnull=True),
                name="gift_unique_name",
            ),
            models.CheckConstraint(
                condition=(Q(pseud__isnull=False) & Q(recipient_name=""))
                | (Q(pseud__isnull=True) & ~Q(recipient_name="")),
                name="gift_pseud_or_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_id} for {self.display_name}"

    @property
    def display_name(self) -> str:
        """Return the recipient as pages show it: the pseud's name, or the free name."""
        return self.pseud.name if self.pseud is not None else self.recipient_name

    @property
    def form_name(self) -> str:
        """Return the recipient as the work form writes it (the pseud with its account when
        they differ, so the name resolves to the same pseud again)."""
        if self.pseud is None:
            return self.recipient_name
        return pseud_form_name(self.pseud)

    @property
    def url(self) -> str:
        """Return the recipient's page (the pseud's), or "" for a name without an account."""
        if self.pseud is None:
            return ""
        return f"/users/{quote(self.pseud.user.username)}/pseuds/{quote(self.pseud.name)}/"


def pseud_form_name(pseud: Pseud) -> str:
    """Return "name" for a default-named pseud, "name (account)" otherwise."""
    if pseud.name.lower() == pseud.user.username.lower():
        return pseud.name
    return f"{pseud.name} ({pseud.user.username})"


class CreatorInvitation(models.Model):
    """`inviter` (a creator of `work`) asks the owner of `pseud` to be credited on it."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="creator_invitations")
    pseud = models.ForeignKey(Pseud, on_delete=models.CASCADE, related_name="creator_invitations")
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["pseud", "work"], name="creator_invitation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pseud_id} invited to {self.work_id}"


class CreditPreferences(models.Model):
    """A member's choices about being named by others (a missing row means both allowed)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="credit_preferences",
    )
    allow_gifts = models.BooleanField(
        default=True, help_text="Others may give works to my pseuds as gifts."
    )
    allow_co_creator_invitations = models.BooleanField(
        default=True, help_text="Others may invite my pseuds to be co-creators of their works."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "credit preferences"

    def __str__(self) -> str:
        return f"Credit preferences of {self.user_id}"
