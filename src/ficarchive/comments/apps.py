from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "ficarchive.comments"
    label = "comments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ficarchive.comments import signals  # noqa: F401 (connects the receivers)
