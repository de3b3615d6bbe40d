"""Catalog: movies, the people who made them, genres, tags, ratings and user profiles."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

# Half stars: 0.5, 1.0, ..., 5.0 (MovieLens' scale).
RATING_VALUES = [(Decimal(n) / 2).quantize(Decimal("0.1")) for n in range(1, 11)]


class Genre(models.Model):
    name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=255, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    # Keyed by name: the bundled sources share no person id. tmdb_id is kept where known.
    name = models.CharField(max_length=255, unique=True)
    tmdb_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name


class Movie(models.Model):
    movielens_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    tmdb_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    imdb_id = models.CharField(max_length=16, null=True, blank=True, unique=True)
    title = models.CharField(max_length=512)
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    genres = models.ManyToManyField(Genre, related_name="movies", blank=True)
    overview = models.TextField(blank=True)
    tagline = models.CharField(max_length=512, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    runtime = models.PositiveSmallIntegerField(null=True, blank=True, help_text="minutes")
    popularity = models.FloatField(null=True, blank=True, help_text="TMDB popularity, where known")
    languages = models.JSONField(default=list, blank=True, help_text="spoken in the film, the original language first")
    countries = models.JSONField(default=list, blank=True, help_text="countries of production")
    studios = models.JSONField(default=list, blank=True, help_text="production companies (TMDB), as named there")
    awards = models.CharField(max_length=255, blank=True, help_text='e.g. "Won 3 Oscars. Nominated for 6 Oscars."')
    # Kept current by rating services and importers so lists never aggregate 100k rows per request.
    rating_count = models.PositiveIntegerField(default=0, db_index=True)
    rating_mean = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "year"]
        indexes = [models.Index(fields=["title"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    @property
    def decade(self) -> int | None:
        return self.year - self.year % 10 if self.year else None


class Credit(models.Model):
    class Role(models.TextChoices):
        DIRECTOR = "director", "Director"
        WRITER = "writer", "Writer"
        CAST = "cast", "Cast"

    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credits")
    role = models.CharField(max_length=16, choices=Role.choices)
    order = models.PositiveSmallIntegerField(default=0, help_text="billing order within the role")
    character = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["movie", "role", "order"]
        constraints = [models.UniqueConstraint(fields=["movie", "person", "role"], name="credit_unique_role")]

    def __str__(self) -> str:
        return f"{self.person} ({self.role}) in {self.movie}"


class TaggedMovie(models.Model):
    """A user's free-text tag on a movie (MovieLens tags.csv)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tagged_movies")
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="tagged")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "movie", "tag"], name="tagged_movie_unique")]

    def __str__(self) -> str:
        return f"{self.user} tagged {self.movie} '{self.tag}'"


class Rating(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings")
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="ratings")
    value = models.DecimalField(max_digits=2, decimal_places=1)
    rated_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-rated_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "movie"], name="rating_one_per_user_movie"),
            models.CheckConstraint(condition=Q(value__in=RATING_VALUES), name="rating_half_star_0_5_to_5"),
        ]
        indexes = [models.Index(fields=["movie", "value"])]

    def __str__(self) -> str:
        return f"{self.user} rated {self.movie} {self.value}"


class Profile(models.Model):
    """One per user. Users imported from a MovieLens file remember where they came from."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    source = models.CharField(
        max_length=32, blank=True, help_text="dataset the account was imported from; blank for sign-ups"
    )
    external_id = models.PositiveIntegerField(null=True, blank=True, help_text="user id in that dataset")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=Q(external_id__isnull=False),
                name="profile_unique_external_user",
            )
        ]

    def __str__(self) -> str:
        return f"profile of {self.user}"


class ImportRun(models.Model):
    """One import of a data source; its fingerprint lets `make run` skip an unchanged source."""

    source = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of the files read")
    stats = models.JSONField(default=dict)
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"{self.source} at {self.finished_at:%Y-%m-%d %H:%M}"


# --- Language-driven personalization: what a user says they like, and what they never want -----

PREFERENCE_MAX_CHARS = 1000


class PreferenceSource(models.TextChoices):
    MANUAL = "manual", "Written by the user"
    GENERATED = "generated", "Generated from favourite movies"


class PreferenceProfile(models.Model):
    """A user's taste in their own words (one per user); every save also appends a PreferenceRevision."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    text = models.CharField(max_length=PREFERENCE_MAX_CHARS, blank=True)
    source = models.CharField(max_length=16, choices=PreferenceSource.choices, default=PreferenceSource.MANUAL)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"preferences of {self.user}"


class PreferenceRevision(models.Model):
    """History of a user's preference text: one row per save, never changed or deleted by the app."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference_revisions")
    text = models.CharField(max_length=PREFERENCE_MAX_CHARS, blank=True)
    source = models.CharField(max_length=16, choices=PreferenceSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"preferences of {self.user} at {self.created_at:%Y-%m-%d %H:%M}"


class PreferenceSuggestion(models.Model):
    """A profile generated from the user's favourite movies, offered to accept or edit."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference_suggestions")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    text = models.CharField(max_length=PREFERENCE_MAX_CHARS, blank=True)
    favourite_movie_ids = models.JSONField(default=list, help_text="the movies the text was generated from")
    detail = models.CharField(
        max_length=64, blank=True, help_text="how the text was made: model, model-retry or template"
    )
    model_name = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"suggestion {self.pk} for {self.user} ({self.status})"


class NotInterested(models.Model):
    """The user never wants this movie recommended."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="not_interested")
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="not_interested_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "movie"], name="not_interested_one_per_user_movie")]

    def __str__(self) -> str:
        return f"{self.user} is not interested in {self.movie}"


class WatchlistEntry(models.Model):
    """The user wants to watch this movie ("Want to watch")."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watchlist")
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="watchlisted_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "movie"], name="watchlist_one_per_user_movie")]

    def __str__(self) -> str:
        return f"{self.user} wants to watch {self.movie}"
