"""REST API v1 for recommendations: the current user's feed, similar movies, semantic search."""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import MovieFilterSerializer
from catalog.models import Movie
from recommender.selectors.feeds import FEED_MAX_K, RANKINGS, feed_document
from recommender.selectors.similar import movies_similar_to, semantic_search
from recommender.services.reasons import similar_reasons_request


class FeedMovieSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    genres = serializers.ListField(child=serializers.CharField())


class FeedItemSerializer(serializers.Serializer):
    movie = FeedMovieSerializer()
    score = serializers.FloatField()
    sources = serializers.DictField(child=serializers.FloatField())
    explanation = serializers.CharField()


class FeedQuerySerializer(serializers.Serializer):
    k = serializers.IntegerField(min_value=1, max_value=FEED_MAX_K, default=20)
    ranking = serializers.ChoiceField(
        choices=RANKINGS, default="language",
        help_text="language: CF candidates re-ranked with your preferences (when computed); classic: CF only",
    )  # fmt: skip


class MyFeedApi(APIView):
    """Your personalized feed: `k` movies you have not rated, best first, each with a reason."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[FeedQuerySerializer],
        responses=inline_serializer(
            "Feed",
            {
                "model_version": serializers.CharField(
                    help_text='what ordered the feed: "popularity" (nothing to go on yet), "ease-v3" (CF), '
                    '"ease-v3+reranker-v6" (CF re-ranked by language), "popularity+reranker-v6" (no ratings '
                    "yet: popular movies ordered by the words you wrote)"
                ),
                "personal": serializers.BooleanField(help_text="false for the plain popular feed"),
                "updating": serializers.BooleanField(
                    help_text="ratings or preferences changed since this was computed; a refresh is on its way"
                ),
                "ranking": serializers.ChoiceField(choices=RANKINGS),
                "note": serializers.CharField(),
                "results": FeedItemSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        # Already JSON-shaped (and cached): serializers above document it, the hot path skips them.
        data = query.validated_data
        return Response(feed_document(user=request.user, k=data["k"], ranking=data["ranking"]))


class MatchSerializer(serializers.Serializer):
    movie = serializers.SerializerMethodField()
    score = serializers.FloatField()

    def get_movie(self, match) -> dict:
        movie = match.movie
        genres = [genre.name for genre in movie.genres.all()]
        return {"id": movie.pk, "title": movie.title, "year": movie.year, "genres": genres}


class SimilarMatchSerializer(MatchSerializer):
    reason = serializers.CharField()


class SimilarQuerySerializer(serializers.Serializer):
    k = serializers.IntegerField(min_value=1, max_value=50, default=10)


class SearchQuerySerializer(MovieFilterSerializer):
    search = None  # the query is `q` here
    sort = None  # results come by closeness to the query
    q = serializers.CharField(max_length=500, trim_whitespace=True)
    k = serializers.IntegerField(min_value=1, max_value=50, default=10)


def _with_genres(matches):
    prefetch_related_objects([match.movie for match in matches], "genres")
    return matches


class SimilarMoviesApi(APIView):
    """Movies closest in meaning to this one (sentence embeddings), each with a reason from metadata."""

    @extend_schema(parameters=[SimilarQuerySerializer], responses=SimilarMatchSerializer(many=True))
    def get(self, request, pk: int):
        query = SimilarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        movie = get_object_or_404(Movie, pk=pk)
        matches = movies_similar_to(movie=movie, k=query.validated_data["k"])
        similar_reasons_request(movie_id=movie.pk, other_ids=[match.movie.pk for match in matches if not match.written])
        matches = _with_genres(matches)
        return Response({"results": SimilarMatchSerializer(matches, many=True).data})


class SearchApi(APIView):
    """Free-text search by mood, plot or theme, optionally within a genre and a decade."""

    @extend_schema(parameters=[SearchQuerySerializer], responses=MatchSerializer(many=True))
    def get(self, request):
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        matches = semantic_search(query=data["q"], k=data["k"], genre=data.get("genre", ""), decade=data.get("decade"))
        return Response({"results": MatchSerializer(_with_genres(matches), many=True).data})
