from django.apps import AppConfig


class KudosConfig(AppConfig):
    name = "ficarchive.kudos"
    label = "kudos"
    default_auto_field = "django.db.models.BigAutoField"
