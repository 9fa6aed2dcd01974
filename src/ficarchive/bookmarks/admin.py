from django.contrib import admin

from ficarchive.bookmarks.models import Bookmark, BookmarkTag


class BookmarkTagInline(admin.TabularInline[BookmarkTag, Bookmark]):
    model = BookmarkTag
    extra = 0


@admin.register(Bookmark)
class BookmarkAdmin(admin.ModelAdmin[Bookmark]):
    list_display = ["user", "work", "series", "private", "recommend", "for_later", "updated_at"]
    list_filter = ["private", "recommend", "for_later"]
    raw_id_fields = ["user", "work", "series"]
    inlines = [BookmarkTagInline]
