from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from ficarchive.accounts.models import DataExport, Pseud, User, UsernameChange


@admin.register(User)
class UserAdmin(DjangoUserAdmin):  # type: ignore[type-arg]
    """Django's user admin; a user added here gets a default pseud (accounts/signals.py)."""

    list_display = ["username", "email", "is_staff", "is_active", "date_joined"]
    search_fields = ["username", "email", "pseuds__name"]

    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Profile", {"fields": ("display_name", "bio", "email_confirmed_at")}),
    )


@admin.register(Pseud)
class PseudAdmin(admin.ModelAdmin[Pseud]):
    list_display = ["name", "user", "is_default", "created_at"]
    search_fields = ["name", "user__username"]
    raw_id_fields = ["user"]


@admin.register(UsernameChange)
class UsernameChangeAdmin(admin.ModelAdmin[UsernameChange]):
    list_display = ["old_username", "new_username", "changed_at"]
    search_fields = ["old_username", "new_username"]
    raw_id_fields = ["user"]


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin[DataExport]):
    list_display = ["user", "status", "created_at", "expires_at", "size"]
    raw_id_fields = ["user"]
    readonly_fields = ["file_name"]
