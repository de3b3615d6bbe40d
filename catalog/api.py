"""REST API v1 for the catalog: movies (read-only), the current user's ratings, preferences and
"not interested" marks."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from catalog.models import (
    PREFERENCE_MAX_CHARS,
    Genre,
    Movie,
    NotInterested,
    PreferenceRevision,
    PreferenceSource,
    PreferenceSuggestion,
    Rating,
)
from catalog.preferences import (
    not_interested_list,
    not_interested_mark,
    not_interested_unmark,
    preference_get,
    preference_history,
    preference_source_parse,
    preference_suggestion_accept,
    preference_suggestion_get,
    preference_suggestion_request,
    preference_text_parse,
    preference_update,
)
from catalog.selectors import SORTS, movie_detail, movie_list, user_rating_for, user_ratings
from catalog.services import rating_delete, rating_upsert, rating_value_parse


class MovieSummarySerializer(serializers.ModelSerializer):
    genres = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Movie
        fields = ["id", "title", "year", "genres", "rating_mean", "rating_count"]


class MovieDetailSerializer(MovieSummarySerializer):
    directors = serializers.SerializerMethodField()
    cast = serializers.SerializerMethodField()
    my_rating = serializers.SerializerMethodField()

    class Meta(MovieSummarySerializer.Meta):
        fields = MovieSummarySerializer.Meta.fields + [
            "overview", "tagline", "keywords", "runtime", "popularity", "languages", "countries", "awards",
            "movielens_id", "tmdb_id", "imdb_id", "directors", "cast", "my_rating",
        ]  # fmt: skip

    def _names(self, movie: Movie, role: str) -> list[str]:
        return [credit.person.name for credit in movie.credits.all() if credit.role == role]

    def get_directors(self, movie: Movie) -> list[str]:
        return self._names(movie, "director")

    def get_cast(self, movie: Movie) -> list[str]:
        return self._names(movie, "cast")

    def get_my_rating(self, movie: Movie) -> float | None:
        rating = user_rating_for(user=self.context["request"].user, movie=movie)
        return float(rating.value) if rating else None


class MovieFilterSerializer(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)
    genre = serializers.CharField(required=False, allow_blank=True, max_length=64)
    decade = serializers.IntegerField(required=False, min_value=1870, max_value=2100)
    # Blank means the default, as an empty form field does (?sort=).
    sort = serializers.ChoiceField(choices=list(SORTS), required=False, allow_blank=True, default="popular")

    def validate_decade(self, value: int) -> int:
        if value % 10:
            raise serializers.ValidationError("A decade is a year ending in 0, such as 1990.")
        return value

    def validate_genre(self, value: str) -> str:
        if value and not Genre.objects.filter(name__iexact=value).exists():
            known = ", ".join(Genre.objects.values_list("name", flat=True))
            raise serializers.ValidationError(f"Unknown genre {value!r}. Known genres: {known}.")
        return value


@extend_schema(parameters=[MovieFilterSerializer])
class MovieListApi(ListAPIView):
    """Movies, most rated first; filter with `search` (title words), `genre` and `decade`."""

    serializer_class = MovieSummarySerializer

    def get_queryset(self):
        filters = MovieFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return movie_list(**filters.validated_data)


class MovieDetailApi(RetrieveAPIView):
    serializer_class = MovieDetailSerializer

    def get_object(self) -> Movie:
        try:
            return movie_detail(movie_id=self.kwargs["pk"])
        except Movie.DoesNotExist:
            raise Http404(f"No movie with id {self.kwargs['pk']}.") from None


@extend_schema_field(OpenApiTypes.NUMBER)
class RatingValueField(serializers.Field):
    """0.5 to 5.0 in half steps; written and read as a JSON number."""

    def to_internal_value(self, data):
        try:
            return rating_value_parse(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def to_representation(self, value):
        return float(value)


class RatingOutputSerializer(serializers.ModelSerializer):
    movie = serializers.IntegerField(source="movie_id")
    title = serializers.CharField(source="movie.title")
    rating = RatingValueField(source="value")

    class Meta:
        model = Rating
        fields = ["movie", "title", "rating", "rated_at"]


class RatingInputSerializer(serializers.Serializer):
    movie = serializers.IntegerField(min_value=1)
    rating = RatingValueField()

    def validate_movie(self, value: int) -> Movie:
        movie = Movie.objects.filter(pk=value).first()
        if movie is None:
            raise serializers.ValidationError(f"No movie with id {value}.")
        return movie


class RatingValueSerializer(serializers.Serializer):
    rating = RatingValueField()


class MyRatingsApi(ListAPIView):
    """The current user's ratings (GET), and rate a movie (POST, creates or changes)."""

    permission_classes = [IsAuthenticated]
    serializer_class = RatingOutputSerializer

    def get_queryset(self):
        return user_ratings(user=self.request.user)

    @extend_schema(request=RatingInputSerializer, responses={200: RatingOutputSerializer, 201: RatingOutputSerializer})
    def post(self, request):
        data = RatingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating, created = rating_upsert(
            user=request.user, movie=data.validated_data["movie"], value=data.validated_data["rating"]
        )
        return Response(
            RatingOutputSerializer(rating).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class MyRatingDetailApi(APIView):
    """One of the current user's ratings, by movie id."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=RatingOutputSerializer)
    def get(self, request, movie_id: int):
        rating = get_object_or_404(user_ratings(user=request.user), movie_id=movie_id)
        return Response(RatingOutputSerializer(rating).data)

    @extend_schema(request=RatingValueSerializer, responses={200: RatingOutputSerializer, 201: RatingOutputSerializer})
    def put(self, request, movie_id: int):
        movie = get_object_or_404(Movie, pk=movie_id)
        data = RatingValueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating, created = rating_upsert(user=request.user, movie=movie, value=data.validated_data["rating"])
        return Response(
            RatingOutputSerializer(rating).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(responses={204: None})
    def delete(self, request, movie_id: int):
        movie = get_object_or_404(Movie, pk=movie_id)
        if not rating_delete(user=request.user, movie=movie):
            return Response({"detail": "You have not rated this movie."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    request=inline_serializer(
        "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
    ),
    responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
)
class TokenApi(ObtainAuthToken):
    """Exchange a username and password for an API token (send it as `Authorization: Token <key>`)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


# --- Preferences in the user's own words, generated suggestions, "not interested" ---------------


def _as_drf_error(exc: DjangoValidationError, field: str | None = None) -> serializers.ValidationError:
    return serializers.ValidationError({field: exc.messages} if field else exc.messages)


class PreferenceSerializer(serializers.Serializer):
    text = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)


