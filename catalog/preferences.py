"""Language-driven personalization: a user's taste in their own words, generated suggestions of it,
and "not interested" marks. Writes (`<thing>_<action>` services) and the few reads the API, the
site and the feed need.

After any change a worker is asked to refresh the user's feed (see catalog/changes.py), so
language scores and the not-interested filter apply within seconds. The suggestion itself is written
by a worker (recommender/services/suggestions.py): this app only stores the request and its result.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog.changes import personal_data_changed
from catalog.models import (
    PREFERENCE_MAX_CHARS,
    Movie,
    NotInterested,
    PreferenceProfile,
    PreferenceRevision,
    PreferenceSource,
    PreferenceSuggestion,
    Rating,
)
from workers.dispatch import enqueue

logger = logging.getLogger(__name__)

FAVOURITE_MIN_RATING = 4.0
FAVOURITES = 8
SUGGESTION_REUSE_FOR = timedelta(minutes=10)  # a pending suggestion this young answers a repeated request


# --- validation -----------------------------------------------------------------------------


def preference_text_parse(raw: object) -> str:
    """The text as stored: stripped, at most 1,000 characters; "" clears the preferences."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise ValidationError("Preferences must be text.", code="invalid")
    if "\x00" in raw:
        raise ValidationError("Preferences cannot contain NUL characters.", code="invalid")
    text = raw.strip()
    if len(text) > PREFERENCE_MAX_CHARS:
        raise ValidationError(
            f"Preferences can be at most {PREFERENCE_MAX_CHARS:,} characters; this text has {len(text):,}.",
            code="max_length",
        )
    return text


def preference_source_parse(raw: object) -> str:
    if raw not in PreferenceSource.values:
        choices = " or ".join(f'"{value}"' for value in PreferenceSource.values)
        raise ValidationError(f"{raw!r} is not a valid source: use {choices}.", code="invalid_choice")
    return raw


# --- preferences ----------------------------------------------------------------------------


def preference_get(*, user) -> PreferenceProfile:
    """The user's profile, or an unsaved empty one (nothing written)."""
    profile = PreferenceProfile.objects.filter(user=user).first()
    return profile or PreferenceProfile(user=user, text="", source=PreferenceSource.MANUAL)


def written_preferences() -> QuerySet[PreferenceProfile]:
    """Profiles whose text the user wrote themselves: not empty, not an accepted generated suggestion."""
    return PreferenceProfile.objects.filter(source=PreferenceSource.MANUAL).exclude(text="")


def preference_history(*, user) -> QuerySet[PreferenceRevision]:
    """Every saved version of the user's preferences, newest first."""
    return PreferenceRevision.objects.filter(user=user).order_by("-created_at", "-id")


@transaction.atomic
def preference_update(*, user, text: object, source: object = PreferenceSource.MANUAL) -> PreferenceProfile:
    """Save the user's preferences (text "" clears them) and append a revision; nothing is lost."""
    parsed_text = preference_text_parse(text)
    parsed_source = preference_source_parse(source)
    profile, _ = PreferenceProfile.objects.select_for_update().get_or_create(user=user)
    profile.text, profile.source = parsed_text, parsed_source
    profile.save()
    PreferenceRevision.objects.create(user=user, text=parsed_text, source=parsed_source)
    personal_data_changed(user_id=user.pk)
    return profile


# --- generated suggestions ------------------------------------------------------------------


def favourite_movie_ids(*, user, n: int = FAVOURITES) -> list[int]:
    """The user's favourites in the order the profile engine picks them (recommender.engine.llm.
    profiles.favourite_items): rated 4 or more, highest rated, then most recent, then lowest id."""
    favourites = Rating.objects.filter(user=user, value__gte=FAVOURITE_MIN_RATING)
    return list(favourites.order_by("-value", "-rated_at", "movie_id").values_list("movie_id", flat=True)[:n])


def preference_suggestion_get(*, user, suggestion_id: int) -> PreferenceSuggestion:
    """One of the user's suggestions; another user's id raises DoesNotExist like a missing one."""
    return PreferenceSuggestion.objects.get(pk=suggestion_id, user=user)


