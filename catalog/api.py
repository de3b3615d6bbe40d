"""REST API v1 for the catalog: movies (read-only) and the current user's ratings."""

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

from catalog.models import Genre, Movie, Rating
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
            "overview", "tagline", "keywords", "runtime", "popularity",
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
    sort = serializers.ChoiceField(choices=list(SORTS), required=False, default="popular")

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
