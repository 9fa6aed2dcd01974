from django.apps import AppConfig


class PromptMemesConfig(AppConfig):
    name = "ficarchive.prompt_memes"
    label = "prompt_memes"
    verbose_name = "Prompt memes"
    default_auto_field = "django.db.models.BigAutoField"
