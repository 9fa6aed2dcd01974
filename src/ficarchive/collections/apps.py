from django.apps import AppConfig


class CollectionsConfig(AppConfig):
    # The package is ficarchive.collections; the label "collections" never meets the standard
    # library's module, which is imported by its absolute name everywhere.
    name = "ficarchive.collections"
    label = "collections"
    verbose_name = "Collections"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ficarchive.collections.tasks import start_reveals
        from ficarchive.core import periodic

        periodic.on_worker_start(start_reveals)
