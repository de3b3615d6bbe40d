"""Model registry, training runs and precomputed feeds."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from pgvector.django import HnswIndex, VectorField

from recommender.engine.text.embedder import DIMENSIONS
from recommender.kinds import kind_choices


class ModelVersion(models.Model):
    """One trained artifact. Exactly one version per kind serves, switched atomically."""

    kind = models.CharField(max_length=32, choices=kind_choices)  # the kinds registry, read when used
    parameters = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict, help_text="validation metrics and the protocol that produced them")
    artifact_dir = models.CharField(max_length=255, help_text="folder under MODEL_DIR holding npz + json files")
    plot_png = models.BinaryField(null=True, blank=True, editable=False)
    is_serving = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=Q(is_serving=True), name="one_serving_version_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.pk}" + (" (serving)" if self.is_serving else "")


class TrainingRun(models.Model):
    """The truth about one training job; a worker claims it with a conditional UPDATE."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    kind = models.CharField(max_length=32, choices=kind_choices)  # the kinds registry, read when used
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0-100")
    log_tail = models.TextField(blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    model_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="training_runs"
    )
    promoted = models.BooleanField(default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    worker = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} run #{self.pk} ({self.status})"


class UserFeed(models.Model):
    """A user's precomputed candidates, best first; the feed endpoint only reads this row."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="feeds")
    movie_ids = ArrayField(models.BigIntegerField())
    scores = ArrayField(models.FloatField())
    because_movie_ids = ArrayField(
        models.BigIntegerField(null=True), help_text="per candidate: the rated movie that most supports it"
    )
    ratings_seen = models.PositiveIntegerField(default=0, help_text="how many ratings the user had at compute time")
    ratings_as_of = models.DateTimeField(help_text="when the ratings behind these candidates were read")
    # The language-aware order of the same candidates (empty until a re-ranker serves).
    language_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="language_feeds"
    )
    language_movie_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    language_scores = ArrayField(models.FloatField(), default=list, blank=True)
    language_reasons = ArrayField(models.TextField(), default=list, blank=True)
    language_note = models.CharField(max_length=255, blank=True, help_text="why the CF order was kept, if it was")
    preferences_as_of = models.DateTimeField(null=True, blank=True, help_text="the preference text's time when read")
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"feed of {self.user} from {self.model_version}"


class MovieEmbedding(models.Model):
    """A movie's text embedding for "more like this" and semantic search (cosine, HNSW index)."""

    movie = models.OneToOneField("catalog.Movie", on_delete=models.CASCADE, primary_key=True, related_name="embedding")
    vector = VectorField(dimensions=DIMENSIONS)
    model_name = models.CharField(max_length=255, help_text="the embedding model (and version) that made it")
    document = models.TextField(help_text="the text that was embedded")
    document_hash = models.CharField(max_length=32, help_text="changes when the text or the model changes")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            HnswIndex(
                name="movie_embedding_hnsw",
                fields=["vector"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"embedding of movie {self.movie_id} ({self.model_name})"


class MovieDescription(models.Model):
    """An LLM-written description grounded in the movie's metadata, kept apart from the source overview.

    A rejected attempt is stored too (empty text, with the reason), so a resumed enrichment with the
    same model and prompt does not try that movie again.
    """

    movie = models.OneToOneField(
        "catalog.Movie", on_delete=models.CASCADE, primary_key=True, related_name="enriched_description"
    )
    text = models.TextField(blank=True)
    accepted = models.BooleanField(help_text="passed the grounding check")
    rejected_reason = models.CharField(max_length=255, blank=True)
    model_name = models.CharField(max_length=255, help_text="the generator (and version) that wrote it")
    prompt_version = models.CharField(max_length=32)
    attempts = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"description of movie {self.movie_id} ({'accepted' if self.accepted else 'rejected'})"


class SimilarReason(models.Model):
    """A cached one-sentence LLM reason why `other` suits someone who enjoyed `movie`."""

    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    model_name = models.CharField(max_length=255)
    prompt_version = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["movie", "other"], name="one_reason_per_pair")]

    def __str__(self) -> str:
        return f"reason {self.movie_id} -> {self.other_id}"
