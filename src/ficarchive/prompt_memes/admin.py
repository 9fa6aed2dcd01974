from django.contrib import admin

from ficarchive.prompt_memes.models import Claim, Fill, Prompt, PromptMeme


@admin.register(PromptMeme)
class PromptMemeAdmin(admin.ModelAdmin[PromptMeme]):
    list_display = ["collection", "opens_at", "closes_at", "max_prompts", "anonymous_allowed"]
    raw_id_fields = ["collection", "tag_set"]


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin[Prompt]):
    list_display = ["title", "meme", "user", "anonymous", "created_at"]
    search_fields = ["title"]
    raw_id_fields = ["meme", "user", "tags"]


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin[Claim]):
    list_display = ["prompt", "user", "created_at"]
    raw_id_fields = ["prompt", "user"]


@admin.register(Fill)
class FillAdmin(admin.ModelAdmin[Fill]):
    list_display = ["prompt", "work", "created_at", "notified_at"]
    raw_id_fields = ["prompt", "work", "added_by"]
