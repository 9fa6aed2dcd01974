from django.contrib import admin

from ficarchive.notifications.models import Notification, NotificationSettings


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["recipient", "kind", "message", "created_at", "read_at", "email_sent_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient"]
    search_fields = ["recipient__username", "key"]


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin[NotificationSettings]):
    list_display = ["user", "email_on_posted", "email_on_replies"]
    raw_id_fields = ["user"]
