from django.contrib import admin, messages

from catalog.models import (
    Credit,
    Genre,
    ImportRun,
    Movie,
    NotInterested,
    Person,
    PreferenceProfile,
    PreferenceRevision,
    PreferenceSuggestion,
    Profile,
    Rating,
    Tag,
    TaggedMovie,
)
from workers.dispatch import enqueue


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "year",
        "rating_count",
        "rating_mean",
        "movielens_id",
        "tmdb_id",
        "imdb_id",
        "has_overview",
    ]
    list_filter = ["genres", ("overview", admin.EmptyFieldListFilter), "year"]
    search_fields = ["title", "=movielens_id", "=tmdb_id", "=imdb_id"]
    filter_horizontal = ["genres"]
    readonly_fields = ["rating_count", "rating_mean", "created_at", "updated_at"]
    inlines = [CreditInline]
    actions = ["write_descriptions"]

    @admin.action(description="Write grounded descriptions (LLM, in the background)")
    def write_descriptions(self, request, queryset):
        movie_ids = list(queryset.values_list("id", flat=True))

        def broker_down(exc: Exception) -> None:
            self.message_user(request, f"Could not queue the descriptions: {exc}", messages.ERROR)

        enqueue("workers.descriptions_enrich", kwargs={"movie_ids": movie_ids}, on_failure=broker_down)
        self.message_user(
            request,
            f"Queued {len(movie_ids)} movie(s) on the gpu worker; each description is kept only if it passes "
            "the grounding check (see Movie descriptions).",
        )

    @admin.display(boolean=True, description="overview")
    def has_overview(self, movie: Movie) -> bool:
        return bool(movie.overview)


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "tmdb_id"]
    search_fields = ["name"]


@admin.register(Credit)
class CreditAdmin(admin.ModelAdmin):
    list_display = ["movie", "person", "role", "order", "character"]
    list_filter = ["role"]
    search_fields = ["movie__title", "person__name"]
    raw_id_fields = ["movie", "person"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["user", "movie", "value", "rated_at"]
    list_filter = ["value", "rated_at"]
    search_fields = ["user__username", "movie__title"]
    raw_id_fields = ["user", "movie"]
    date_hierarchy = "rated_at"


@admin.register(TaggedMovie)
class TaggedMovieAdmin(admin.ModelAdmin):
    list_display = ["user", "movie", "tag", "created_at"]
    search_fields = ["tag__name", "movie__title", "user__username"]
    raw_id_fields = ["user", "movie", "tag"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "source", "external_id"]
    list_filter = ["source"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["source", "finished_at", "fingerprint"]
    list_filter = ["source"]
    readonly_fields = ["source", "fingerprint", "stats", "finished_at"]


@admin.register(PreferenceProfile)
class PreferenceProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "source", "updated_at"]
    list_filter = ["source"]
    search_fields = ["user__username", "text"]
    raw_id_fields = ["user"]


@admin.register(PreferenceRevision)
class PreferenceRevisionAdmin(admin.ModelAdmin):
    """History is append-only: readable here, never edited."""

    list_display = ["user", "source", "created_at"]
    list_filter = ["source"]
    search_fields = ["user__username", "text"]
    readonly_fields = ["user", "text", "source", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PreferenceSuggestion)
class PreferenceSuggestionAdmin(admin.ModelAdmin):
    list_display = ["user", "status", "detail", "model_name", "created_at", "finished_at"]
    list_filter = ["status", "detail"]
    search_fields = ["user__username", "text"]
    raw_id_fields = ["user"]


@admin.register(NotInterested)
class NotInterestedAdmin(admin.ModelAdmin):
    list_display = ["user", "movie", "created_at"]
    search_fields = ["user__username", "movie__title"]
    raw_id_fields = ["user", "movie"]
