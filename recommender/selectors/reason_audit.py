"""Are the reasons people see true? Samples served feed items and checks each reason against the
data (engine/text/reason_check.py): the `check_reasons` command prints the result."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q, Value

from catalog.models import Rating
from catalog.preferences import written_preferences
from recommender.engine.text.reason_check import reason_problems
from recommender.selectors.feeds import RANKINGS, feed_for_user
from recommender.selectors.movie_text import movie_texts

FEED_DEPTH = 10  # the items a person sees first
PER_FEED = 2  # items checked per (user, ranking) by default: the sample spreads across many users


@dataclass(frozen=True)
class CheckedReason:
    user_id: int
    ranking: str
    movie_id: int
    title: str
    reason: str
    problems: list[str]

    @property
    def claim(self) -> str:
        """What the reason rests on, for counting."""
        if "“" in self.reason:
            return "the reader's words"
        if "close to it" in self.reason:
            return "a similar movie the reader loved"
        if "people who liked it also liked this" in self.reason:
            return "a movie the reader loved, co-liked by others"
        return "a plain statement (popularity, ratings of similar people)"


def reason_audit(
    *, sample: int, seed: int = 0, written_only: bool = False, per_feed: int = PER_FEED
) -> list[CheckedReason]:
    """`sample` feed items (`per_feed` per user and ranking, users in a seeded random order), each
    checked against its movie's metadata and the user's ratings as they are now. `written_only`:
    only people who wrote their preferences (the reasons that quote words come from them)."""
    users = get_user_model().objects.filter(feed__isnull=False).order_by("pk")
    if written_only:
        users = users.filter(pk__in=written_preferences().values("user_id"))
    users = list(users)
    rng = random.Random(seed)
    rng.shuffle(users)
    checked: list[CheckedReason] = []
    for user in users:
        user_id = user.pk
        for ranking in RANKINGS:
            feed = feed_for_user(user=user, k=FEED_DEPTH, ranking=ranking)
            if feed.ranking != ranking:  # no language order for this user: the classic one is checked once
                continue
            items = rng.sample(feed.items, min(per_feed, len(feed.items)))
            texts = movie_texts(movie_ids=[item.movie.id for item in items])
            rated, rated_genres = _rated_titles(user_id)
            for item in items:
                problems = reason_problems(item.explanation, texts[item.movie.id], rated, rated_genres)
                checked.append(
                    CheckedReason(user_id, ranking, item.movie.id, str(item.movie), item.explanation, problems)
                )
                if len(checked) == sample:
                    return checked
    return checked


def _rated_titles(user_id: int) -> tuple[dict[str, float], dict[str, set[str]]]:
    """The user's stars, and the genres of what they rated, by title and by "Title (year)", the two
    ways reasons name a movie."""
    rated: dict[str, float] = {}
    genres: dict[str, set[str]] = {}
    rows = (
        Rating.objects.filter(user_id=user_id)
        .annotate(genre_names=ArrayAgg("movie__genres__name", filter=Q(movie__genres__isnull=False), default=Value([])))
        .values_list("movie__title", "movie__year", "value", "genre_names")
    )  # fmt: skip
    for title, year, stars, names in rows:
        value = float(stars)
        rated[title] = max(value, rated.get(title, 0.0))  # two films of one title: either may be meant
        genres[title] = genres.get(title, set()) | set(names)
        key = f"{title} ({year})" if year else title
        rated[key], genres[key] = value, set(names)
    return rated, genres
