from django.apps import AppConfig


class GiftsConfig(AppConfig):
    name = "ficarchive.gifts"
    label = "gifts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Gifts and co-creator invitations"
