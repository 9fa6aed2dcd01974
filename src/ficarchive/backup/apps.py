from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "ficarchive.backup"
    label = "backup"
    verbose_name = "Backup and restore"
