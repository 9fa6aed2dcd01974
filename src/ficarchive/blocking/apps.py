from django.apps import AppConfig


class BlockingConfig(AppConfig):
    name = "ficarchive.blocking"
    label = "blocking"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Blocking and muting"
