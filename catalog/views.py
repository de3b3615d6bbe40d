"""Server-rendered pages: home, browse, rating, sign-up, my ratings, preferences, not interested.

The movie page shows recommendations (more like this), so it lives in recommender/views.py."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from catalog.forms import RATING_CHOICES, RatingForm, SignupForm
from catalog.lists import hidden_movies, watchlist_add, watchlist_movies, watchlist_remove
from catalog.models import Genre, Movie, Person, PreferenceSource, PreferenceSuggestion
from catalog.posters import poster_svg
from catalog.preferences import (
    not_interested_mark,
    not_interested_unmark,
    preference_suggestion_accept,
    preference_suggestion_request,
    preference_update,
)
from catalog.selectors import RATING_SORTS, decade_parse, decades, movie_list, person_films, user_ratings
from catalog.services import rating_delete, rating_upsert, user_signup

PAGE_SIZE = 24
POSTER_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
POSTER_CACHE = "public, max-age=86400"


@login_required
@require_POST
def watchlist_toggle(request: HttpRequest, movie_id: int) -> HttpResponse:
    """Add (or with action=remove, take off) a movie to the watchlist; back to a known page only."""
    movie = get_object_or_404(Movie, pk=movie_id)
    if request.POST.get("action") == "remove":
        watchlist_remove(user=request.user, movie=movie)
        messages.success(request, f"{movie.title} is off your watchlist.")
    else:
        watchlist_add(user=request.user, movie=movie)
        messages.success(request, f"{movie.title} is on your watchlist.")
    return _back(request, movie)


@login_required
def watchlist(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/watchlist.html", {"movies": watchlist_movies(user=request.user)})


@login_required
def hidden(request: HttpRequest) -> HttpResponse:
    """Every movie the user marked "not interested", each with Undo."""
    return render(request, "catalog/hidden.html", {"movies": hidden_movies(user=request.user)})


def person_page(request: HttpRequest, person_id: int) -> HttpResponse:
    try:
        person, films = person_films(person_id=person_id, user=request.user)
    except Person.DoesNotExist:
        raise Http404("No such person.") from None
    return render(request, "catalog/person.html", {"person": person, "films": films})


def poster(request: HttpRequest, movie_id: int) -> HttpResponse:
    """A movie's poster: the operator's image when POSTER_DIR or POSTER_BASE_URL has one, else generated art."""
    movie = Movie.objects.filter(pk=movie_id).values("id", "title", "year").first()
    if movie is None:
        raise Http404("No such movie.")
    if settings.POSTER_DIR:
        for suffix, content_type in POSTER_TYPES.items():
            path = Path(settings.POSTER_DIR) / f"{movie_id}{suffix}"
            if path.is_file():
                response = FileResponse(path.open("rb"), content_type=content_type)
                response["Cache-Control"] = POSTER_CACHE
                return response
    if settings.POSTER_BASE_URL:
        return redirect(f"{settings.POSTER_BASE_URL.rstrip('/')}/{movie_id}.jpg")
    genres = list(Genre.objects.filter(movies__id=movie_id).values_list("name", flat=True))
    response = HttpResponse(poster_svg(movie_id=movie["id"], title=movie["title"], year=movie["year"], genres=genres),
                            content_type="image/svg+xml")  # fmt: skip
    response["Cache-Control"] = POSTER_CACHE
    return response


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "popular": movie_list(sort="popular")[:12],
        "top": movie_list(sort="top")[:12],
        "genres": Genre.objects.all(),
    }
    return render(request, "catalog/home.html", context)


def browse(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:200]
    genre = request.GET.get("genre", "").strip()[:64]
    sort = request.GET.get("sort", "popular")
    decade = decade_parse(request.GET.get("decade", ""))
    page = Paginator(movie_list(search=search, genre=genre, decade=decade, sort=sort), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "search": search,
        "genre": genre,
        "decade": decade,
        "sort": sort,
        "genres": Genre.objects.all(),
        "decades": decades(),
        "query_string": query.urlencode(),
    }
    return render(request, "catalog/browse.html", context)


@login_required
@require_POST
def rate(request: HttpRequest, movie_id: int) -> HttpResponse:
    """Rate or un-rate a movie. Plain form posts redirect back; fetch() calls get JSON."""
    movie = get_object_or_404(Movie, pk=movie_id)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if request.POST.get("action") == "remove":
        rating_delete(user=request.user, movie=movie)
        message, payload = "Rating removed.", {"rating": None}
    else:
        form = RatingForm(request.POST)
        if not form.is_valid():
            error = form.errors["rating"][0]
            if wants_json:
                return JsonResponse({"error": error}, status=400)
            messages.error(request, error)
            return redirect("movie", movie_id=movie.id)
        rating, _ = rating_upsert(user=request.user, movie=movie, value=form.cleaned_data["rating"])
        message, payload = f"You rated {movie.title} {rating.value} stars.", {"rating": float(rating.value)}
    if wants_json:
        movie.refresh_from_db(fields=["rating_count", "rating_mean"])
        payload.update(message=message, rating_count=movie.rating_count, rating_mean=movie.rating_mean,
                       rated_total=request.user.ratings.count())  # fmt: skip
        return JsonResponse(payload)
    messages.success(request, message)
    # Only a known page name, never a URL from the form: no open redirect.
    if request.POST.get("next") in ("my_ratings", "onboarding"):
        return redirect(request.POST["next"])
    return redirect("movie", movie_id=movie.id)


@login_required
def my_ratings(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "recent")
    sort = sort if sort in RATING_SORTS else "recent"
    raw_stars = request.GET.get("stars", "")
    stars = float(raw_stars) if raw_stars in {value for value, _ in RATING_CHOICES} else None
    genre = request.GET.get("genre", "")
    genres = Genre.objects.all()
    genre = genre if genre in {g.name for g in genres} else ""  # only a catalog genre filters
    ratings = user_ratings(user=request.user, sort=sort, stars=stars, genre=genre)
    page = Paginator(ratings, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "sort": sort, "stars": raw_stars if stars is not None else "", "genre": genre,
               "genres": genres, "rating_choices": RATING_CHOICES, "query_string": query.urlencode()}  # fmt: skip
    return render(request, "catalog/my_ratings.html", context)


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_signup(username=form.cleaned_data["username"], password=form.cleaned_data["password1"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}! Rate a few movies you have seen, and skip the others.")
        return redirect("onboarding")
    return render(request, "registration/signup.html", {"form": form})


# --- Preferences and "not interested" (plain POST forms that redirect back; no JS needed) -------


def _back_to_for_you() -> HttpResponse:
    # ?feed=1 shows the feed page (with the editor) even to users still in onboarding.
    return redirect(f"{reverse('for_you')}?feed=1#preferences")


@login_required
@require_POST
def preferences_save(request: HttpRequest) -> HttpResponse:
    """Save the editor's text. With `suggestion` (the id of the ready suggestion shown in the form), the
    text counts as "generated" when left unchanged and "manual" when edited."""
    text = request.POST.get("text", "")
    suggestion_id = request.POST.get("suggestion", "")
    try:
        if suggestion_id.isdigit():
            profile = preference_suggestion_accept(user=request.user, suggestion_id=int(suggestion_id), text=text)
        else:
            profile = preference_update(user=request.user, text=text, source=PreferenceSource.MANUAL)
    except PreferenceSuggestion.DoesNotExist:
        raise Http404("No such suggestion.") from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Your preferences are saved." if profile.text else "Your preferences are cleared.")
    return _back_to_for_you()


@login_required
@require_POST
def preference_suggest(request: HttpRequest) -> HttpResponse:
    """Queue a suggestion written from the user's favourite movies."""
    try:
        preference_suggestion_request(user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, "A suggestion is being written from your favourite movies; refresh in a moment.")
    return _back_to_for_you()


@login_required
@require_POST
def not_interested(request: HttpRequest, movie_id: int) -> HttpResponse:
    """Mark (or with action=undo, unmark) a movie as not interesting; back to a known page only."""
    movie = get_object_or_404(Movie, pk=movie_id)
    if request.POST.get("action") == "undo":
        not_interested_unmark(user=request.user, movie=movie)
        messages.success(request, f"{movie.title} can be recommended again.")
    else:
        not_interested_mark(user=request.user, movie=movie)
        messages.success(request, f"Got it: {movie.title} will not be recommended to you.")
    return _back(request, movie)


def _back(request: HttpRequest, movie: Movie) -> HttpResponse:
    """After a list change: the page named by `next` (a known name only, never a URL: no open
    redirect), else the movie's page."""
    pages = {"for_you": f"{reverse('for_you')}?feed=1", "hidden": reverse("hidden"), "watchlist": reverse("watchlist")}
    return redirect(pages.get(request.POST.get("next"), reverse("movie", args=[movie.id])))
