from django.contrib import admin

from ficarchive.history.models import HistorySettings, Reading


@admin.register(Reading)
class ReadingAdmin(admin.ModelAdmin[Reading]):
    list_display = ["user", "work", "last_read_at", "visits"]
    raw_id_fields = ["user", "work", "last_chapter"]
    date_hierarchy = "last_read_at"


@admin.register(HistorySettings)
class HistorySettingsAdmin(admin.ModelAdmin[HistorySettings]):
    list_display = ["user", "paused"]
    raw_id_fields = ["user"]
