from django.contrib import admin

from .models import Round, Topic


class TopicInline(admin.TabularInline):
    model = Topic
    extra = 1


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["title", "opens_at", "closes_at"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [TopicInline]
