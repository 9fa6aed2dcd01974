from django.apps import AppConfig


class SeriesConfig(AppConfig):
    name = "ficarchive.series"
    label = "series"
    verbose_name = "Series and related works"
    default_auto_field = "django.db.models.BigAutoField"
