"""Django's admin for superusers: the archive's main tables (works, chapters, tags; accounts
and pseuds are in accounts/admin.py) and the site app's own, with search. Staff run the site
from /staff/ instead."""

from __future__ import annotations

from django.contrib import admin

from ficarchive.site.models import (
    Invitation,
    InvitationRequest,
    SiteSettings,
    TermsAcceptance,
    TermsVersion,
)
from ficarchive.tags.models import Tag
from ficarchive.works.models import Chapter, Work


def _register(model: type, model_admin: type) -> None:
    """Register unless another app did (its own admin wins)."""
    if not admin.site.is_registered(model):
        admin.site.register(model, model_admin)


class WorkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["id", "title", "status", "hidden", "created_at"]
    list_filter = ["status", "hidden"]
    search_fields = ["title", "creatorships__pseud__name"]


class ChapterAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["id", "work", "position", "title", "posted"]
    search_fields = ["title", "work__title"]
    raw_id_fields = ["work"]


class TagAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "type", "canonical"]
    list_filter = ["type", "canonical"]
    search_fields = ["name"]
    raw_id_fields = ["merger"]


_register(Work, WorkAdmin)
_register(Chapter, ChapterAdmin)
_register(Tag, TagAdmin)


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin[SiteSettings]):
    list_display = ["archive_name", "signup_mode", "updated_at"]


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin[TermsVersion]):
    list_display = ["kind", "number", "effective_at", "created_by"]
    list_filter = ["kind"]
    search_fields = ["text"]
    readonly_fields = ["text_html"]


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(admin.ModelAdmin[TermsAcceptance]):
    list_display = ["user", "version", "accepted_at"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "version"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ["id", "email", "owner", "created_at", "expires_at", "used_at", "used_by"]
    search_fields = ["email", "code", "owner__username", "used_by__username"]
    raw_id_fields = ["owner", "created_by", "used_by"]


@admin.register(InvitationRequest)
class InvitationRequestAdmin(admin.ModelAdmin[InvitationRequest]):
    list_display = ["email", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["email"]
