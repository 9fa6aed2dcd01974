from django.apps import AppConfig


class TagsConfig(AppConfig):
    name = "ficarchive.tags"
    label = "tags"
    default_auto_field = "django.db.models.BigAutoField"