def preference_suggestion_current(*, user) -> PreferenceSuggestion | None:
    """The suggestion to show beside the editor: the latest one made since the preferences were last saved."""
    suggestion = PreferenceSuggestion.objects.filter(user=user).order_by("-created_at", "-id").first()
    profile = PreferenceProfile.objects.filter(user=user).only("updated_at").first()
    if suggestion is None or (profile and profile.updated_at > (suggestion.finished_at or suggestion.created_at)):
        return None
    return suggestion


@transaction.atomic
def preference_suggestion_request(*, user) -> PreferenceSuggestion:
    """A pending suggestion, generated by a worker (queue "gpu") once this transaction commits.

    Needs at least one rating of 4 stars or more. A pending suggestion younger than ten minutes
    is returned instead of queueing another, so repeated clicks cost one generation.
    """
    if not Rating.objects.filter(user=user).exists():
        raise ValidationError("Rate at least one movie first: suggestions are written from your favourite movies.")
    favourites = favourite_movie_ids(user=user)
    if not favourites:
        raise ValidationError(
            "None of your ratings is 4 stars or more yet: rate a few movies you love, then ask again."
        )
    recent = (
        PreferenceSuggestion.objects.filter(
            user=user,
            status=PreferenceSuggestion.Status.PENDING,
            created_at__gte=timezone.now() - SUGGESTION_REUSE_FOR,
        )
        .order_by("-created_at")
        .first()
    )
    if recent is not None:
        return recent
    suggestion = PreferenceSuggestion.objects.create(user=user, favourite_movie_ids=favourites)
    _suggestion_dispatch(suggestion_id=suggestion.pk)  # sent once this transaction commits
    return suggestion


def _suggestion_dispatch(*, suggestion_id: int) -> None:
    def broker_down(exc: Exception) -> None:  # say so on the suggestion instead of leaving it pending forever
        PreferenceSuggestion.objects.filter(pk=suggestion_id, status=PreferenceSuggestion.Status.PENDING).update(
            status=PreferenceSuggestion.Status.FAILED,
            error="The suggestion could not be queued; try again later.",
            finished_at=timezone.now(),
        )

    enqueue("workers.preference_suggestion", args=[suggestion_id], on_failure=broker_down)


def preference_suggestion_accept(*, user, suggestion_id: int, text: object = None) -> PreferenceProfile:
    """Use a ready suggestion as the user's preferences: its own text (source "generated"), or `text`
    when given: "generated" if it is the suggestion's text unchanged, "manual" if the user edited it."""
    suggestion = preference_suggestion_get(user=user, suggestion_id=suggestion_id)
    if suggestion.status != PreferenceSuggestion.Status.READY:
        raise ValidationError(f"This suggestion is {suggestion.status}, not ready: there is no text to use yet.")
    chosen = suggestion.text if text is None else preference_text_parse(text)
    source = PreferenceSource.GENERATED if chosen == suggestion.text else PreferenceSource.MANUAL
    return preference_update(user=user, text=chosen, source=source)


# --- not interested -------------------------------------------------------------------------


def not_interested_list(*, user) -> QuerySet[NotInterested]:
    return NotInterested.objects.filter(user=user).select_related("movie").order_by("-created_at", "-id")


def not_interested_is_marked(*, user, movie: Movie) -> bool:
    return user.is_authenticated and NotInterested.objects.filter(user=user, movie=movie).exists()


def not_interested_movie_ids(*, user_id: int) -> set[int]:
    """Movies the user never wants recommended (for feed filtering)."""
    return set(NotInterested.objects.filter(user_id=user_id).values_list("movie_id", flat=True))


@transaction.atomic
def not_interested_mark(*, user, movie: Movie) -> tuple[NotInterested, bool]:
    """Mark a movie "not interested" (idempotent). Returns (mark, created)."""
    mark, created = NotInterested.objects.get_or_create(user=user, movie=movie)
    if created:
        personal_data_changed(user_id=user.pk)
    return mark, created


@transaction.atomic
def not_interested_unmark(*, user, movie: Movie) -> bool:
    """Remove the mark; False if there was none (idempotent)."""
    deleted, _ = NotInterested.objects.filter(user=user, movie=movie).delete()
    if deleted:
        personal_data_changed(user_id=user.pk)
    return bool(deleted)
