from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "ficarchive.history"
    label = "history"
    verbose_name = "Reading history"
    default_auto_field = "django.db.models.BigAutoField"
