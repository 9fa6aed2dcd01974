from django.apps import AppConfig


class ChallengesConfig(AppConfig):
    name = "ficarchive.challenges"
    label = "challenges"
    verbose_name = "Challenges and tag sets"
    default_auto_field = "django.db.models.BigAutoField"
