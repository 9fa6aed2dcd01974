from django.contrib import admin

from ficarchive.comments.models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    list_display = ["pk", "work", "user", "guest_name", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["work", "chapter", "parent", "thread", "user"]
    search_fields = ["text", "guest_name", "user__username"]
