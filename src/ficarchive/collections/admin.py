from django.contrib import admin

from ficarchive.collections.models import Collection, CollectionItem, CollectionMember


class CollectionMemberInline(admin.TabularInline[CollectionMember, Collection]):
    model = CollectionMember
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin[Collection]):
    list_display = ["name", "title", "open", "moderated", "created_at"]
    list_filter = ["open", "moderated"]
    search_fields = ["name", "title"]
    raw_id_fields = ["parent"]
    inlines = [CollectionMemberInline]


@admin.register(CollectionItem)
class CollectionItemAdmin(admin.ModelAdmin[CollectionItem]):
    list_display = ["collection", "work", "creator_approval", "moderator_approval", "approved"]
    list_filter = ["approved", "moderator_approval", "creator_approval"]
    raw_id_fields = ["collection", "work", "added_by"]