class StrictCharField(serializers.CharField):
    """Text only: a JSON number or list is refused ("Not a valid string."), not stored as "0"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PreferenceInputSerializer(serializers.Serializer):
    text = StrictCharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text=f'your taste in plain words, at most {PREFERENCE_MAX_CHARS:,} characters; "" clears it',
    )
    source = StrictCharField(required=False, default=PreferenceSource.MANUAL, help_text='"manual" or "generated"')

    def validate_text(self, value: str) -> str:
        try:
            return preference_text_parse(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate_source(self, value: str) -> str:
        try:
            return preference_source_parse(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class PreferenceRevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PreferenceRevision
        fields = ["id", "text", "source", "created_at"]


class PreferenceSuggestionSerializer(serializers.ModelSerializer):
    favourite_movies = serializers.ListField(
        source="favourite_movie_ids", child=serializers.IntegerField(), read_only=True
    )

    class Meta:
        model = PreferenceSuggestion
        fields = ["id", "status", "text", "favourite_movies", "detail", "error", "created_at", "finished_at"]


class MyPreferencesApi(APIView):
    """Your movie taste in plain words, used to personalize your feed (GET; PUT to change, "" clears)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PreferenceSerializer)
    def get(self, request):
        return Response(PreferenceSerializer(preference_get(user=request.user)).data)

    @extend_schema(request=PreferenceInputSerializer, responses=PreferenceSerializer)
    def put(self, request):
        data = PreferenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = preference_update(user=request.user, **data.validated_data)
        return Response(PreferenceSerializer(profile).data)


class MyPreferenceHistoryApi(ListAPIView):
    """Every saved version of your preferences, newest first (paginated)."""

    permission_classes = [IsAuthenticated]
    serializer_class = PreferenceRevisionSerializer

    def get_queryset(self):
        return preference_history(user=self.request.user)


class MyPreferenceGenerateApi(APIView):
    """Ask for preferences written from your favourite movies (rated 4 stars or more); poll the suggestion."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: PreferenceSuggestionSerializer})
    def post(self, request):
        try:
            suggestion = preference_suggestion_request(user=request.user)
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from None
        return Response(PreferenceSuggestionSerializer(suggestion).data, status=status.HTTP_202_ACCEPTED)


class MyPreferenceSuggestionApi(APIView):
    """One of your generated suggestions: status pending, ready (with text) or failed (with error)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PreferenceSuggestionSerializer)
    def get(self, request, suggestion_id: int):
        try:
            suggestion = preference_suggestion_get(user=request.user, suggestion_id=suggestion_id)
        except PreferenceSuggestion.DoesNotExist:
            raise Http404(f"You have no suggestion with id {suggestion_id}.") from None
        return Response(PreferenceSuggestionSerializer(suggestion).data)


class MyPreferenceSuggestionAcceptApi(APIView):
    """Use a ready suggestion as your preferences (source "generated")."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=PreferenceSerializer)
    def post(self, request, suggestion_id: int):
        try:
            profile = preference_suggestion_accept(user=request.user, suggestion_id=suggestion_id)
        except PreferenceSuggestion.DoesNotExist:
            raise Http404(f"You have no suggestion with id {suggestion_id}.") from None
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from None
        return Response(PreferenceSerializer(profile).data)


class NotInterestedSerializer(serializers.ModelSerializer):
    movie = serializers.IntegerField(source="movie_id")
    title = serializers.CharField(source="movie.title")

    class Meta:
        model = NotInterested
        fields = ["movie", "title", "created_at"]


class NotInterestedInputSerializer(serializers.Serializer):
    movie = serializers.IntegerField(min_value=1)

    def validate_movie(self, value: int) -> Movie:
        movie = Movie.objects.filter(pk=value).first()
        if movie is None:
            raise serializers.ValidationError(f"No movie with id {value}.")
        return movie


class MyNotInterestedApi(ListAPIView):
    """Movies you never want recommended (GET), and mark one (POST; 201 new, 200 already marked)."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotInterestedSerializer

    def get_queryset(self):
        return not_interested_list(user=self.request.user)

    @extend_schema(
        request=NotInterestedInputSerializer, responses={200: NotInterestedSerializer, 201: NotInterestedSerializer}
    )
    def post(self, request):
        data = NotInterestedInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mark, created = not_interested_mark(user=request.user, movie=data.validated_data["movie"])
        return Response(
            NotInterestedSerializer(mark).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class MyNotInterestedDetailApi(APIView):
    """Take back a "not interested" mark, by movie id."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, movie_id: int):
        movie = get_object_or_404(Movie, pk=movie_id)
        if not not_interested_unmark(user=request.user, movie=movie):
            return Response({"detail": "You have not marked this movie."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)
