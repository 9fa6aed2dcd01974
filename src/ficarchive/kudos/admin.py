from django.contrib import admin

from ficarchive.kudos.models import Kudos


@admin.register(Kudos)
class KudosAdmin(admin.ModelAdmin[Kudos]):
    list_display = ["work", "user", "created_at"]
    raw_id_fields = ["work", "user"]
