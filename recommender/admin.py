"""Admin: precomputed feeds, movie embeddings and generated descriptions.

Model versions and training runs are administered from training/admin.py (training owns every run)."""

from __future__ import annotations

from django.contrib import admin

from recommender.models import MovieDescription, MovieEmbedding, UserFeed


@admin.register(UserFeed)
class UserFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "model_version", "ratings_seen", "computed_at"]
    list_filter = ["model_version"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]
    readonly_fields = ["computed_at"]

    def has_add_permission(self, request) -> bool:
        return False  # feeds are computed by workers


@admin.register(MovieEmbedding)
class MovieEmbeddingAdmin(admin.ModelAdmin):
    list_display = ["movie", "model_name", "updated_at"]
    list_filter = ["model_name"]
    search_fields = ["movie__title"]
    readonly_fields = ["movie", "model_name", "document", "document_hash", "updated_at"]
    exclude = ["vector"]

    def has_add_permission(self, request) -> bool:
        return False  # `manage.py embed` and the workers write these


@admin.register(MovieDescription)
class MovieDescriptionAdmin(admin.ModelAdmin):
    """Generated descriptions, accepted or rejected (with the grounding check's reason)."""

    list_display = ["movie", "accepted", "model_name", "prompt_version", "attempts", "created_at"]
    list_filter = ["accepted", "model_name", "prompt_version"]
    search_fields = ["movie__title", "text", "rejected_reason"]
    readonly_fields = [f.name for f in MovieDescription._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
