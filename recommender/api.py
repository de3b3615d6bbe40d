"""REST API v1 for recommendations: the current user's feed, similar movies, search."""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from catalog.api import MovieFilterSerializer
from catalog.models import Movie, Rating
from recommender.engine.query.schema import QueryError
from recommender.query_api import PARSE
from recommender.selectors.feeds import FEED_MAX_K, RANKINGS, feed_document
from recommender.selectors.predicted import predicted_stars
from recommender.selectors.search import SEARCH_ROUTES, search_run
from recommender.selectors.similar import movies_similar_to
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
    predicted_rating = serializers.FloatField(
        allow_null=True, help_text="your predicted stars (0.5-5 in half steps) from the serving SVD; null when unknown"
    )


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
                "ruled_out": serializers.CharField(
                    help_text='what your preference text rules out of every order ("horror and violence"); '
                    '"" when nothing'
                ),
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


class PredictionApi(APIView):
    """Your predicted stars for one movie (0.5-5 in half steps), from the serving SVD folded in with your
    ratings as they are now; null when it cannot say (no ratings yet, no SVD serving, a movie it never saw)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Prediction",
            {
                "movie": serializers.IntegerField(),
                "predicted_rating": serializers.FloatField(allow_null=True),
                "your_rating": serializers.FloatField(allow_null=True, help_text="what you gave it, if you rated it"),
            },
        )
    )
    def get(self, request, pk: int):
        movie = get_object_or_404(Movie, pk=pk)
        mine = Rating.objects.filter(user=request.user, movie=movie).values_list("value", flat=True).first()
        stars = predicted_stars(user=request.user, movie_ids=[movie.pk])
        return Response({"movie": movie.pk, "predicted_rating": stars.get(movie.pk), "your_rating": mine})


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

    @extend_schema(
        parameters=[SimilarQuerySerializer],
        responses=inline_serializer("SimilarMovies", {"results": SimilarMatchSerializer(many=True)}),
    )
    def get(self, request, pk: int):
        query = SimilarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        movie = get_object_or_404(Movie, pk=pk)
        matches = movies_similar_to(movie=movie, k=query.validated_data["k"])
        similar_reasons_request(
            user=request.user,
            movie_id=movie.pk,
            other_ids=[match.movie.pk for match in matches if match.wants_written_reason],
        )
        matches = _with_genres(matches)
        return Response({"results": SimilarMatchSerializer(matches, many=True).data})


class SearchHitSerializer(MatchSerializer):
    reason = serializers.CharField(help_text="why this movie, from its own data (a shared director, genres, keywords)")


SEARCH_RESPONSE = inline_serializer(
    "Search",
    {
        "query": serializers.CharField(),
        "parser": serializers.CharField(help_text='which parser read the request, e.g. "llm+query_parser-v3"'),
        "route": serializers.ChoiceField(
            choices=SEARCH_ROUTES,
            help_text="recommendations (movies matching the request), answer (a fact or reply in `answer`, with "
            "the movies it is about) or title (the movies the request named)",
        ),
        "answer": serializers.CharField(help_text='"Heat (1995) was directed by Michael Mann."; "" when none'),
        "understood": serializers.ListField(
            child=serializers.CharField(), help_text='the request as read: ["like Alien (1979)", "less gory"]'
        ),
        "parse": PARSE,
        "results": SearchHitSerializer(many=True),
    },
)


class SearchApi(APIView):
    """One search box for everything: "something like Alien but less gory", "who directed Heat?",
    "funny 80s movies with Bill Murray", "heat 1995". The request is parsed (intent and entities),
    then answered by its route; `genre` and `decade` narrow recommendations further. Signed-in
    users get recommendations ordered by their ratings too, without movies they rated or hid."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "query"

    @extend_schema(parameters=[SearchQuerySerializer], responses={200: SEARCH_RESPONSE})
    def get(self, request):
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        try:
            result = search_run(user=request.user, query=data["q"], k=data["k"], genre=data.get("genre", ""),
                                decade=data.get("decade"))  # fmt: skip
        except QueryError as exc:
            return Response({"q": [str(exc)]}, status=400)
        prefetch_related_objects([hit.movie for hit in result.hits], "genres")
        return Response({
            "query": result.query, "parser": result.parser, "route": result.route, "answer": result.answer,
            "understood": result.understood, "parse": result.parse.to_dict(),
            "results": SearchHitSerializer(result.hits, many=True).data,
        })  # fmt: skip
