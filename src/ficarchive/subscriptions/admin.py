from django.contrib import admin

from ficarchive.subscriptions.models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    list_display = ["user", "work", "series", "creator", "created_at"]
    raw_id_fields = ["user", "work", "series", "creator"]
    search_fields = ["user__username", "creator__username", "work__title", "series__title"]
