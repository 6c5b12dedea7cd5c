"""Admin for rounds and topics. Ballots are not registered: staff see totals on the
editors' pages, never who chose what."""

from django.contrib import admin

from .models import Round, Topic


class TopicInline(admin.TabularInline):
    model = Topic
    extra = 0
    fields = ["title", "status", "origin", "position"]
    readonly_fields = ["origin"]


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "method", "opens_at", "closes_at"]
    list_filter = ["status", "method"]
    prepopulated_fields = {"slug": ["title"]}
    # Status changes go through the editors' pages (support/voting/rounds.py), which check
    # the lifecycle; the admin only shows it.
    readonly_fields = ["status", "opened_at", "closed_at", "published_at"]
    inlines = [TopicInline]
