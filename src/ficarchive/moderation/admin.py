"""The moderation tables in Django's admin, for staff."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from ficarchive.moderation.actions import is_moderator
from ficarchive.moderation.models import ModerationLog, RateEvent, Report, Sanction


class ModeratorsMayView:
    """Every moderator (active staff) may read these tables without a grant; adding, changing
    and deleting still need Django's model permissions."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_moderator(request.user) or super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return is_moderator(request.user) or super().has_view_permission(request, obj)  # type: ignore[misc]


@admin.register(Report)
class ReportAdmin(ModeratorsMayView, admin.ModelAdmin[Report]):
    list_display = [
        "id",
        "target_type",
        "target_label",
        "reason",
        "status",
        "reporter",
        "created_at",
    ]
    list_filter = ["status", "target_type", "reason"]
    search_fields = ["target_label", "details", "reporter__username", "email"]
    raw_id_fields = ["reporter", "handled_by"]
    date_hierarchy = "created_at"


@admin.register(Sanction)
class SanctionAdmin(ModeratorsMayView, admin.ModelAdmin[Sanction]):
    list_display = ["user", "kind", "until", "lifted_at", "by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__username", "reason"]
    raw_id_fields = ["user", "by"]


@admin.register(ModerationLog)
class ModerationLogAdmin(ModeratorsMayView, admin.ModelAdmin[ModerationLog]):
    """The log is a record: readable here, never edited."""

    list_display = ["created_at", "moderator", "action", "target", "reason"]
    list_filter = ["action"]
    search_fields = ["target", "reason", "moderator__username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RateEvent)
class RateEventAdmin(ModeratorsMayView, admin.ModelAdmin[RateEvent]):
    list_display = ["action", "user", "address", "created_at"]
    list_filter = ["action"]
    search_fields = ["address", "user__username"]
    raw_id_fields = ["user"]
