from django.apps import AppConfig


class BookmarksConfig(AppConfig):
    name = "ficarchive.bookmarks"
    label = "bookmarks"
    default_auto_field = "django.db.models.BigAutoField"
