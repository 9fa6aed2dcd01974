from django.contrib import admin

from ficarchive.preferences.models import MutedTag, ReadingPreferences


@admin.register(ReadingPreferences)
class ReadingPreferencesAdmin(admin.ModelAdmin[ReadingPreferences]):
    list_display = ["user", "show_adult_content", "hide_warnings", "time_zone", "updated_at"]
    raw_id_fields = ["user"]


@admin.register(MutedTag)
class MutedTagAdmin(admin.ModelAdmin[MutedTag]):
    list_display = ["user", "tag", "created_at"]
    raw_id_fields = ["user", "tag"]
