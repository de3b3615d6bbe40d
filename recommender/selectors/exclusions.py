"""What each person ruled out in their words, as movies: read by every ranking of the feed."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from catalog.models import Movie, PreferenceProfile
from recommender.engine.text.exclusions import RuledOut, ruled_out


def user_ruled_out(*, user_id: int) -> RuledOut:
    """What the user's preference text rules out (nothing when they wrote none)."""
    text = PreferenceProfile.objects.filter(user_id=user_id).values_list("text", flat=True).first()
    return ruled_out(text or "")


def ruled_out_filter(rules: RuledOut) -> Q:
    """Movies with every genre of a ruled-out set, or a keyword of a ruled-out concern (an empty Q when none)."""
    query = Q()
    for genre_set in rules.genre_sets:
        every = Q()
        for genre in genre_set:
            every &= Q(id__in=Movie.genres.through.objects.filter(genre__name=genre).values("movie_id"))
        query |= every
    for keyword in rules.keywords:
        query |= Q(keywords__contains=[keyword])
    return query


def ruled_out_movie_ids(*, rules: RuledOut, movie_ids: Iterable[int]) -> set[int]:
    """The movies among `movie_ids` that `rules` exclude."""
    if not rules:
        return set()
    ruled = Movie.objects.filter(id__in=list(movie_ids)).filter(ruled_out_filter(rules))
    return set(ruled.values_list("id", flat=True))
