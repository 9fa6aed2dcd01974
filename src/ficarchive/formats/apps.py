from django.apps import AppConfig


class FormatsConfig(AppConfig):
    name = "ficarchive.formats"
    label = "formats"
    default_auto_field = "django.db.models.BigAutoField"
