"""Site pages for recommendations: the movie page (with more like this), "For you", onboarding, free-text search."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from catalog.forms import RATING_CHOICES
from catalog.lists import watchlist_has
from catalog.models import Genre, Movie, Rating
from catalog.preferences import not_interested_is_marked, written_preferences
from catalog.selectors import (
    cast_in_billing_order,
    decade_parse,
    decades,
    movie_detail,
    rating_histogram,
    user_rating_for,
)
from recommender.engine.query.schema import MAX_QUERY_CHARS, QueryError
from recommender.models import MovieEmbedding
from recommender.selectors.feeds import RANKINGS, feed_document, onboarding_groups
from recommender.selectors.predicted import predicted_stars
from recommender.selectors.search import search_run
from recommender.selectors.similar import movies_similar_to
from recommender.services.reasons import similar_reasons_request

SIMILAR_ON_PAGE = 6
ONBOARDING_UNTIL = 5  # fewer ratings than this: show the onboarding page instead of an empty-ish feed
SKIPPED_KEY = "onboarding_skipped"  # session: movies the person said they have not seen
MAX_SKIPPED = 500


def movie_page(request: HttpRequest, movie_id: int) -> HttpResponse:
    try:
        movie = movie_detail(movie_id=movie_id)
    except Movie.DoesNotExist:
        raise Http404("No such movie.") from None
    credits = list(movie.credits.all())
    my_rating = user_rating_for(user=request.user, movie=movie)
    similar = movies_similar_to(movie=movie, k=SIMILAR_ON_PAGE)
    # The LLM writes the reasons still missing in the background; the page shows the template meanwhile.
    similar_reasons_request(
        user=request.user,
        movie_id=movie.pk,
        other_ids=[match.movie.pk for match in similar if match.wants_written_reason],
    )
    context = {
        "movie": movie,
        "directors": [c.person for c in credits if c.role == "director"],
        "writers": [c.person for c in credits if c.role == "writer"],
        "cast": cast_in_billing_order(credits=credits),
        "histogram": rating_histogram(movie=movie),
        "my_rating": my_rating,
        "predicted": None if my_rating else predicted_stars(user=request.user, movie_ids=[movie.pk]).get(movie.pk),
        "similar": similar,
        "rating_choices": RATING_CHOICES,
        "not_interested": not_interested_is_marked(user=request.user, movie=movie),
        "on_watchlist": watchlist_has(user=request.user, movie=movie),
    }
    return render(request, "catalog/movie.html", context)


@login_required
def for_you(request: HttpRequest) -> HttpResponse:
    # Onboarding until a few ratings, unless the user asked for the feed or described their taste in words
    # (the worker then orders popular movies by those words).
    wrote = written_preferences().filter(user=request.user).exists()
    if Rating.objects.filter(user=request.user).count() < ONBOARDING_UNTIL and "feed" not in request.GET and not wrote:
        return onboarding(request)
    # The chosen ranking is remembered for the session, as MovieLens.org lets people pick their algorithm.
    ranking = request.GET.get("ranking")
    if ranking in RANKINGS:
        request.session["ranking"] = ranking
    ranking = request.session.get("ranking", "language")
    feed = feed_document(user=request.user, k=20, ranking=ranking)
    context = {"feed": feed, "ranking": ranking, "rankings": RANKINGS, "how_ranked": how_ranked(feed, wrote=wrote)}
    return render(request, "recommender/for_you.html", context)


def how_ranked(feed: dict, *, wrote: bool) -> str:
    """The feed's order in a sentence for people; version names and scores stay in the API and admin.
    It mentions their words only when they wrote some (`wrote`): a sentence shown must be true."""
    if not feed["personal"]:
        return "The movies most rated on CineMatch, until your ratings say more about you."
    if feed["ranking"] == "language" and feed["model_version"].startswith("popularity+"):
        return "Popular movies, ordered by what you wrote you like."
    if feed["ranking"] == "language":
        closeness = "the movies you loved and to what you wrote you like" if wrote else "the movies you loved"
        return ("Picked from the ratings of people with tastes like yours, then ordered by how close each movie "
                f"is to {closeness}.")  # fmt: skip
    return "Picked and ordered by the ratings of people with tastes like yours."


@login_required
def onboarding(request: HttpRequest) -> HttpResponse:
    skipped = set(request.session.get(SKIPPED_KEY, []))
    context = {
        "groups": onboarding_groups(user=request.user, skipped=skipped),
        "rated_count": Rating.objects.filter(user=request.user).count(),
        "personal_at": ONBOARDING_UNTIL,
        "rating_choices": RATING_CHOICES,
    }
    return render(request, "recommender/onboarding.html", context)


@login_required
@require_POST
def onboarding_skip(request: HttpRequest, movie_id: int) -> HttpResponse:
    """ "Haven't seen it": the movie leaves the onboarding page for this session (nothing is stored
    about the person: not having seen a film says nothing about liking it)."""
    if not Movie.objects.filter(pk=movie_id).exists():
        raise Http404("No such movie.")
    skipped = request.session.get(SKIPPED_KEY, [])
    if movie_id not in skipped:
        request.session[SKIPPED_KEY] = [*skipped, movie_id][-MAX_SKIPPED:]
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"skipped": movie_id})
    return redirect("onboarding")


def search(request: HttpRequest) -> HttpResponse:
    """The one search box: requests ("something like Alien but less gory"), questions ("who directed
    Heat?") and plain titles ("heat 1995"), routed by the query parser (selectors/search.py)."""
    query = request.GET.get("q", "")
    genres = list(Genre.objects.all())
    genre = request.GET.get("genre", "")
    genre = genre if genre in {g.name for g in genres} else ""  # only a catalog genre filters (no NUL reaches SQL)
    decade = decade_parse(request.GET.get("decade", ""))
    result, error = None, ""
    if query.strip():
        try:
            result = search_run(user=request.user, query=query, k=20, genre=genre, decade=decade)
        except QueryError as exc:
            error = str(exc)
    if result is not None:
        prefetch_related_objects([hit.movie for hit in result.hits], "genres")
    indexed, total = MovieEmbedding.objects.count(), Movie.objects.count()
    context = {"query": query.strip()[:MAX_QUERY_CHARS], "genre": genre, "decade": decade, "result": result,
               "error": error, "genres": genres, "decades": decades(), "indexed": indexed, "total": total}  # fmt: skip
    return render(request, "recommender/search.html", context)
