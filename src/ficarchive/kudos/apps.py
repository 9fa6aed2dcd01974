from django.apps import AppConfig


class KudosConfig(AppConfig):
    name = "ficarchive.kudos"
    label = "kudos"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ficarchive.core import periodic
        from ficarchive.kudos.tasks import start_daily_digests

        periodic.on_worker_start(start_daily_digests)
