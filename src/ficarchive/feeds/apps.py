from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "ficarchive.feeds"
    label = "feeds"
    default_auto_field = "django.db.models.BigAutoField"
