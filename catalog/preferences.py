"""Language-driven personalization: a user's taste in their own words, generated suggestions of it,
and "not interested" marks. Writes (`<thing>_<action>` services) and the few reads the API, the
site and the feed need.

After any change a hook asks for the user's feed to be refreshed (see `_personalization_follows`),
so language scores and the not-interested filter apply within seconds.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

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

logger = logging.getLogger(__name__)

FAVOURITE_MIN_RATING = 4.0
FAVOURITES = 8
SUGGESTION_REUSE_FOR = timedelta(minutes=10)  # a pending suggestion this young answers a repeated request
SUGGESTION_QUEUE = "gpu"


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
    _personalization_follows(user_id=user.pk)
    return profile


# --- generated suggestions ------------------------------------------------------------------


def favourite_movie_ids(*, user, n: int = FAVOURITES) -> list[int]:
    """The user's favourites as the profile engine picks them (highest rated, then most recent)."""
    from recommender.engine.llm.profiles import favourite_items

    rows = Rating.objects.filter(user=user).values_list("movie_id", "value", "rated_at")
    return favourite_items(
        [(movie_id, float(value), int(rated_at.timestamp())) for movie_id, value, rated_at in rows],
        n,
        min_rating=FAVOURITE_MIN_RATING,
    )


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
    transaction.on_commit(lambda: _suggestion_dispatch(suggestion_id=suggestion.pk))
    return suggestion


def _suggestion_dispatch(*, suggestion_id: int) -> None:
    from workers.tasks import preference_suggestion_task

    try:
        preference_suggestion_task.apply_async(args=[suggestion_id], queue=SUGGESTION_QUEUE)
    except Exception:  # the broker is down: say so on the suggestion instead of leaving it pending forever
        logger.warning("could not queue preference suggestion %s", suggestion_id, exc_info=True)
        PreferenceSuggestion.objects.filter(pk=suggestion_id, status=PreferenceSuggestion.Status.PENDING).update(
            status=PreferenceSuggestion.Status.FAILED,
            error="The suggestion could not be queued; try again later.",
            finished_at=timezone.now(),
        )


def preference_suggestion_generate(*, suggestion_id: int, llm=None) -> PreferenceSuggestion | None:
    """Write a pending suggestion's text (the worker's job). Idempotent: a suggestion that is
    ready or failed, or being generated by another worker, is returned unchanged. None if it is gone.

    The row stays locked while the model runs (seconds), so two deliveries never both generate.
    """
    from recommender.engine.llm.profiles import profile_from_favourites
    from recommender.services import llm as llm_service
    from recommender.services.enrichment import movie_facts

    with transaction.atomic():
        suggestion = (
            PreferenceSuggestion.objects.select_for_update(skip_locked=True)
            .filter(pk=suggestion_id, status=PreferenceSuggestion.Status.PENDING)
            .first()
        )
        if suggestion is None:
            return PreferenceSuggestion.objects.filter(pk=suggestion_id).first()
        try:
            facts = movie_facts(movie_ids=list(suggestion.favourite_movie_ids))
            favourites = [facts[movie_id] for movie_id in suggestion.favourite_movie_ids if movie_id in facts]
            if not favourites:
                raise ValueError("none of the favourite movies exists any more")
            model = llm or llm_service.generator()
            text, detail = profile_from_favourites(model, favourites)
            suggestion.text, suggestion.detail, suggestion.model_name = text, detail, model.name[:255]
            suggestion.status = PreferenceSuggestion.Status.READY
        except Exception as exc:  # a failed suggestion says why; the user can ask again
            logger.exception("preference suggestion %s failed", suggestion_id)
            suggestion.status = PreferenceSuggestion.Status.FAILED
            suggestion.error = f"{type(exc).__name__}: {exc}"[:500]
        suggestion.finished_at = timezone.now()
        suggestion.save()
    return suggestion


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
        _personalization_follows(user_id=user.pk)
    return mark, created


@transaction.atomic
def not_interested_unmark(*, user, movie: Movie) -> bool:
    """Remove the mark; False if there was none (idempotent)."""
    deleted, _ = NotInterested.objects.filter(user=user, movie=movie).delete()
    if deleted:
        _personalization_follows(user_id=user.pk)
    return bool(deleted)


# --- the hook -------------------------------------------------------------------------------


def _personalization_follows(*, user_id: int) -> None:
    """After the change commits, the user's feed is refreshed (debounced) with the new preferences
    and marks: recommender.services.feeds.feed_refresh_schedule(user_id=...)."""
    from recommender.services import feeds

    schedule = getattr(feeds, "feed_refresh_schedule", None)
    if schedule is not None:
        transaction.on_commit(lambda: schedule(user_id=user_id))
