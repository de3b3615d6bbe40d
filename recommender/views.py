"""Site pages for recommendations: "For you", onboarding and free-text search."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from catalog.forms import RATING_CHOICES
from catalog.models import Genre, Movie, Rating
from catalog.preferences import written_preferences
from catalog.selectors import decade_parse, decades
from recommender.models import MovieEmbedding
from recommender.selectors import RANKINGS, feed_document, onboarding_groups
from recommender.similarity import semantic_search

ONBOARDING_UNTIL = 5  # fewer ratings than this: show the onboarding page instead of an empty-ish feed


@login_required
def for_you(request: HttpRequest) -> HttpResponse:
    # Onboarding until a few ratings, unless the user asked for the feed or described their taste in words
    # (the worker then orders popular movies by those words).
    if (
        Rating.objects.filter(user=request.user).count() < ONBOARDING_UNTIL
        and "feed" not in request.GET
        and not written_preferences().filter(user=request.user).exists()
    ):
        return onboarding(request)
    # The chosen ranking is remembered for the session, as MovieLens.org lets people pick their algorithm.
    ranking = request.GET.get("ranking")
    if ranking in RANKINGS:
        request.session["ranking"] = ranking
    ranking = request.session.get("ranking", "language")
    feed = feed_document(user=request.user, k=20, ranking=ranking)
    return render(request, "recommender/for_you.html", {"feed": feed, "ranking": ranking, "rankings": RANKINGS})


@login_required
def onboarding(request: HttpRequest) -> HttpResponse:
    context = {
        "groups": onboarding_groups(user=request.user),
        "rated_count": Rating.objects.filter(user=request.user).count(),
        "rating_choices": RATING_CHOICES,
    }
    return render(request, "recommender/onboarding.html", context)


def search(request: HttpRequest) -> HttpResponse:
    """Free-text search: "a slow-burn space mystery", "heist gone wrong in the seventies"."""
    query = request.GET.get("q", "").strip()[:500]
    genre = request.GET.get("genre", "").strip()[:64]
    decade = decade_parse(request.GET.get("decade", ""))
    matches = semantic_search(query=query, k=20, genre=genre, decade=decade) if query else []
    prefetch_related_objects([match.movie for match in matches], "genres")
    indexed, total = MovieEmbedding.objects.count(), Movie.objects.count()
    context = {"query": query, "genre": genre, "decade": decade, "matches": matches, "genres": Genre.objects.all(),
               "decades": decades(), "indexed": indexed, "total": total}  # fmt: skip
    return render(request, "recommender/search.html", context)
