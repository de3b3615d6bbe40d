"""REST API v1 for recommendations: the current user's feed."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from recommender.selectors import FEED_MAX_K, feed_document


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


class MyFeedApi(APIView):
    """Your personalized feed: `k` movies you have not rated, best first, each with a reason."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[FeedQuerySerializer],
        responses=inline_serializer(
            "Feed",
            {
                "model_version": serializers.CharField(),
                "personal": serializers.BooleanField(),
                "updating": serializers.BooleanField(),
                "results": FeedItemSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        # Already JSON-shaped (and cached): serializers above document it, the hot path skips them.
        return Response(feed_document(user=request.user, k=query.validated_data["k"]))
