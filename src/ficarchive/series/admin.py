from django.contrib import admin

from ficarchive.series.models import RelatedWork, Series, SeriesWork


class SeriesWorkInline(admin.TabularInline[SeriesWork, Series]):
    model = SeriesWork
    raw_id_fields = ["work"]
    extra = 0


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin[Series]):
    list_display = ["title", "creator", "complete", "updated_at"]
    search_fields = ["title", "creator__username"]
    raw_id_fields = ["creator"]
    inlines = [SeriesWorkInline]


@admin.register(RelatedWork)
class RelatedWorkAdmin(admin.ModelAdmin[RelatedWork]):
    list_display = ["work", "parent_work", "external_title", "approved", "created_at"]
    list_filter = ["approved"]
    raw_id_fields = ["work", "parent_work"]
