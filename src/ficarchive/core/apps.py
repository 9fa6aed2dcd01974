from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ficarchive.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ficarchive.core import invalidation, proxies  # noqa: F401 (registers the deploy check)

        invalidation.connect()
