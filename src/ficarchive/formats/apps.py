from django.apps import AppConfig


class FormatsConfig(AppConfig):
    name = "ficarchive.formats"
    label = "formats"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from ficarchive.formats.downloads import forget_deleted_work, schedule_builds
        from ficarchive.works.models import Work

        # However a work is deleted (the action, the admin, a cascade), its files go too.
        post_delete.connect(forget_deleted_work, sender=Work, dispatch_uid="downloads-delete")
        # Every change of what a work's files show saves the work: the builds start here.
        post_save.connect(schedule_builds, sender=Work, dispatch_uid="downloads-build")
