from django.apps import AppConfig


class BrowseConfig(AppConfig):
    name = "ficarchive.browse"
    label = "browse"
    verbose_name = "Browse: fandoms by medium, languages, people and tag search"
    default_auto_field = "django.db.models.BigAutoField"
